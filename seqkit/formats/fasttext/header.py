"""The head of any fastText model file: its arguments, its dictionary and where its matrices lie.

Layouts (all little-endian; fasttext.cc saveModel, dictionary.cc save, args.cc save):
  new (fastText 0.2-0.9): int32 magic 793712314, int32 version (11 or 12); args; dictionary with an
      int64 pruneidx_size and that many (int32 bucket, int32 row) pairs after the entries; a bool
      before each matrix (quantized input, quantized output);
  old (fastText 0.1, no magic): args; dictionary without pruneidx_size; matrices without the bools.
args: 12 int32 (dim ws epoch minCount neg wordNgrams loss model bucket minn maxn lrUpdateRate), float64 t.
Every size is checked against the file's real size before anything is allocated for it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

from seqkit.embed.fasttext_bin import ARGS, MAGIC, VERSION, _Reader
from seqkit.errors import ModelFormatError
from seqkit.limits import MAX_DIM

ARG_NAMES = ("dim", "ws", "epoch", "minCount", "neg", "wordNgrams", "loss", "model", "bucket", "minn", "maxn",
             "lrUpdateRate", "t")
LOSSES = {1: "hs", 2: "ns", 3: "softmax", 4: "ova"}
MODELS = {1: "cbow", 2: "skipgram", 3: "supervised"}
MAX_NGRAM = 64  # longest character n-gram accepted (fastText's computeSubwords loops up to maxn)
MAX_WORD_NGRAMS = 1_000  # fastText's -wordNgrams; anything larger is a damaged file


@dataclass
class Args:
    dim: int
    ws: int
    epoch: int
    minCount: int
    neg: int
    wordNgrams: int
    loss: int  # 1 hs, 2 ns, 3 softmax, 4 ova
    model: int  # 1 cbow, 2 skipgram, 3 supervised
    bucket: int
    minn: int
    maxn: int
    lrUpdateRate: int
    t: float

    @property
    def supervised(self) -> bool:
        return self.model == 3

    @property
    def loss_name(self) -> str:
        return LOSSES[self.loss]

    def pack(self) -> bytes:
        return ARGS.pack(*(getattr(self, n) for n in ARG_NAMES))


@dataclass
class Header:
    """Everything before the input matrix; `r.pos` of the reader is left at the input matrix."""

    args: Args
    version: int | None  # None: the old layout (no magic, no pruning, no quantization flags)
    words: list[bytes]  # words, then labels (dictionary order)
    counts: np.ndarray  # (size,) int64
    nwords: int
    nlabels: int
    ntokens: int
    prune: dict[int, int] = field(default_factory=dict)  # n-gram bucket -> its row after the words
    pruned: bool = False  # pruneidx_size >= 0: only the buckets in `prune` have rows


def read_args(r: _Reader, path) -> tuple[Args, int | None]:
    start = r.pos
    magic, version = r.unpack(struct.Struct("<2i"), "the magic number")
    if magic == MAGIC:
        if not 11 <= version <= VERSION:
            raise ModelFormatError(f"{path} is a fastText model of file version {version}: seqkit reads versions "
                                   f"11-{VERSION} (fastText 0.2-0.9) and the older layout without a version")
    else:
        r.pos, version = start, None  # fastText 0.1: the file starts with the arguments
    args = Args(*r.unpack(ARGS, "the training arguments"))
    if version == 11 and args.supervised:
        args.maxn = 0  # as fastText: supervised models of version 11 have no character n-grams
    _check_args(args, path, version)
    return args, version


def _check_args(a: Args, path, version) -> None:
    what = "a fastText model" if version is not None else "a fastText model (nor a seqkit model or word2vec file)"
    if a.model not in MODELS or a.loss not in LOSSES:
        raise ModelFormatError(f"{path} is not {what}: unknown model kind {a.model} or loss {a.loss}")
    if not (1 <= a.dim <= MAX_DIM and a.bucket >= 0 and 0 <= a.minn and a.maxn <= MAX_NGRAM
            and 0 <= a.wordNgrams <= MAX_WORD_NGRAMS and (a.maxn <= 0 or a.minn <= a.maxn)):
        raise ModelFormatError(f"{path} is not {what} or is damaged: impossible settings dim={a.dim} "
                               f"bucket={a.bucket} minn={a.minn} maxn={a.maxn} wordNgrams={a.wordNgrams}")


def read_header(r: _Reader, path) -> Header:
    args, version = read_args(r, path)
    if version is None:
        size, nwords, nlabels, ntokens = r.unpack(struct.Struct("<3iq"), "the dictionary header")
        prune_size = -1
    else:
        size, nwords, nlabels, ntokens, prune_size = r.unpack(struct.Struct("<3i2q"), "the dictionary header")
    if size < 1 or nwords < 0 or nlabels < 0 or size != nwords + nlabels or size * 10 > r.size - r.pos:
        raise ModelFormatError(f"{path}: its header claims {size:,} dictionary entries ({nwords:,} words, "
                               f"{nlabels:,} labels), which the file cannot hold (truncated or damaged?)")
    if args.supervised != (nlabels > 0):
        raise ModelFormatError(f"{path} is damaged: a {MODELS[args.model]} model with {nlabels} labels")
    words, counts, types = read_entries(r, size, path)
    if (types[:nwords] != 0).any() or (types[nwords:] != 1).any():
        raise ModelFormatError(f"{path} is damaged: its dictionary does not list {nwords:,} words, then labels")
    if len(set(words)) != size:
        raise ModelFormatError(f"{path} is damaged: its dictionary has duplicate entries")
    head = Header(args, version, words, counts, nwords, nlabels, ntokens)
    if prune_size >= 0:
        r.need(prune_size * 8, "the pruned dictionary")
        pairs = np.frombuffer(r.buf[r.pos: r.pos + 8 * prune_size], "<i4").reshape(-1, 2)  # (P, 2) bucket, row
        r.pos += prune_size * 8
        if prune_size and (pairs[:, 0].min() < 0 or pairs[:, 0].max() >= max(args.bucket, 1)
                           or not np.array_equal(np.sort(pairs[:, 1]), np.arange(prune_size))):
            raise ModelFormatError(f"{path} is damaged: its pruned n-gram index is not a map of buckets to rows")
        head.prune, head.pruned = dict(zip(pairs[:, 0].tolist(), pairs[:, 1].tolist())), True
    elif prune_size < -1:
        raise ModelFormatError(f"{path} is damaged: pruned index size {prune_size}")
    return head


def read_entries(r: _Reader, n: int, path) -> tuple[list[bytes], np.ndarray, np.ndarray]:
    """n entries: the word's bytes, a 0 byte, int64 count, int8 type (0 word, 1 label)."""
    words, counts, types = [], np.empty(n, np.int64), np.empty(n, np.int8)
    buf, find, pos = r.buf, r.buf.find, r.pos
    for i in range(n):
        end = find(b"\0", pos)
        if end < 0 or end + 9 >= r.size:
            raise ModelFormatError(f"{path} is truncated: its dictionary ends after {i:,} of {n:,} entries")
        words.append(bytes(buf[pos:end]))
        counts[i], types[i] = struct.unpack_from("<qb", buf, end + 1)
        pos = end + 10
    r.pos = pos
    return words, counts, types


def decode_word(word: bytes) -> str:
    """A dictionary word as text: UTF-8, else with backslash escapes (as gensim does)."""
    try:
        return word.decode("utf-8")
    except UnicodeDecodeError:
        return word.decode("utf-8", errors="backslashreplace")


def looks_like_fasttext(head: bytes) -> bool:
    """The file's first 56 bytes: fastText's magic number, or plausible arguments of the old layout."""
    if len(head) >= 4 and struct.unpack("<i", head[:4])[0] == MAGIC:
        return True
    if len(head) < ARGS.size:
        return False
    a = Args(*ARGS.unpack_from(head))
    return (a.model in MODELS and a.loss in LOSSES and 1 <= a.dim <= MAX_DIM and 0 < a.ws <= 1_000
            and 0 <= a.wordNgrams <= MAX_WORD_NGRAMS and 0 <= a.bucket and 0 <= a.minn and a.maxn <= MAX_NGRAM)


def sniff(path) -> bool:
    """True when `path` is (by its first bytes) a fastText model file of either layout."""
    try:
        with open(path, "rb") as f:
            return looks_like_fasttext(f.read(ARGS.size + 8))
    except OSError:
        return False


def supervised(path) -> bool:
    """Whether a fastText file (either layout) holds a classifier (False if unreadable: the caller's
    reader then reports what is wrong)."""
    try:
        with open(path, "rb") as f:
            r = _Reader(f.read(ARGS.size + 8), path)
        return read_args(r, path)[0].supervised
    except (OSError, ValueError, ModelFormatError):
        return False


def quantized(path) -> bool:
    """Whether a fastText file with a magic number holds a quantized input matrix (False if unreadable:
    the caller's reader then reports what is wrong)."""
    import mmap

    try:
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            r = _Reader(buf, path)
            head = read_header(r, path)
            return head.version is not None and r.pos < r.size and buf[r.pos] != 0
    except (OSError, ValueError, ModelFormatError):
        return False
