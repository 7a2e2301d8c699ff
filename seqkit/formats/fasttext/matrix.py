"""fastText's two matrices: dense (densematrix.cc) and product-quantized (quantmatrix.cc,
productquantizer.cc), memory-mapped from the model file, rows reconstructed on demand.

dense: int64 rows, int64 cols, rows x cols float32.
quantized: bool qnorm, int64 rows, int64 cols, int32 codesize (rows * nsubq), codesize uint8 codes;
    a quantizer: int32 dim, int32 nsubq, int32 dsub, int32 lastdsub, dim * 256 float32 centroids
    (sub-vector m < nsubq - 1 at (m * 256 + code) * dsub, the last at m * 256 * dsub + code * lastdsub);
    with qnorm, rows uint8 norm codes and a quantizer of dim 1 (a row is its norm times its code's vector).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from seqkit.embed.fasttext_bin import MATRIX_HEAD, _Reader
from seqkit.errors import ModelFormatError

KSUB = 256  # centroids per sub-quantizer (productquantizer.h)
PQ_HEAD = struct.Struct("<4i")  # dim nsubq dsub lastdsub
QUANT_HEAD = struct.Struct("<?2qi")  # qnorm rows cols codesize


@dataclass
class DenseMatrix:
    data: np.ndarray  # (m, n) float32, memory-mapped

    @property
    def shape(self) -> tuple[int, int]:
        return self.data.shape

    def rows(self, idx: np.ndarray) -> np.ndarray:
        return self.data[idx]  # (len(idx), n)

    def all_rows(self) -> np.ndarray:
        return self.data

    def mean_rows(self, rows: np.ndarray, offsets: np.ndarray, out: np.ndarray) -> None:
        """out[t] = mean of the rows rows[offsets[t]:offsets[t+1]] (out zeroed)."""
        from seqkit.formats.fasttext.kernels import mean_dense

        mean_dense(self.data, rows, offsets, out)


@dataclass
class Quantizer:
    """A product quantizer: sub-vector m of a row is tables[m][code[m]]."""

    dim: int
    dsub: int
    tables: list[np.ndarray]  # nsubq x (256, dsub or lastdsub) float32

    @property
    def nsubq(self) -> int:
        return len(self.tables)

    def decode(self, codes: np.ndarray) -> np.ndarray:
        """(R, nsubq) uint8 -> (R, dim) float32."""
        return np.concatenate([t[codes[:, m]] for m, t in enumerate(self.tables)], axis=1)

    def centroids(self) -> np.ndarray:
        """(dim * 256,) float32 as fastText stores them."""
        out = np.zeros(self.dim * KSUB, np.float32)
        for m, t in enumerate(self.tables):
            out[m * KSUB * self.dsub: m * KSUB * self.dsub + t.size] = t.ravel()
        return out

    def pack(self) -> bytes:
        last = self.tables[-1].shape[1]
        return PQ_HEAD.pack(self.dim, self.nsubq, self.dsub, last) + self.centroids().tobytes()


def quantizer_from(dim: int, dsub: int, centroids: np.ndarray) -> Quantizer:
    nsubq, last = -(-dim // dsub), dim % dsub or dsub
    tables = [centroids[m * KSUB * dsub: (m + 1) * KSUB * dsub].reshape(KSUB, dsub) for m in range(nsubq - 1)]
    tables.append(centroids[(nsubq - 1) * KSUB * dsub: (nsubq - 1) * KSUB * dsub + KSUB * last].reshape(KSUB, last))
    return Quantizer(dim, dsub, tables)


@dataclass
class QuantMatrix:
    codes: np.ndarray  # (m, nsubq) uint8, memory-mapped
    pq: Quantizer
    norm_codes: np.ndarray | None = None  # (m,) uint8 with qnorm
    norms: np.ndarray | None = None  # (256,) float32 norm centroids with qnorm

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.codes), self.pq.dim)

    def __getitem__(self, idx) -> np.ndarray:
        """Rows reconstructed (an index array), or a QuantMatrix of a slice of rows."""
        if isinstance(idx, slice):
            norms = None if self.norm_codes is None else self.norm_codes[idx]
            return QuantMatrix(self.codes[idx], self.pq, norms, self.norms)
        return self.rows(np.asarray(idx))

    def rows(self, idx: np.ndarray) -> np.ndarray:
        out = self.pq.decode(self.codes[idx])  # (R, n)
        if self.norm_codes is not None:
            out *= self.norms[self.norm_codes[idx]][:, None]
        return out

    def mean_rows(self, rows: np.ndarray, offsets: np.ndarray, out: np.ndarray) -> None:
        from seqkit.formats.fasttext.kernels import mean_quantized

        if getattr(self, "_packed", None) is None:
            tables = np.zeros((self.pq.nsubq, KSUB, self.pq.dsub), np.float32)  # (nsubq, 256, dsub)
            for m, t in enumerate(self.pq.tables):
                tables[m, :, : t.shape[1]] = t
            norm = np.zeros(0, np.float32) if self.norm_codes is None else self.norms[self.norm_codes]  # (m,)
            self._packed = (tables, norm)
        mean_quantized(self.codes, self._packed[0], self._packed[1], rows, offsets, out)

    def all_rows(self, chunk: int = 1 << 16) -> np.ndarray:
        return np.concatenate([self.rows(np.arange(a, min(a + chunk, len(self.codes))))
                               for a in range(0, len(self.codes), chunk)]) if len(self.codes) else \
            np.zeros((0, self.pq.dim), np.float32)


def read_matrix(r: _Reader, path, quantized: bool, what: str):
    """The matrix at the reader's position (memory-mapped from `path`); the reader moves past it."""
    if not quantized:
        rows, cols = r.unpack(MATRIX_HEAD, f"the {what} matrix header")
        if rows < 0 or not 0 < cols <= 1 << 20:
            raise ModelFormatError(f"{path}: its {what} matrix is {rows} x {cols} (damaged?)")
        r.need(rows * cols * 4, f"the {what} matrix")
        data = np.memmap(path, dtype="<f4", mode="r", offset=r.pos, shape=(rows, cols)) if rows else \
            np.zeros((0, cols), np.float32)
        r.pos += rows * cols * 4
        return DenseMatrix(data)
    qnorm, rows, cols, codesize = r.unpack(QUANT_HEAD, f"the quantized {what} matrix header")
    if rows < 0 or not 0 < cols <= 1 << 20 or codesize < 0:
        raise ModelFormatError(f"{path}: its quantized {what} matrix is {rows} x {cols} (damaged?)")
    r.need(codesize, f"the {what} matrix's codes")
    at = r.pos
    r.pos += codesize
    pq = _read_quantizer(r, path, what)
    if pq.dim != cols or codesize != rows * pq.nsubq:
        raise ModelFormatError(f"{path}: its quantized {what} matrix ({rows} x {cols}) does not fit its "
                               f"{codesize:,} codes of {pq.nsubq} sub-vectors (damaged?)")
    codes = np.memmap(path, dtype=np.uint8, mode="r", offset=at, shape=(rows, pq.nsubq)) if rows else \
        np.zeros((0, pq.nsubq), np.uint8)
    if not qnorm:
        return QuantMatrix(codes, pq)
    r.need(rows, f"the {what} matrix's norm codes")
    norm_codes = np.frombuffer(r.buf[r.pos: r.pos + rows], np.uint8)  # a copy: the file's map is closed after
    r.pos += rows
    npq = _read_quantizer(r, path, what)
    if npq.dim != 1 or npq.nsubq != 1:
        raise ModelFormatError(f"{path}: the norm quantizer of its {what} matrix is not one-dimensional (damaged?)")
    return QuantMatrix(codes, pq, norm_codes, npq.tables[0][:, 0].copy())


def _read_quantizer(r: _Reader, path, what: str) -> Quantizer:
    dim, nsubq, dsub, last = r.unpack(PQ_HEAD, f"the {what} matrix's quantizer")
    if not (0 < dim <= 1 << 20 and 0 < dsub <= dim and nsubq == -(-dim // dsub) and last == (dim % dsub or dsub)):
        raise ModelFormatError(f"{path}: the quantizer of its {what} matrix claims dim={dim} nsubq={nsubq} "
                               f"dsub={dsub} lastdsub={last} (damaged?)")
    r.need(dim * KSUB * 4, f"the {what} matrix's centroids")
    centroids = np.frombuffer(r.buf[r.pos: r.pos + dim * KSUB * 4], "<f4")  # a copy, small: dim x 256
    r.pos += dim * KSUB * 4
    if not np.isfinite(centroids).all():
        raise ModelFormatError(f"{path}: the centroids of its {what} matrix hold NaN or infinity (damaged?)")
    return quantizer_from(dim, dsub, centroids)
