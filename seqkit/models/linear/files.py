"""The linear model's file: the classifier's `.npz` + JSON metadata (seqkit/models/io.py), stored
uncompressed so that loading maps the big input matrix from the file instead of reading it (a bigram
model starts in a fraction of a second and shares its pages between processes)."""

from __future__ import annotations

import zipfile

import numpy as np

from seqkit.errors import ModelFormatError
from seqkit.fileio import check_readable_file
from seqkit.models import io

MAPPED = ("input",)  # arrays mapped rather than read


def read_meta(path) -> dict:
    """The JSON metadata of any seqkit classifier file, without reading its arrays (every member's
    stored size is checked all the same: seqkit/npzfile.py)."""
    p = check_readable_file(path, "model")
    try:
        with zipfile.ZipFile(p) as z:
            others = [n.removesuffix(".npy") for n in z.namelist() if n != io.META_KEY + ".npy"]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise ModelFormatError(f"{p} is not a seqkit classifier model (or is truncated): {e}") from None
    return io.load_arrays(p, skip=others)[1]


def _mapped(path, z: zipfile.ZipFile, name: str) -> np.ndarray:
    """An uncompressed .npy member of the zip, memory-mapped read-only."""
    info = z.getinfo(name + ".npy")
    if info.compress_type != zipfile.ZIP_STORED:  # seqkit stores it; a compressed one is not mapped, nor inflated
        raise ValueError(f"{name} is compressed (seqkit writes it stored: train the model again)")
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        local = f.read(30)
        if local[:4] != b"PK\x03\x04":
            raise ValueError(f"bad zip member header for {name}")
        start = info.header_offset + 30 + int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little")
        f.seek(start)
        version = np.lib.format.read_magic(f)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(f)
        if dtype.hasobject:
            raise ValueError(f"{name} holds Python objects")
        offset = f.tell()
    if offset + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize != start + info.file_size:
        raise ValueError(f"{name} is larger than its zip member")  # sizes from the file never drive a read unchecked
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=tuple(shape), order="F" if fortran else "C")


def load(path, mapped: tuple[str, ...] = MAPPED) -> tuple[dict[str, np.ndarray], dict]:
    """(arrays, meta) of a linear or sparse model; the arrays named in `mapped` memory-mapped."""
    p = check_readable_file(path, "model")
    arrays, meta = io.load_arrays(p, skip=mapped)
    try:
        with zipfile.ZipFile(p) as z:
            names = set(z.namelist())
            arrays.update({name: _mapped(p, z, name) for name in mapped if name + ".npy" in names})
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise ModelFormatError(f"{p} is not a seqkit classifier model (or is truncated): {e}") from None
    return arrays, meta
