"""fastText's .bin model files (unsupervised models, as fastText 0.9 writes them), read and written.

Layout (fasttext.cc saveModel; all little-endian, as fastText writes on x86):
  int32 magic 793712314, int32 version 12;
  args: 12 int32 (dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn,
        lrUpdateRate) and a float64 (t);
  dictionary: int32 size, int32 nwords, int32 nlabels, int64 ntokens, int64 pruneidx_size; then per
        entry the word's bytes, a 0 byte, int64 count, int8 type (0 word, 1 label); then
        pruneidx_size (int32, int32) pairs;
  bool quantized input; input matrix: int64 rows, int64 cols, rows x cols float32 (row-major):
        nwords word rows, then `bucket` n-gram rows;
  bool quantized output; output matrix: int64 rows, int64 cols, float32 data.

Reading computes each word's vector (the mean of its rows) in one sequential pass over the input
matrix, a chunk at a time, then memory-maps the n-gram rows at their offset for out-of-vocabulary
words, so peak memory stays well below the file's size. Every size read from the header is checked against the file's real size
before anything is allocated.
"""

from __future__ import annotations

import mmap
import struct
from pathlib import Path

import numpy as np

from seqkit.errors import ModelFormatError
from seqkit.fileio import atomic_path, check_readable_file
from seqkit.embed.subwords import MAX_N
from seqkit.limits import MAX_BUCKETS, MAX_DIM

MAGIC = 793712314
VERSION = 12
ARGS = struct.Struct("<12id")  # dim ws epoch minCount neg wordNgrams loss model bucket minn maxn lrUpdateRate, t
DICT_HEAD = struct.Struct("<3i2q")  # size nwords nlabels ntokens pruneidx_size
MATRIX_HEAD = struct.Struct("<2q")
LOSSES = {1: "hs", 2: "ns", 3: "softmax", 4: "ova"}
MODELS = {1: "cbow", 2: "skipgram", 3: "supervised"}


def is_fasttext_bin(head: bytes) -> bool:
    return len(head) >= 4 and struct.unpack("<i", head[:4])[0] == MAGIC


class _Reader:
    """Bounds-checked reads from the file's bytes: a read past the end is a clear error."""

    def __init__(self, buf, path):
        self.buf, self.pos, self.path, self.size = buf, 0, path, len(buf)

    def need(self, n: int, what: str) -> None:
        if n < 0 or self.pos + n > self.size:
            raise ModelFormatError(f"{self.path} is truncated or its header is wrong: {what} runs past the end of the file "
                                   f"({self.size:,} bytes)")

    def unpack(self, fmt: struct.Struct, what: str):
        self.need(fmt.size, what)
        values = fmt.unpack_from(self.buf, self.pos)
        self.pos += fmt.size
        return values


def read_fasttext_bin(path):
    """KeyedVectors of a fastText .bin: word vectors (mean of each word's rows), n-gram rows for
    out-of-vocabulary words (memory-mapped), the words' counts and the model's settings."""
    from seqkit.embed.vectors import KeyedVectors
    from seqkit.embed.subwords import NgramVectors, SubwordConfig, trained_buckets, word_rows

    p = check_readable_file(path, "model")
    with open(p, "rb") as f:
        if p.stat().st_size == 0:
            raise ModelFormatError(f"model {p} is empty")
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        header = _read_header(_Reader(buf, p), p)
    finally:
        buf.close()
    words, counts, args, start = header["words"], header["counts"], header["args"], header["input_offset"]
    v, buckets, dim = len(words), args["bucket"], args["dim"]
    matrix = np.memmap(p, dtype="<f4", mode="r", offset=start, shape=(v + buckets, dim))  # (V + B, d)
    config = SubwordConfig.stated(p, args["minn"], args["maxn"], buckets) if args["maxn"] > 0 and buckets > 0 else None
    if config is not None:
        offsets, rows = word_rows(words, v, config)
        vectors = streamed_means(p, start, (v + buckets, dim), offsets, rows)
        ngrams = NgramVectors(config, matrix[v:], trained_buckets(offsets, rows, v, buckets))
    else:
        vectors = streamed_means(p, start, (v + buckets, dim), np.arange(v + 1, dtype=np.int64), np.arange(v, dtype=np.int32))
        ngrams = None
    if not np.isfinite(vectors).all():
        raise ModelFormatError(f"{p}: its vectors contain NaN or infinity (corrupted?)")
    meta = {"format": "fasttext-bin", "fasttext": {k: args[k] for k in ("dim", "ws", "epoch", "minCount", "neg", "loss",
                                                                        "model", "bucket", "minn", "maxn")},
            "training": {"corpus_words": header["ntokens"]}}
    out_shape = header["output_shape"]
    output = np.memmap(p, dtype="<f4", mode="r", offset=header["output_offset"], shape=out_shape) \
        if out_shape[0] * out_shape[1] > 0 else None
    return KeyedVectors(words, vectors, counts, meta, source=str(path), ngrams=ngrams, own_rows=matrix[:v], output=output)


def streamed_means(path: Path, offset: int, shape: tuple[int, int], offsets: np.ndarray, rows: np.ndarray,
                   chunk_bytes: int = 32 << 20) -> np.ndarray:
    """(W, d) float32: for each word k the mean of the file matrix's rows rows[offsets[k]:offsets[k+1]],
    reading the matrix once, in order, ``chunk_bytes`` at a time (a memory map would do for a few
    rows, but gathering rows all over the file maps nearly all of it: the kernel maps whole folios
    around each page touched). Memory: the result, the (row, word) pairs sorted by row, one chunk."""
    n_rows, dim = shape
    counts = np.diff(offsets)
    word_of = np.repeat(np.arange(len(counts), dtype=np.int32), counts)  # (R,) word of each entry
    order = np.argsort(rows, kind="stable")
    by_row, by_word = rows[order], word_of[order]  # (R,) entries sorted by row
    del order, word_of
    sums = np.zeros((len(counts), dim), dtype=np.float32)  # (W, d)
    step = max(1, chunk_bytes // (4 * dim))
    with open(path, "rb") as f:
        for a in range(0, n_rows, step):
            b = min(a + step, n_rows)
            lo, hi = np.searchsorted(by_row, [a, b])
            if lo == hi:
                continue
            f.seek(offset + a * dim * 4)
            block = np.fromfile(f, dtype="<f4", count=(b - a) * dim).reshape(b - a, dim)  # (rows, d)
            words, picked = by_word[lo:hi], by_row[lo:hi] - a
            within = np.argsort(words, kind="stable")  # group the chunk's entries by word
            words, picked = words[within], picked[within]
            starts = np.flatnonzero(np.concatenate([[True], words[1:] != words[:-1]]))
            sums[words[starts]] += np.add.reduceat(block[picked], starts, axis=0)
    nonzero = counts > 0
    sums[nonzero] /= counts[nonzero, None].astype(np.float32)
    return sums


def _read_header(r: _Reader, path: Path) -> dict:
    magic, version = r.unpack(struct.Struct("<2i"), "the magic number")
    if magic != MAGIC:
        raise ModelFormatError(f"{path} is not a fastText .bin model (wrong magic number)")
    if not 11 <= version <= VERSION:
        raise ModelFormatError(f"{path} is a fastText model of file version {version}: seqkit reads versions 11-{VERSION} "
                               "(fastText 0.2-0.9)")
    names = ("dim", "ws", "epoch", "minCount", "neg", "wordNgrams", "loss", "model", "bucket", "minn", "maxn", "lrUpdateRate", "t")
    args = dict(zip(names, r.unpack(ARGS, "the training arguments")))
    if args["model"] == 3:
        raise ModelFormatError(f"{path} is a supervised fastText model (a text classifier), not word vectors: "
                               "seqkit reads unsupervised (skipgram or cbow) models")
    if args["model"] not in MODELS or args["loss"] not in LOSSES:
        raise ModelFormatError(f"{path}: unknown fastText model {args['model']} or loss {args['loss']} (corrupted?)")
    if not 1 <= args["dim"] <= MAX_DIM or not 0 <= args["bucket"] <= MAX_BUCKETS or args["minn"] < 0 or (
            args["maxn"] > MAX_N) or (args["maxn"] > 0 and (args["minn"] < 1 or args["minn"] > args["maxn"])):
        raise ModelFormatError(f"{path}: impossible settings dim={args['dim']} bucket={args['bucket']} "
                               f"minn={args['minn']} maxn={args['maxn']} (corrupted?)")
    size, nwords, nlabels, ntokens, prune = r.unpack(DICT_HEAD, "the dictionary header")
    if nlabels > 0 and 0 <= nwords <= size == nwords + nlabels:
        raise ModelFormatError(f"{path} is a supervised fastText model ({nlabels} labels: a text classifier), "
                               "not word vectors")
    if nlabels != 0 or size != nwords or nwords < 1 or nwords * 10 > r.size - r.pos:  # an entry takes at least 10 bytes
        raise ModelFormatError(f"{path}: its header claims {size:,} dictionary entries ({nwords:,} words), more than "
                               f"the file holds (truncated or corrupted?)")
    words, counts = _read_entries(r, nwords, path)
    if prune > 0:
        raise ModelFormatError(f"{path} is a pruned (quantized, .ftz-style) fastText model: seqkit reads full models")
    (quant,) = r.unpack(struct.Struct("<?"), "the quantization flag")
    if quant:
        raise ModelFormatError(f"{path} is a quantized fastText model (.ftz): seqkit reads full models")
    rows, cols = r.unpack(MATRIX_HEAD, "the input matrix header")
    if rows != nwords + args["bucket"] or cols != args["dim"]:
        raise ModelFormatError(f"{path}: input matrix is {rows} x {cols}, expected {nwords + args['bucket']} x {args['dim']} "
                               "(corrupted?)")
    input_offset = r.pos
    r.need(rows * cols * 4, "the input matrix")
    r.pos += rows * cols * 4
    (qout,) = r.unpack(struct.Struct("<?"), "the output quantization flag")
    if qout:
        raise ModelFormatError(f"{path} is a quantized fastText model (.ftz): seqkit reads full models")
    out_rows, out_cols = r.unpack(MATRIX_HEAD, "the output matrix header")
    if out_rows < 0 or out_cols != cols:
        raise ModelFormatError(f"{path}: output matrix is {out_rows} x {out_cols} (corrupted?)")
    output_offset = r.pos
    r.need(out_rows * out_cols * 4, "the output matrix")
    if r.pos + out_rows * out_cols * 4 != r.size:
        raise ModelFormatError(f"{path}: {r.size - r.pos - out_rows * out_cols * 4:,} bytes after the model's end "
                               "(corrupted or not a fastText model?)")
    return {"args": args, "words": words, "counts": counts, "ntokens": ntokens, "input_offset": input_offset,
            "output_offset": output_offset, "output_shape": (out_rows, out_cols)}


def _read_entries(r: _Reader, n: int, path) -> tuple[list[str], np.ndarray]:
    words, counts = [], np.empty(n, dtype=np.int64)
    buf, find, pos = r.buf, r.buf.find, r.pos
    for i in range(n):
        end = find(b"\0", pos)
        if end < 0 or end + 9 >= r.size:
            raise ModelFormatError(f"{path} is truncated: its dictionary ends after {i:,} of {n:,} words")
        counts[i], kind = struct.unpack_from("<qb", buf, end + 1)
        if kind != 0 or counts[i] < 0 or end == pos:
            raise ModelFormatError(f"{path} is corrupted: dictionary entry {i + 1:,} is empty, a label in a model "
                                   f"without labels, or has a negative count")
        try:
            words.append(buf[pos:end].decode("utf-8"))
        except UnicodeDecodeError:
            raise ModelFormatError(f"{path} is corrupted: dictionary entry {i + 1:,} is not UTF-8 text") from None
        pos = end + 10
    r.pos = pos
    if len(set(words)) != n:
        raise ModelFormatError(f"{path} is corrupted: its dictionary has duplicate words")
    return words, counts


def write_fasttext_bin(path, kv, settings: dict | None = None) -> None:
    """Write ``kv`` (a subword model: own rows, n-gram rows) as a fastText .bin that fastText's CLI and
    gensim's load_facebook_* read. ``settings``: training options (model, loss, window, ...) for the
    args block. The output matrix is the model's (negative sampling: the words' output rows; hierarchical
    softmax: the inner nodes, padded to V rows, in seqkit's tree order, so fastText's own HS tree does
    not use them meaningfully), zeros when the model has none."""
    if kv.ngrams is None or getattr(kv, "own_rows", None) is None:
        raise ModelFormatError("fasttext-bin needs a subword model (train-w2v --subwords) or a fastText .bin")
    bad = [w for w in kv.words if not w or "\0" in w or any(ch.isspace() for ch in w)]
    if bad:
        raise ModelFormatError(f"fastText models cannot hold the word {bad[0]!r} (empty, whitespace or NUL)")
    s = settings or {}
    cfg, v, dim = kv.ngrams.config, len(kv), kv.dim
    counts = kv.counts if kv.counts is not None else np.ones(v, np.int64)
    if len(counts) and int(np.min(counts)) < 0:
        raise ModelFormatError(f"{kv.source} is corrupted: negative word counts")
    loss = 1 if s.get("loss") == "hs" else 2
    model = 1 if s.get("model") == "cbow" else 2
    out = getattr(kv, "output", None)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(struct.pack("<2i", MAGIC, VERSION))
            f.write(ARGS.pack(dim, int(s.get("window", 5)), int(s.get("epochs", 5)), int(s.get("min_count", 5)),
                              int(s.get("negative", 5)), 1, loss, model, cfg.buckets, cfg.minn, cfg.maxn, 100, 1e-4))
            ntokens = int(s.get("corpus_words") or counts.sum())
            f.write(DICT_HEAD.pack(v, v, 0, ntokens, -1))
            f.write(b"".join(w.encode("utf-8") + b"\0" + struct.pack("<qb", int(c), 0) for w, c in zip(kv.words, counts)))
            f.write(b"\0")  # input not quantized
            f.write(MATRIX_HEAD.pack(v + cfg.buckets, dim))
            _write_rows(f, kv.own_rows)
            _write_rows(f, kv.ngrams.matrix)
            f.write(b"\0")  # output not quantized
            f.write(MATRIX_HEAD.pack(v, dim))
            if out is None:
                _write_rows(f, np.zeros((v, dim), np.float32))
            else:
                _write_rows(f, out[:v])
                if len(out) < v:  # hierarchical softmax: V-1 inner nodes
                    _write_rows(f, np.zeros((v - len(out), dim), np.float32))


def _write_rows(f, matrix: np.ndarray, chunk: int = 1 << 16) -> None:
    """Rows in order; pages of a memory-mapped matrix are dropped as they are copied, so that writing
    a large model does not leave the whole input file resident."""
    for start in range(0, len(matrix), chunk):
        block = np.ascontiguousarray(matrix[start : start + chunk], dtype="<f4")
        if not np.isfinite(block).all():  # what the reader refuses is never written
            raise ModelFormatError("the model's rows hold NaN or infinity (it is corrupted): nothing written")
        f.write(block.tobytes())
        _drop_pages(matrix)


def _drop_pages(matrix: np.ndarray) -> None:
    mm = getattr(matrix, "_mmap", None)
    if mm is not None and hasattr(mm, "madvise") and hasattr(mmap, "MADV_DONTNEED"):
        try:
            mm.madvise(mmap.MADV_DONTNEED)
        except (OSError, ValueError):
            pass
