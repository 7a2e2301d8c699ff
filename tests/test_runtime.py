"""seqkit.runtime: the one owner of thread counts, restoring what it changed."""

import numba
import pytest

from seqkit import runtime


def test_threads_sets_and_restores_numba_and_blas():
    numba_before, blas_before = runtime.numba_threads(), runtime.blas_threads()
    with runtime.threads(1) as n:
        assert n == 1 and runtime.numba_threads() == 1
        assert all(t == 1 for t in runtime.blas_threads())
    assert runtime.numba_threads() == numba_before and runtime.blas_threads() == blas_before


def test_threads_restores_after_an_exception_and_clamps_to_the_pool():
    before = runtime.numba_threads()
    with pytest.raises(KeyboardInterrupt):
        with runtime.threads(10_000, blas=False) as n:
            assert n == numba.config.NUMBA_NUM_THREADS
            raise KeyboardInterrupt
    assert runtime.numba_threads() == before


def test_zero_or_none_means_every_core():
    with runtime.threads(0, blas=False) as n:
        assert n == min(runtime.cores(), numba.config.NUMBA_NUM_THREADS)


def test_only_the_runtime_module_sets_thread_counts():
    from pathlib import Path

    import seqkit

    root = Path(seqkit.__file__).parent
    setters = ("set_num_threads", "mallopt", "/proc/self/maps")
    offenders = [
        str(p.relative_to(root)) for p in root.rglob("*.py")
        if p.name != "runtime.py" and any(s in p.read_text() for s in setters)
    ]
    assert offenders == []
