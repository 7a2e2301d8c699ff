"""Atomic writes: everything lands under a temporary name in the target's folder, then os.replace.

An interrupted run (Ctrl-C, a crash, a full disk) leaves the previous file or folder intact
and no half-written one behind. `check_output` is the one overwrite policy every command applies
before it starts work: an existing output is replaced only with --force, never an input, and the
output's folder must exist and be writable. Temporaries are named `.NAME.PID-RANDOM[.ext].tmp`; those
a killed process left behind are removed by the next write to the same folder (`remove_stale_temps`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator

from seqkit.errors import InputError, OutputError

STALE_AGE_S = 24 * 3600  # a temporary of seqkit's naming whose owner cannot be told is stale after this
_STARTED = time.time()  # about when this process started (seqkit imports this module early)
# seqkit's own temporaries: .NAME.PID-RANDOM(.ext).tmp or .old (mkstemp/mkdtemp's 8 random characters)
_TEMP_NAME = re.compile(r"^\..+\.(\d+)-[a-z0-9_]{8}(?:\.[^.]*)?\.(?:tmp|old)$")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _hold_interrupts():
    """Hold SIGINT until _release: an interrupt must not fall between making a temporary and the try block
    that removes it (it is delivered, as KeyboardInterrupt, right after _release). Blocking it in this
    thread is not enough: the kernel then gives a Ctrl-C to another thread (a progress display's refresh
    thread, a worker pool's), and Python raises it in the main thread all the same, at once. So the
    handler notes it too, and _release delivers it."""
    if threading.current_thread() is not threading.main_thread():
        return None
    caught = []
    handler = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if hasattr(signal, "pthread_sigmask") else None
    return handler, mask, caught


def _release(held) -> None:
    """Undo _hold_interrupts; an interrupt that came meanwhile is delivered now, to the handler restored."""
    if held is None:
        return
    handler, mask, caught = held
    signal.signal(signal.SIGINT, handler)
    if mask is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # one blocked in this thread arrives here
    if caught:
        signal.raise_signal(signal.SIGINT)


@contextlib.contextmanager
def interrupts_held():
    """A Ctrl-C during the block is delivered, as KeyboardInterrupt, when it ends. For calls into code that a
    KeyboardInterrupt raised midway would leave broken (numba boxing a kernel's arrays: SIGSEGV)."""
    held = _hold_interrupts()
    try:
        yield
    finally:
        _release(held)


def held_call(function, *args):
    """function(*args) with Ctrl-C held (interrupts_held): for a numba kernel that returns a tuple of arrays,
    where a KeyboardInterrupt raised while numba boxes them leaves a NULL in the tuple and the run dies of
    SIGSEGV (stress runs of Ctrl-C met it in the sparse and linear featurizers)."""
    with interrupts_held():
        return function(*args)


# A Ctrl-C that lands in a finalizer (an object's __del__, a weakref callback: a Dask future's, numba's) is
# raised there, and Python drops it ("Exception ignored in ...") and runs on: the command would finish as if
# none came. cli.main makes note_lost_interrupt the unraisable hook; the command then stops at its next
# progress update (cli.progress), before it renames an output into place, or when it returns (cli's invoke).
_lost_interrupt = [False]


def note_lost_interrupt(unraisable) -> None:
    """sys.unraisablehook: note a KeyboardInterrupt that a finalizer swallowed (raise_lost_interrupt); report
    anything else as Python does."""
    if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
        _lost_interrupt[0] = True
        return
    sys.__unraisablehook__(unraisable)


def raise_lost_interrupt() -> None:
    """Raise, once, the KeyboardInterrupt that a finalizer swallowed since the last call (note_lost_interrupt)."""
    if _lost_interrupt[0]:
        _lost_interrupt[0] = False
        raise KeyboardInterrupt


@contextlib.contextmanager
def workers_ignore_sigint():
    """Processes started in the block ignore SIGINT from their first instruction: the Ctrl-C that
    reaches the whole process group is the parent's to handle (it stops them), and a worker that
    is still importing must not print a traceback. SIG_IGN is what a child inherits through exec;
    meanwhile SIGINT is blocked in the parent, so one arriving now stays pending (Linux queues a
    blocked signal even while it is ignored) and is delivered as KeyboardInterrupt on exit. (Another
    thread that leaves SIGINT unblocked, a progress display's refresh thread say, may take it
    meanwhile, while it is ignored: that Ctrl-C is then lost, and the next one stops the run.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    with interrupts_held():
        old_handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, old_handler)


def _temp_prefix(target: Path) -> str:
    return f".{target.name}.{os.getpid()}-"


def _temp_sibling(target: Path, suffix: str = "") -> Path:
    fd, name = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=suffix + ".tmp", dir=target.parent)
    os.close(fd)
    return Path(name)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid < 2**22  # someone else's process, or a number no process can have
    return True


def remove_stale_temps(folder: str | os.PathLike) -> list[Path]:
    """Remove the temporaries of seqkit's own naming in ``folder`` that a killed run left behind:
    those older than this process whose process is gone, and any older than a day (a PID reused by
    another process). Nothing else is touched. Returns what was removed."""
    folder = Path(folder)
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_NAME.match(entry.name)
        if not m or int(m[1]) == os.getpid():
            continue
        try:
            mtime = entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        dead_owner = mtime < _STARTED and not _process_alive(int(m[1]))
        if not dead_owner and time.time() - mtime < STALE_AGE_S:
            continue
        path = Path(entry.path)
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
        except OSError:
            pass
    return removed


def write_error(target, e: OSError) -> OutputError:
    """A full disk, a permission or an I/O error while writing ``target``, as one line for the user."""
    what = e.strerror or str(e)
    hint = " (disk full?)" if e.errno in (errno.ENOSPC, errno.EDQUOT) else ""
    return OutputError(f"cannot write {target}: {what}{hint}; nothing was written")


def _is_write_error(e: OSError, tmp: Path, target: Path) -> bool:
    """An error of the file system while writing the output (not a network error, not an input's)."""
    if e.errno is None or isinstance(e, ConnectionError):
        return False
    return e.filename is None or str(e.filename).startswith(str(tmp)) or Path(e.filename) == target


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` in one step.
    An OSError while writing becomes an OutputError; the temporary is removed either way."""
    target = Path(target)
    if not target.parent.is_dir():
        raise OutputError(f"cannot write {target}: folder {target.parent} does not exist")
    remove_stale_temps(target.parent)
    held = _hold_interrupts()
    try:
        tmp = _temp_sibling(target, target.suffix)
    except OSError as e:
        _release(held)
        raise write_error(target, e) from None
    try:
        _release(held)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; the result gets a normal file's mode
        yield tmp
        raise_lost_interrupt()
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        if not _is_write_error(e, tmp, target):
            raise  # not the output's: an input that failed to read, a network error; the caller reports it
        raise write_error(target, e) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_open(target: str | os.PathLike, mode: str = "w", **kwargs):
    """``open`` for writing whose result appears only when the block ends without an error."""
    with atomic_path(target) as tmp:
        with open(tmp, mode, **kwargs) as f:
            yield f


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; on success it becomes ``target``.

    An existing ``target`` is refused unless ``force``; with ``force`` it is replaced only
    after the new one is complete.
    """
    target = Path(target)
    check_output(target, force=force, folder=True)
    parent = target.parent
    remove_stale_temps(parent)
    held = _hold_interrupts()
    try:
        tmp = Path(tempfile.mkdtemp(prefix=_temp_prefix(target), suffix=".tmp", dir=parent))
    except OSError as e:
        _release(held)
        raise write_error(target, e) from None
    try:  # from here on, an interrupt removes tmp
        _release(held)
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700
        yield tmp
        raise_lost_interrupt()
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=_temp_prefix(target), suffix=".old", dir=parent))
            os.replace(target, old / "x")
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if not _is_write_error(e, tmp, target):
            raise
        raise write_error(target, e) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _resolved(path) -> Path:
    """An absolute path with '..' and symbolic links resolved as far as it exists."""
    return Path(os.path.realpath(os.path.abspath(path)))


def _same_or_nested(out: Path, inp: Path) -> str | None:
    """How ``out`` overlaps ``inp`` (both resolved), or None."""
    if out == inp:
        return "is"
    try:
        if out.exists() and inp.exists() and os.path.samefile(out, inp):
            return "is"
    except OSError:
        pass
    if out in inp.parents:
        return "holds"
    if inp in out.parents:
        return "lies inside"
    return None


def check_output(
    path: str | os.PathLike,
    inputs=(),
    force: bool = False,
    folder: bool = False,
    make_parents: bool = False,
) -> Path:
    """The one overwrite policy, applied before any work starts. Returns the output's absolute
    path ('..' resolved). OutputError (exit 1) when:

    - it exists and ``force`` is not given (the same message in every command);
    - it exists but is a folder where a file is written, or a file where a folder is;
    - it is, holds or lies inside one of ``inputs`` (refused even with ``force``: an output
      never replaces an input);
    - its folder does not exist (unless ``make_parents``), is a file, or is not writable;
    - it is "-": these outputs are files (`seqkit vectors` writes vectors to stdout).
    """
    if str(path) == "-":
        raise OutputError("output '-' (stdout) is not supported here: name a file to write "
                          "(seqkit vectors prints vectors on stdout)")
    p = Path(path)
    out = _resolved(p)
    for inp in inputs:
        if inp is None or str(inp) in ("", "-"):
            continue
        base = str(inp).rpartition("#")[0] if "#" in str(inp) and not Path(str(inp)).exists() else str(inp)
        how = _same_or_nested(out, _resolved(base))
        if how:
            raise OutputError(f"output {p} {how} the input {inp}: choose another output (an input is never replaced)")
    if os.path.lexists(p):
        if p.is_dir() and not folder:
            raise OutputError(f"output {p} is a folder: name a file to write")
        if folder and not p.is_dir():
            raise OutputError(f"output {p} exists and is not a folder")
        if not force:
            raise OutputError(f"{p} already exists: choose another output or pass --force to replace it")
    parent = out.parent
    while make_parents and not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.exists():
        raise OutputError(f"cannot write {p}: folder {p.parent} does not exist")
    if not parent.is_dir():
        raise OutputError(f"cannot write {p}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {p}: folder {parent} is not writable (permission denied)")
    return out


def check_readable_file(path: str | os.PathLike, what: str = "input") -> Path:
    """The path as a Path, or an InputError naming what is wrong with it."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{what} {p} does not exist")
    if p.is_dir():
        raise InputError(f"{what} {p} is a folder, not a file")
    if not os.access(p, os.R_OK):
        raise InputError(f"{what} {p} is not readable (permission denied)")
    return p


def check_format_version(path, meta: dict, supported: int, what: str, error: type = InputError) -> int:
    """The ``format_version`` of a file's metadata, or ``error`` when it is missing or newer than
    ``supported`` (what this seqkit reads)."""
    version = meta.get("format_version")
    if not isinstance(version, int):
        raise error(f"{path}: its metadata has no valid format_version; make the file again")
    if version > supported:
        raise error(
            f"{path} was written by a newer seqkit ({what} format {version}, this one reads up to {supported}): "
            "upgrade seqkit (pip install -U seqkit)"
        )
    return version
