"""The process-wide settings seqkit changes for speed, all in one place: Numba's thread count, the
thread counts of the two OpenBLAS libraries (NumPy's for big products, SciPy's, which Numba's np.dot
calls inside kernels) and glibc's malloc thresholds.

Code that trains or predicts runs inside `with threads(n):`, which sets them and restores on exit what it
changed; nothing else in seqkit sets a thread count (kernel modules only read `numba_threads()`).

    with runtime.threads(4) as n:   # n: the threads actually in use (at most Numba's pool)
        train(...)

Without threadpoolctl, OpenBLAS is found among the loaded shared objects (/proc/self/maps) and its
get/set_num_threads entry points are called through ctypes; where it is not found, BLAS settings are
left alone.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Callable, Iterator, Literal

Which = Literal["numpy", "scipy", "all"]


def cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def numba_threads() -> int:
    """Threads Numba's parallel regions use now (kernels read this to size their blocks)."""
    import numba

    return numba.get_num_threads()


def _set_numba_threads(n: int) -> int:
    import numba

    n = max(1, min(int(n), numba.config.NUMBA_NUM_THREADS))
    numba.set_num_threads(n)
    return n


# --- OpenBLAS --------------------------------------------------------------------------------------------------

_PREFIXES = ("scipy_openblas_", "openblas_")
_SUFFIXES = ("64_", "")


@dataclass(frozen=True)
class _Blas:
    numpy: bool  # NumPy's copy (else SciPy's)
    get: Callable[[], int]
    set: Callable[[int], None]


def _entry(lib, what: str):
    for prefix in _PREFIXES:
        for suffix in _SUFFIXES:
            fn = getattr(lib, f"{prefix}{what}_num_threads{suffix}", None)
            if fn is not None:
                return fn
    return None


@functools.lru_cache(maxsize=2)
def _blas_libs(load_scipy: bool = True) -> tuple[_Blas, ...]:
    """The OpenBLAS libraries loaded in this process (looked up once per argument; shared objects stay
    loaded); with ``load_scipy``, SciPy's copy is loaded first (~40 MB: not for NumPy's alone)."""
    try:
        import numpy  # noqa: F401  (loads numpy's OpenBLAS)
        if load_scipy:
            import scipy.linalg.cython_blas  # noqa: F401  (loads SciPy's, used by Numba's np.dot)
    except ImportError:
        pass
    try:
        with open("/proc/self/maps") as f:
            paths = sorted({line.split()[-1] for line in f if "openblas" in line.lower() and ".so" in line})
    except OSError:
        return ()
    found = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        get, put = _entry(lib, "get"), _entry(lib, "set")
        if get is not None and put is not None:
            found.append(_Blas("numpy" in path.rsplit("/", 2)[-2], get, put))
    return tuple(found)


def _chosen(which: Which) -> list[_Blas]:
    return [b for b in _blas_libs(which != "numpy") if which == "all" or b.numpy == (which == "numpy")]


def blas_threads(which: Which = "all") -> list[int]:
    """The thread count of each OpenBLAS library chosen (empty where none is found)."""
    return [int(b.get()) for b in _chosen(which)]


def single_thread_step_blas() -> None:
    """SciPy's OpenBLAS (the small per-step products inside the recurrent and attention kernels) on one
    thread: a (64, 128) @ (128, 512) product is too small to split, and on a busy machine a second
    spinning thread made the loop 10x slower. NumPy's own BLAS (the big GEMMs) keeps its threads.
    Set once and kept for the process (SciPy's BLAS serves nothing else in seqkit); `threads()` restores
    it with the rest."""
    for b in _chosen("scipy"):
        if b.get() != 1:
            b.set(1)


@contextmanager
def single_threaded_blas(which: Which = "all") -> Iterator[None]:
    """The chosen OpenBLAS libraries on one thread for the block, restored on exit: what `threads(blas=True)`
    does, for code that learns only inside the block whether a kernel will run. "numpy" leaves SciPy's copy
    alone and unloaded, for NumPy-only code such as a one-line prediction (a threaded (40, 128) @ (128, 384)
    product per time step made a GRU's NumPy path 20x slower on this busy 2-core machine)."""
    libs = _chosen(which)
    old = [int(b.get()) for b in libs]
    try:
        for b in libs:
            b.set(1)
        yield
    finally:
        for b, n in zip(libs, old):
            b.set(n)


# --- glibc malloc ----------------------------------------------------------------------------------------------

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
_MMAP_THRESHOLD_MAX = 32 << 20  # glibc's ceiling on 64-bit systems
_GLIBC_DEFAULT = 128 << 10  # both thresholds' defaults


def _mallopt(mmap_threshold: int, trim_threshold: int) -> bool:
    try:
        libc = ctypes.CDLL("libc.so.6")
        ok = libc.mallopt(_M_MMAP_THRESHOLD, mmap_threshold)
        ok &= libc.mallopt(_M_TRIM_THRESHOLD, trim_threshold)
        return bool(ok)
    except (OSError, AttributeError):
        return False


# --- the one switch ---------------------------------------------------------------------------------------------

@contextmanager
def threads(n: int = 0, blas: bool = True, keep_freed_memory: bool = False) -> Iterator[int]:
    """Run the block with ``n`` Numba threads (0: all cores, the one meaning of --threads everywhere; None
    is taken as 0 for older callers; at most Numba's pool); yields the
    number in use. With ``blas``, both OpenBLAS libraries go single-threaded so no second pool spins
    against Numba's (the products that deserve threads are split by seqkit/nn/parallel.py).

    With ``keep_freed_memory``, glibc reuses freed memory for the next big array instead of returning it
    to the system: a training step allocates and frees the same few-megabyte arrays over and over, and
    by default each comes fresh from mmap with a page fault per 4 KiB on first touch (a step of the
    benchmark's Transformer went from 0.80 s to 0.48 s without that). On exit the thresholds go back to
    glibc's defaults (glibc cannot report the old values, so its dynamic threshold stays off).

    Everything changed is restored on exit, also after an exception. Numba is imported only where it must
    be: all cores (n None or 0) is the default of a Numba imported later, so a one-line predict that never
    needs a kernel does not pay for its import."""
    lazy = not n and "numba" not in sys.modules
    old_numba = None if lazy else numba_threads()
    try:
        used = cores() if lazy else _set_numba_threads(n or cores())
        with single_threaded_blas() if blas else nullcontext():
            if keep_freed_memory:
                _mallopt(_MMAP_THRESHOLD_MAX, 1 << 30)
            yield used
    finally:
        if old_numba is not None:
            _set_numba_threads(old_numba)
        if keep_freed_memory:
            _mallopt(_GLIBC_DEFAULT, _GLIBC_DEFAULT)
