"""The linear model's file: the classifier's `.npz` + JSON metadata (seqkit/models/io.py), stored
uncompressed so that loading maps the big input matrix from the file instead of reading it (a bigram
model starts in a fraction of a second and shares its pages between processes)."""

from __future__ import annotations

import zipfile

import numpy as np

from seqkit.errors import ModelFormatError
from seqkit.fileio import check_readable_file
from seqkit.models import io
from seqkit.npzfile import map_members

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


def load(path, mapped: tuple[str, ...] = MAPPED) -> tuple[dict[str, np.ndarray], dict]:
    """(arrays, meta) of a linear or sparse model; the arrays named in ``mapped`` memory-mapped."""
    p = check_readable_file(path, "model")
    arrays, meta = io.load_arrays(p, skip=mapped)
    arrays.update(map_members(p, mapped, "seqkit classifier model"))
    return arrays, meta
