"""fastText model files written as fastText 0.9 writes them (version 12; see header.py for the layout):
a supervised `.bin` (dense matrices, full dictionary) or a quantized `.ftz` (pruned dictionary allowed)."""

from __future__ import annotations

import struct

import numpy as np

from seqkit.embed.fasttext_bin import MAGIC, MATRIX_HEAD, VERSION, _write_rows
from seqkit.fileio import atomic_path
from seqkit.formats.fasttext.header import Header
from seqkit.formats.fasttext.matrix import QUANT_HEAD, DenseMatrix, QuantMatrix, Quantizer


def header_bytes(h: Header) -> bytes:
    parts = [struct.pack("<2i", MAGIC, VERSION), h.args.pack(),
             struct.pack("<3i2q", len(h.words), h.nwords, h.nlabels, h.ntokens, len(h.prune) if h.pruned else -1)]
    types = [0] * h.nwords + [1] * h.nlabels
    parts += [w + b"\0" + struct.pack("<qb", int(c), t) for w, c, t in zip(h.words, h.counts, types)]
    if h.pruned:
        parts += [struct.pack("<2i", b, r) for b, r in h.prune.items()]
    return b"".join(parts)


def write_matrix(f, m) -> None:
    if isinstance(m, DenseMatrix):
        f.write(MATRIX_HEAD.pack(*m.shape))
        _write_rows(f, m.data)  # chunk by chunk
        return
    f.write(quant_matrix_bytes(m))


def quant_matrix_bytes(m: QuantMatrix) -> bytes:
    assert isinstance(m, QuantMatrix)
    rows, cols = m.shape
    qnorm = m.norm_codes is not None
    out = [QUANT_HEAD.pack(qnorm, rows, cols, m.codes.size), np.ascontiguousarray(m.codes, np.uint8).tobytes(), m.pq.pack()]
    if qnorm:
        out += [np.ascontiguousarray(m.norm_codes, np.uint8).tobytes(),
                Quantizer(1, 1, [m.norms.astype(np.float32).reshape(-1, 1)]).pack()]
    return b"".join(out)


def write_model(path, head: Header, input_matrix, output_matrix) -> None:
    """A fastText model file: `.ftz` when the input matrix is quantized, else `.bin` (an unpruned dictionary)."""
    quant = isinstance(input_matrix, QuantMatrix)
    qout = isinstance(output_matrix, QuantMatrix)
    assert quant or not (qout or head.pruned), "fastText reads a pruned dictionary or quantized output only with a quantized input"
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        write_to(f, head, input_matrix, output_matrix)


def write_to(f, head: Header, input_matrix, output_matrix) -> None:
    quant = isinstance(input_matrix, QuantMatrix)
    qout = isinstance(output_matrix, QuantMatrix)
    f.write(header_bytes(head))
    f.write(struct.pack("<?", quant))
    write_matrix(f, input_matrix)
    f.write(struct.pack("<?", qout))
    write_matrix(f, output_matrix)
