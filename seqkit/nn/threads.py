"""The number of BLAS threads, set at run time (NumPy's and SciPy's OpenBLAS, which Numba's np.dot uses).

Without threadpoolctl: look the OpenBLAS libraries up among the loaded shared objects and call their
set_num_threads entry points through ctypes. Silently does nothing where they are not found.
"""

from __future__ import annotations

import ctypes

_ENTRY_POINTS = (
    "scipy_openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)


def _openblas_libs() -> list[str]:
    try:
        import numpy  # noqa: F401  (loads numpy's OpenBLAS)
        import scipy.linalg.cython_blas  # noqa: F401  (loads SciPy's, used by Numba's np.dot)
    except ImportError:
        pass
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "openblas" in line.lower() and ".so" in line}
    except OSError:
        return []
    return sorted(paths)


def set_blas_threads(n: int, which: str = "numpy") -> int:
    """Set the OpenBLAS of `which` ("numpy", "scipy" or "all") to n threads; returns how many were set."""
    done = 0
    for path in _openblas_libs():
        is_numpy = "numpy" in path.rsplit("/", 2)[-2]
        if (which == "numpy" and not is_numpy) or (which == "scipy" and is_numpy):
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _ENTRY_POINTS:
            fn = getattr(lib, name, None)
            if fn is not None:
                fn(int(n))
                done += 1
                break
    return done


_STEP_BLAS_SET = False


def single_thread_step_blas() -> None:
    """Run the small per-step products of the recurrent loops (Numba's np.dot, SciPy's OpenBLAS) on one
    thread: a (64, 128) @ (128, 512) product is too small to split, and on a busy machine a second
    spinning thread made the loop 10x slower. NumPy's own BLAS (the big GEMMs) keeps its threads."""
    global _STEP_BLAS_SET
    if not _STEP_BLAS_SET:
        set_blas_threads(1, which="scipy")
        _STEP_BLAS_SET = True


def configure(n: int) -> None:
    """n threads for training: Numba's pool runs the kernels and the split products (seqkit/nn/parallel.py);
    both OpenBLAS libraries go single-threaded so no second pool spins against it."""
    from numba import config, set_num_threads

    set_num_threads(max(1, min(int(n), config.NUMBA_NUM_THREADS)))
    set_blas_threads(1, which="all")
    keep_freed_memory()
    global _STEP_BLAS_SET
    _STEP_BLAS_SET = True


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
_MMAP_THRESHOLD_MAX = 32 << 20  # glibc's ceiling on 64-bit systems


def keep_freed_memory() -> bool:
    """Let glibc reuse freed memory for the next big array instead of returning it to the system.

    A training step allocates and frees the same few-megabyte arrays over and over; by default each
    comes fresh from mmap and every 4 KiB page faults on first touch (a step of the benchmark's
    Transformer went from 0.80 s to 0.48 s without that). Arrays over 32 MiB still use mmap; the layers
    that make them every step reuse their own (Module.scratch). Does nothing where glibc is absent."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        ok = libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX)
        ok &= libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30)
        return bool(ok)
    except (OSError, AttributeError):
        return False
