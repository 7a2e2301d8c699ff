"""Atomic writes: everything lands under a temporary name in the target's folder, then os.replace.

An interrupted run (Ctrl-C, a crash, a full disk) leaves the previous file or folder intact
and no half-written one behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
from pathlib import Path
from typing import Iterator

from seqkit.errors import InputError, SeqkitError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _hold_interrupts():
    """Block SIGINT until _release: an interrupt must not fall between making a temporary and the
    try block that removes it (it is delivered, as KeyboardInterrupt, right after _release)."""
    if hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread():
        return signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    return None


def _release(old) -> None:
    if old is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _temp_sibling(target: Path, suffix: str = "") -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix + ".tmp", dir=target.parent)
    os.close(fd)
    return Path(name)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` in one step."""
    target = Path(target)
    if not target.parent.exists():
        raise SeqkitError(f"cannot write {target}: folder {target.parent} does not exist")
    held = _hold_interrupts()
    tmp = _temp_sibling(target, target.suffix)
    try:
        _release(held)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; the result gets a normal file's mode
        yield tmp
        os.replace(tmp, target)
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
    if target.exists() and not force:
        raise SeqkitError(f"{target} already exists: choose another output or pass --force to replace it")
    if target.exists() and not target.is_dir():
        raise SeqkitError(f"{target} exists and is not a folder")
    parent = target.parent
    if not parent.exists():
        raise SeqkitError(f"cannot write {target}: folder {parent} does not exist")
    held = _hold_interrupts()
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
    try:  # from here on, an interrupt removes tmp
        _release(held)
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700
        yield tmp
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=parent))
            os.replace(target, old / "x")
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


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
