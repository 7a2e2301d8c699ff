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


def _thread_settings():
    from seqkit import runtime

    return {"numba threads": runtime.numba_threads(), "numpy's BLAS threads": runtime.blas_threads("numpy")}


@pytest.fixture(autouse=True)
def _thread_settings_restored():
    """A test that changes a process-wide thread count must restore it (`with seqkit.runtime.threads(n)`):
    otherwise what later tests check depends on the order the tests run in."""
    before = _thread_settings()
    yield
    after = _thread_settings()
    assert after == before, f"the test left thread settings changed: {before} -> {after}"
