"""numba's on-disk cache (cache=True), made stale by an edit to any seqkit module a kernel reaches.

numba keys a cached kernel on its own source file only. A kernel that inlines functions from another module
(the row views of fast/rows.py and fast/overlay.py, the linear classifier's steps, the word2vec kernels'
helpers) kept running the old machine code after an edit to that module alone: in an editable checkout
that pulls such a change, until the cache files were removed. Here seqkit's kernels are cached under a
stamp of their own file and of every seqkit module their module reaches through its globals (module
objects, and the modules that define the functions and classes it imports), as numba's own locators
would place them. The fast/ modules that hold numba code import this module first, so every kernel that
uses them is decorated after it. A numba without the locator list (numba.core.caching.CacheImpl, _CacheImpl
before 0.61) keeps its own behaviour.

The same import holds Ctrl-C while LLVM finalizes a kernel's machine code (`hold_interrupts_in_finalize`):
there LLVM calls numba's object-cache hooks through ctypes, which drops a KeyboardInterrupt raised in them
(the run went on, the Ctrl-C lost) and, in the hook that hands LLVM a cached kernel's object code, leaves
LLVM with no buffer (the run crashed, SIGSEGV). Held, the Ctrl-C arrives when the call returns.
"""

from __future__ import annotations

import hashlib
import os
import sys
import types
from functools import lru_cache

from numba.core import caching, codegen

from seqkit.fileio import interrupts_held

ROOTS = [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]  # the seqkit package folder


def _ours(path: str) -> bool:
    path = os.path.abspath(path)
    return any(path.startswith(root + os.sep) for root in ROOTS)


def _module_of(value):
    if isinstance(value, types.ModuleType):
        return value
    name = getattr(value, "__module__", None)  # functions, numba dispatchers, classes
    return sys.modules.get(name) if isinstance(name, str) else None


def sources(module: types.ModuleType) -> list[str]:
    """The files of ``module`` and of the modules under ROOTS it reaches through globals, sorted. Packages
    are not followed: their globals grow with every submodule imported, whatever the kernel uses."""
    seen, todo = set(), [module]
    while todo:
        m = todo.pop()
        path = getattr(m, "__file__", None)
        if not path or path in seen or not _ours(path) or (m is not module and hasattr(m, "__path__")):
            continue
        seen.add(path)
        todo.extend(dep for dep in map(_module_of, list(vars(m).values())) if dep is not None)
    return sorted(seen)


@lru_cache(maxsize=None)
def _digest(path: str, mtime_ns: int, size: int) -> bytes:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).digest()


def stamp(module: types.ModuleType) -> str:
    """A digest of the contents of sources(module)."""
    h = hashlib.sha256()
    for path in sources(module):
        st = os.stat(path)
        h.update(os.path.basename(path).encode())
        h.update(_digest(path, st.st_mtime_ns, st.st_size))
    return h.hexdigest()


class _Reached:
    """A numba locator for seqkit's files whose stamp adds the modules the function's module reaches."""

    def get_source_stamp(self):
        return super().get_source_stamp(), stamp(sys.modules[self._module])

    @classmethod
    def from_function(cls, py_func, py_file):
        if not _ours(py_file) or py_func.__module__ not in sys.modules:
            return None
        self = super().from_function(py_func, py_file)
        if self is not None:
            self._module = py_func.__module__
        return self


def _locators() -> list[type]:
    """Ours over numba's three file-backed locators, in numba's order (named with a leading underscore
    before numba 0.61); none where one is missing."""
    bases = [getattr(caching, name, None) or getattr(caching, "_" + name, None)
             for name in ("UserProvidedCacheLocator", "InTreeCacheLocator", "UserWideCacheLocator")]
    if not all(isinstance(base, type) for base in bases):
        return []
    return [type(f"Seqkit{base.__name__.lstrip('_')}", (_Reached, base), {}) for base in bases]


LOCATORS = _locators()


def install() -> bool:
    """Put LOCATORS first in numba's list (once); False where this numba has no such list."""
    impl = getattr(caching, "CacheImpl", None) or getattr(caching, "_CacheImpl", None)
    listed = getattr(impl, "_locator_classes", None)
    if not LOCATORS or not isinstance(listed, list):
        return False
    if LOCATORS[0] not in listed:
        listed[:0] = LOCATORS
    return True


def hold_interrupts_in_finalize() -> bool:
    """Wrap numba's JITCodeLibrary._finalize_specific (LLVM's finalize_object, which calls the object-cache
    hooks) in fileio.interrupts_held, once; False where this numba has no such method."""
    library = getattr(codegen, "JITCodeLibrary", None)
    finalize = getattr(library, "_finalize_specific", None)
    if finalize is None or getattr(finalize, "holds_interrupts", False):
        return False

    def held_finalize(self):
        with interrupts_held():  # a no-op outside the main thread
            return finalize(self)

    held_finalize.holds_interrupts = True
    library._finalize_specific = held_finalize
    return True


install()
hold_interrupts_in_finalize()
