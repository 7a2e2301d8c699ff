"""The encoded corpus: a folder that training commands memory-map.

    vocab.tsv      word<TAB>count, most frequent first; a word's id is its line number (0-based)
    ids.npy        int32 (N,) token ids of all documents, one after another (out-of-vocabulary
                   tokens dropped, as word2vec does)
    offsets.npy    int64 (D+1,) document d is ids[offsets[d]:offsets[d+1]]
    meta.json      format version, the options used, counts, the source files with sizes and hashes
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from seqkit.errors import InputError
from seqkit.fileio import check_format_version
from seqkit.npzfile import load_npy
from seqkit.text.vocab import Vocab

FORMAT = "seqkit-corpus"
FORMAT_VERSION = 1


@dataclass
class EncodedCorpus:
    path: Path
    vocab: Vocab
    ids: np.ndarray  # (N,) int32, memory-mapped
    offsets: np.ndarray  # (D+1,) int64
    meta: dict

    @property
    def n_docs(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_tokens(self) -> int:
        return int(self.offsets[-1])

    def document(self, d: int) -> np.ndarray:
        return self.ids[self.offsets[d] : self.offsets[d + 1]]

    def documents(self) -> Iterator[np.ndarray]:
        for d in range(self.n_docs):
            yield self.document(d)

    @classmethod
    def load(cls, path: str | Path) -> "EncodedCorpus":
        path = Path(path)
        if not (path / "meta.json").is_file():
            raise InputError(f"{path} is not an encoded corpus (no meta.json): make one with `seqkit preprocess`")
        try:
            meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
            raise InputError(f"{path}/meta.json is corrupted: {e}") from None
        except OSError as e:
            raise InputError(f"{path}/meta.json cannot be read: {e.strerror or e}") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise InputError(f"{path}/meta.json is not a seqkit corpus")
        check_format_version(path, meta, FORMAT_VERSION, "corpus")
        try:
            vocab = Vocab.load(path / "vocab.tsv")
            ids = load_npy(path / "ids.npy", mmap=True, error=InputError)
            offsets = load_npy(path / "offsets.npy", error=InputError)
        except OSError as e:
            raise InputError(f"{path} is incomplete or unreadable ({e.strerror or e}); preprocess it again") from None
        _check_arrays(path, ids, offsets, len(vocab))
        return cls(path, vocab, ids, offsets, meta)


def _check_arrays(path, ids: np.ndarray, offsets: np.ndarray, vocab_size: int) -> None:
    """ids 1-D int32 in [0, vocab_size); offsets 1-D int64, non-decreasing from 0 to len(ids)."""
    def bad(msg: str):
        raise InputError(f"{path} is corrupted: {msg}; preprocess it again")

    if ids.ndim != 1 or ids.dtype != np.int32:
        bad(f"ids.npy is {ids.dtype} of shape {ids.shape}, not a 1-D int32 array")
    if offsets.ndim != 1 or offsets.dtype != np.int64 or len(offsets) < 1:
        bad(f"offsets.npy is {offsets.dtype} of shape {offsets.shape}, not a 1-D int64 array")
    if offsets[0] != 0 or offsets[-1] != len(ids):
        bad(f"offsets run from {offsets[0]} to {offsets[-1]}, not from 0 to the {len(ids)} token ids")
    if len(offsets) > 1 and (np.diff(offsets) < 0).any():
        bad("offsets go backwards")
    for start in range(0, len(ids), 1 << 24):  # in pieces: ids is memory-mapped and may be large
        part = ids[start : start + (1 << 24)]
        if int(part.max()) >= vocab_size or int(part.min()) < 0:
            bad("token ids outside the vocabulary")


def restrict(corpus: EncodedCorpus, min_count: int = 1, max_vocab: int | None = None) -> EncodedCorpus:
    """The same corpus over a smaller vocabulary (in memory): rarer words dropped from ids,
    ids renumbered, offsets adjusted. Returns ``corpus`` itself when nothing changes."""
    vocab = corpus.vocab
    keep = vocab.counts >= min_count
    if max_vocab is not None:
        keep[max_vocab:] = False
    if keep.all():
        return corpus
    remap = np.where(keep, np.cumsum(keep) - 1, -1).astype(np.int32)  # (V,) old id -> new id or -1
    new = remap[corpus.ids]  # (N,)
    kept = new >= 0
    cum = np.concatenate([[0], np.cumsum(kept, dtype=np.int64)])  # (N+1,)
    offsets = cum[corpus.offsets]
    words = [w for w, k in zip(vocab.words, keep) if k]
    return EncodedCorpus(corpus.path, Vocab(words, vocab.counts[keep]), new[kept], offsets, corpus.meta)


def release_pages(ids: np.ndarray, upto: int) -> None:
    """Drop the resident pages of a memory-mapped ids array before token ``upto`` (they are re-read
    from the page cache when needed again), so a pass over a large corpus keeps only the part in use
    in memory. Does nothing for arrays in memory or where madvise is not available."""
    import mmap

    mm = getattr(ids, "_mmap", None)
    if mm is None or not hasattr(mm, "madvise") or not hasattr(mmap, "MADV_DONTNEED"):
        return
    start_in_map = getattr(ids, "offset", 0) % mmap.ALLOCATIONGRANULARITY  # where the data begins in the map
    end = start_in_map + int(upto) * ids.itemsize
    end -= end % mmap.PAGESIZE
    if end > 0:
        try:
            mm.madvise(mmap.MADV_DONTNEED, 0, end)
        except (OSError, ValueError):
            pass
