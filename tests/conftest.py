"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_corpora_path() -> Path | None:
    """`../shared/corpora` beside the clone (CI and developers), or $SEQKIT_SHARED/corpora; None for a user's clone."""
    root = Path(os.environ.get("SEQKIT_SHARED", REPO.parent / "shared"))
    path = root / "corpora"
    return path if path.is_dir() else None


@pytest.fixture
def shared_corpora() -> Path:
    path = shared_corpora_path()
    if path is None:
        pytest.skip("real corpora not present (../shared/corpora); this is expected outside the project's CI")
    return path
