"""Reading .npy and .npz files whose sizes are checked before anything is allocated.

`np.load` trusts the header: an .npy that claims 10^12 x 16 floats, or a compressed .npz member that
inflates a thousandfold, makes it allocate (and fill) whatever the header says. Here every member's
header is read first and its shape and dtype must account exactly for the bytes the member holds;
stored members must lie inside the file; compressed ones (seqkit never writes them) may inflate to
at most MAX_INFLATE_RATIO times their size and MAX_INFLATED bytes in all. Object arrays (pickles) are
refused. Any problem is one `error` (ModelFormatError by default) naming the file.

Writing: `save_npz` is np.savez with every member's data 64-byte aligned in the file (padding in a zip
extra field, as Android's zipalign does), so that a memory-mapped matrix is aligned and NumPy hands its
products to BLAS: an unaligned (V, d) map takes NumPy's own loop, ten times slower.
"""

from __future__ import annotations

import math
import os
import struct
import zipfile
import zlib

import numpy as np

from seqkit.errors import ModelFormatError
from seqkit.limits import MAX_INFLATE_RATIO, MAX_INFLATED

_KINDS = "biufc"  # booleans and numbers; never objects, strings or records
_BROKEN = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError,
           ValueError, struct.error, UnicodeDecodeError, OverflowError, zlib.error, IndexError, KeyError)


ALIGN = 64  # bytes: the member data's alignment in files seqkit writes (.npy headers pad to 64 too)
_PAD_FIELD = 0xD935  # the zip extra-field id zipalign uses for alignment padding; readers skip it


def save_npz(file, arrays: dict[str, np.ndarray]) -> None:
    """np.savez(file, **arrays) (stored, never pickled) with each array's data at a multiple of ALIGN."""
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, array in arrays.items():
            with aligned_member(zf, name + ".npy") as fp:
                np.lib.format.write_array(fp, np.asanyarray(array), allow_pickle=False)


def aligned_member(zf: zipfile.ZipFile, name: str):
    """zf.open(name, "w") for a stored zip64 member whose data starts at a multiple of ALIGN: the local
    header (30 bytes, the name, our padding field, zip64's 20-byte field) is padded to get there."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    header = 30 + len(name.encode("utf-8")) + 4 + 20
    pad = -(zf.start_dir + header) % ALIGN
    info.extra = struct.pack("<HH", _PAD_FIELD, pad) + bytes(pad)
    return zf.open(info, "w", force_zip64=True)


def _header(f, path, name, error):
    """(shape, fortran_order, dtype, header length) of the .npy stream ``f``, validated."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    else:
        raise error(f"{path}: {name} is an .npy of unknown version {version}")
    if dtype.kind not in _KINDS or dtype.hasobject or dtype.fields is not None:
        raise error(f"{path}: {name} holds {dtype} values; seqkit reads only numbers (never pickled objects)")
    if any(not isinstance(n, int) or n < 0 for n in shape):
        raise error(f"{path}: {name} has an invalid shape {shape}")
    return shape, fortran, dtype


def _nbytes(shape, dtype) -> int:
    return math.prod(shape) * dtype.itemsize  # Python ints: no overflow


def _read_exact(f, shape, fortran, dtype) -> np.ndarray:
    out = np.empty(shape[::-1] if fortran else shape, dtype)
    view = memoryview(out.reshape(-1).view(np.uint8))
    got = 0
    while got < len(view):
        n = f.readinto(view[got:])
        if not n:
            raise EOFError("the member ends early")
        got += n
    return out.T if fortran else out


def load_npz(path, what: str = "file", error: type = ModelFormatError, skip=()) -> dict[str, np.ndarray]:
    """Every member of the .npz at ``path`` as an array (names without '.npy'), but those named in
    ``skip`` (the caller maps them itself; their sizes are checked all the same)."""
    size = os.path.getsize(path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            inflated = 0
            for info in infos:
                if info.header_offset + info.compress_size > size:
                    raise error(f"{path}: member {info.filename} lies beyond the end of the file (truncated?)")
                if info.compress_type == zipfile.ZIP_STORED:
                    if info.file_size != info.compress_size:
                        raise error(f"{path}: member {info.filename} claims {info.file_size:,} bytes but stores "
                                    f"{info.compress_size:,}")
                else:
                    inflated += info.file_size
                    if info.file_size > MAX_INFLATE_RATIO * max(info.compress_size, 1) or inflated > MAX_INFLATED:
                        raise error(
                            f"{path}: compressed member {info.filename} would inflate from {info.compress_size:,} to "
                            f"{info.file_size:,} bytes (limits: {MAX_INFLATE_RATIO}x, {MAX_INFLATED:,} bytes in all)"
                        )
            arrays = {}
            for info in infos:
                name = info.filename.removesuffix(".npy")
                if name in skip:
                    continue
                with zf.open(info) as f:
                    shape, fortran, dtype = _header(f, path, name, error)
                    data_bytes = info.file_size - f.tell()
                    if _nbytes(shape, dtype) != data_bytes:
                        raise error(f"{path}: {name} claims shape {shape} of {dtype} but holds {data_bytes:,} bytes")
                    arrays[name] = _read_exact(f, shape, fortran, dtype)
                    f.read(1)  # at the end: the CRC is checked here
            return arrays
    except _BROKEN as e:
        raise error(f"{path} is not a {what} (or it is truncated or corrupted): {e}") from None


def load_npy(path, mmap: bool = False, error: type = ModelFormatError) -> np.ndarray:
    """The array in the .npy at ``path`` (memory-mapped with ``mmap``), its header checked against the
    file's size first."""
    size = os.path.getsize(path)
    try:
        with open(path, "rb") as f:
            shape, fortran, dtype = _header(f, path, os.path.basename(path), error)
            data_bytes = size - f.tell()
            if _nbytes(shape, dtype) != data_bytes:
                raise error(f"{path} claims shape {shape} of {dtype} but holds {data_bytes:,} bytes")
            if not mmap:
                return _read_exact(f, shape, fortran, dtype)
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except _BROKEN as e:
        raise error(f"{path} is not a readable array file (truncated or corrupted?): {e}") from None


def stored_members(path, names) -> tuple[str, ...]:
    """Those of ``names`` that the .npz at ``path`` holds uncompressed, so that map_members can map them
    (none where the file is not a readable zip: the reader that follows says what is wrong)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return tuple(n for n in names if n + ".npy" in zf.NameToInfo
                         and zf.NameToInfo[n + ".npy"].compress_type == zipfile.ZIP_STORED)
    except _BROKEN:
        return ()


def map_members(path, names, what: str = "file", error: type = ModelFormatError, dtype=None,
                crc: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """The stored (uncompressed) members ``names`` of the .npz at ``path`` that it has, each memory-mapped
    read-only at its offset inside the file (only the pages used are ever read). Every size is checked
    against the member's stored size and the file's size before mapping; with ``dtype`` the member must
    hold that type. Members named in ``crc`` are checked against their zip CRC-32 (one pass over the pages,
    no copy), as reading them would. Anything wrong is one ``error`` naming the file."""
    try:
        with zipfile.ZipFile(path) as zf:
            present = set(zf.namelist())
            return {name: _mapped(path, zf, name, error, dtype, name in crc)
                    for name in names if name + ".npy" in present}
    except _BROKEN as e:
        raise error(f"{path} is not a {what} (or it is truncated or corrupted): {e}") from None


def _mapped(path, zf: zipfile.ZipFile, name: str, error: type, dtype, crc: bool = False) -> np.ndarray:
    info = zf.getinfo(name + ".npy")
    if info.compress_type != zipfile.ZIP_STORED:  # never inflated to be mapped
        raise error(f"{path}: '{name}' is compressed; seqkit writes it stored, to map it (save the model again)")
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        local = f.read(30)
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            raise error(f"{path} is corrupted: no zip entry where '{name}' should start")
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        start = info.header_offset + 30 + name_len + extra_len
        f.seek(start)
        shape, fortran, kind = _header(f, path, name, error)
        offset = f.tell()
    size = _nbytes(shape, kind)
    if (dtype is not None and kind != np.dtype(dtype)) or offset - start + size != info.file_size:
        raise error(f"{path} is corrupted: '{name}' is {kind} {shape}, not {np.dtype(dtype) if dtype is not None else 'an array'} of its stored size")
    if offset + size > os.path.getsize(path):
        raise error(f"{path} is truncated: '{name}' ends past the end of the file")
    if crc:
        _check_crc(path, start, info, name, error)
    if size == 0:
        return np.zeros(shape, kind)
    return np.memmap(path, dtype=kind, mode="r", offset=offset, shape=tuple(shape), order="F" if fortran else "C")


def _check_crc(path, start: int, info: zipfile.ZipInfo, name: str, error: type) -> None:
    import mmap
    import zlib

    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        found = zlib.crc32(memoryview(buf)[start : start + info.file_size])
    if found != info.CRC:
        raise error(f"{path} is corrupted: '{name}' fails its CRC-32 check")
