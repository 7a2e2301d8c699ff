"""fast.cache: a cached kernel is compiled again when a module it inlines from changes, not only its own."""

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import seqkit

RUN = """
import sys
sys.path.insert(0, {root!r})
from seqkit.fast import cache
cache.ROOTS.append({root!r})
import pkgcache.kernel as k
print(k.run(), type(k.run._cache._impl.locator).__name__)
"""


def _write(root: Path, value: int) -> None:
    (root / "pkgcache" / "helper.py").write_text(
        f"from numba import njit\n\n\n@njit(inline='always')\ndef value():\n    return {value}\n")


def _run(root: Path) -> list[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(seqkit.__file__).parents[1]),
                                                        os.environ.get("PYTHONPATH", "")])}
    env.pop("NUMBA_CACHE_DIR", None)
    out = subprocess.run([sys.executable, "-c", RUN.format(root=str(root))], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_an_edit_to_an_inlined_helper_recompiles_the_cached_kernel(tmp_path):
    """The kernel's own file is unchanged; numba alone would load its cached machine code and return 1."""
    pkg = tmp_path / "pkgcache"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "kernel.py").write_text(textwrap.dedent("""
        from numba import njit

        from pkgcache.helper import value


        @njit(cache=True)
        def run():
            return value()
    """))
    _write(tmp_path, 1)
    assert _run(tmp_path) == ["1", "SeqkitInTreeCacheLocator"]
    assert list((pkg / "__pycache__").glob("kernel.run-*.nbi"))  # cached beside its source
    assert _run(tmp_path)[0] == "1"  # loaded from the cache
    _write(tmp_path, 22)
    assert _run(tmp_path)[0] == "22"


def test_a_kernel_reaches_the_modules_it_inlines_from():
    from seqkit.fast import cache
    from seqkit.models.linear import deterministic_kernels

    root = Path(seqkit.__file__).parent
    files = {Path(p).relative_to(root).as_posix() for p in cache.sources(deterministic_kernels)}
    assert {"models/linear/deterministic_kernels.py", "models/linear/kernels.py", "fast/overlay.py",
            "fast/rows.py", "fast/shards.py", "fast/hashing.py"} <= files
    assert "__init__.py" not in files and "cli/__init__.py" not in files  # packages are not followed
    assert type(deterministic_kernels.train_round._cache._impl.locator).__name__.startswith("Seqkit")


EACH_ALONE = """
import importlib, sys
from numba.core import caching
from numba.core.registry import CPUDispatcher
impl = getattr(caching, "CacheImpl", None) or caching._CacheImpl
ours = lambda: [c for c in impl._locator_classes if c.__name__.startswith("Seqkit")]
for name in sys.argv[1:]:
    for c in ours():  # as in a fresh process: seqkit's locators not installed, no seqkit module imported
        impl._locator_classes.remove(c)
    for m in [m for m in sys.modules if m == "seqkit" or m.startswith("seqkit.")]:
        del sys.modules[m]
    module = importlib.import_module(name)
    for value in vars(module).values():
        if isinstance(value, CPUDispatcher) and getattr(value._cache, "_impl", None) is not None:
            print(name, value.__name__, type(value._cache._impl.locator).__name__)
"""


def test_every_cached_kernel_of_seqkit_takes_the_locator_whatever_was_imported_first():
    """Each module with cache=True imported alone: a kernel cached under numba's own stamp in one process
    and under seqkit's in another would be compiled again by each in turn."""
    root = Path(seqkit.__file__).parent
    names = [".".join(("seqkit",) + path.relative_to(root).with_suffix("").parts)
             for path in sorted(root.rglob("*.py")) if re.search(r"@njit\([^)]*cache=True", path.read_text())]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root.parent), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", EACH_ALONE, *names], capture_output=True, text=True, env=env,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    rows = [line.split() for line in out.stdout.splitlines()]
    assert {r[0] for r in rows} == set(names) and len(rows) > 50
    assert [r for r in rows if not r[2].startswith("Seqkit")] == []


HOOKED = """
import signal, sys
from numba.core import codegen

name = {hook!r}  # "": no hook
original = getattr(codegen.JITCodeLibrary, name or "_object_compiled_hook").__func__
fired = []


def hook(cls, *args):  # a Ctrl-C while LLVM is in numba's object-cache hook (getbuffer: handing it code)
    result = original(cls, *args)
    if not fired and (name == "_object_compiled_hook" or result is not None):
        fired.append(1)
        signal.raise_signal(signal.SIGINT)
    return result


if name:
    setattr(codegen.JITCodeLibrary, name, classmethod(hook))
if {held!r}:
    import seqkit.fast.cache  # noqa: F401
sys.path.insert(0, {root!r})
from plain_kernel import add_one

try:
    print("returned", add_one(1), len(fired))
except KeyboardInterrupt:
    print("interrupted", len(fired))
"""


def _hooked(root: Path, hook: str, held: bool) -> subprocess.CompletedProcess:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(root / "cache"),
           "PYTHONPATH": os.pathsep.join([str(Path(seqkit.__file__).parents[1]), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-c", HOOKED.format(hook=hook, held=held, root=str(root))],
                          capture_output=True, text=True, env=env, timeout=120)


def test_a_ctrl_c_in_llvms_object_cache_hooks_arrives_after_them(tmp_path):
    """ctypes drops a KeyboardInterrupt raised in a callback, with a traceback. Without the hold, one in the
    hook told of a kernel just compiled is lost (the kernel runs), and one in the hook that hands LLVM a
    cached kernel's object code leaves LLVM without it: SIGSEGV (as a stress run of Ctrl-C met). With the
    hold, the Ctrl-C arrives as the call returns."""
    (tmp_path / "plain_kernel.py").write_text(
        "from numba import njit\n\n\n@njit(cache=True)\ndef add_one(x):\n    return x + 1\n")
    for hook in ("_object_compiled_hook", "_object_getbuffer_hook"):
        for held in (False, True):
            if hook == "_object_compiled_hook":  # compiled, not loaded
                shutil.rmtree(tmp_path / "cache", ignore_errors=True)
            else:  # loaded: cached by a run with no Ctrl-C
                assert _hooked(tmp_path, "", held=False).stdout.split() == ["returned", "2", "0"]
            run = _hooked(tmp_path, hook, held)
            if held:
                assert run.stdout.split() == ["interrupted", "1"], (hook, run.stdout, run.stderr)
                assert "Traceback" not in run.stderr
            else:  # dropped: the kernel ran as if no Ctrl-C had come, or (no object code) the process crashed
                assert "Exception ignored on calling ctypes callback" in run.stderr
                if hook == "_object_compiled_hook":
                    assert run.stdout.split() == ["returned", "2", "1"], (run.stdout, run.stderr)
                else:
                    assert run.returncode == -signal.SIGSEGV, (run.returncode, run.stdout, run.stderr)
