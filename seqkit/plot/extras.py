"""Imports of the optional plotting libraries, with an error that names the extra when one is missing."""

from __future__ import annotations

import importlib

from seqkit.errors import SeqkitError

EXTRA = "pip install 'seqkit[plot]'"


class MissingExtraError(SeqkitError):
    """An optional library is not installed."""


def require(module: str, package: str, purpose: str):
    """``module`` imported, or MissingExtraError saying how to install ``package``."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(f"{purpose} needs {package}, which is not installed: {EXTRA} (or pip install {package})") from None
