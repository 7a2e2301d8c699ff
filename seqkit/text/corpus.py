"""The encoded corpus: a folder that training commands memory-map.

    vocab.tsv      word<TAB>count, most frequent first; a word's id is its line number (0-based)
    ids*.npy       int32 token ids of the documents, one after another (out-of-vocabulary tokens
                   dropped, as word2vec does), in one or more shards
    offsets*.npy   int64 (d+1,) per shard: document k of the shard is ids[offsets[k]:offsets[k+1]]
    meta.json      format version, the options used, counts, the source files with sizes and
                   hashes, and the shard list (file names in corpus order)

Format 1 had exactly one shard, ids.npy + offsets.npy, and no shard list; it still loads. Format 2
lists its shards in meta.json (`seqkit preprocess` writes one shard, `--cluster` one per byte
range of the input); documents never span shards, and training memory-maps them one after another.
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
FORMAT_VERSION = 2
_V1_SHARDS = [{"ids": "ids.npy", "offsets": "offsets.npy"}]
_CHECK_BLOCK = 1 << 24  # ids checked per step on load (64 MB), pages released after each


@dataclass
class Shard:
    ids: np.ndarray  # (n,) int32, memory-mapped when loaded
    offsets: np.ndarray  # (d+1,) int64 from 0: document k is ids[offsets[k]:offsets[k+1]]

    @property
    def n_docs(self) -> int:
        return len(self.offsets) - 1


def shard_entry(ids_name: str, offsets_name: str, ids: np.ndarray, offsets: np.ndarray) -> dict:
    """A shard's record in meta.json."""
    return {"ids": ids_name, "offsets": offsets_name, "tokens": int(len(ids)), "documents": int(len(offsets) - 1)}


class EncodedCorpus:
    """A vocabulary and documents of token ids, held in one or more shards.

    ``EncodedCorpus(path, vocab, ids, offsets, meta)`` makes a one-shard corpus (in memory or
    memory-mapped); ``shards=[...]`` a sharded one."""

    def __init__(self, path, vocab: Vocab, ids=None, offsets=None, meta: dict | None = None,
                 shards: list[Shard] | None = None):
        self.path = path
        self.vocab = vocab
        self.meta = meta if meta is not None else {}
        self.shards = list(shards) if shards is not None else [Shard(ids, offsets)]
        self._offsets = None

    @property
    def offsets(self) -> np.ndarray:
        """(D+1,) int64 document boundaries over the whole corpus (shards one after another)."""
        if len(self.shards) == 1:
            return self.shards[0].offsets
        if self._offsets is None:
            parts, base = [np.zeros(1, np.int64)], 0
            for s in self.shards:
                parts.append(np.asarray(s.offsets[1:], dtype=np.int64) + base)
                base += int(s.offsets[-1])
            self._offsets = np.concatenate(parts)
        return self._offsets

    @property
    def ids(self) -> np.ndarray:
        """(N,) int32 all token ids: the memory map itself for a one-shard corpus, a copy in memory
        for a sharded one (training reads shards one by one instead)."""
        if len(self.shards) == 1:
            return self.shards[0].ids
        return np.concatenate([s.ids for s in self.shards]) if self.shards else np.zeros(0, np.int32)

    @property
    def n_docs(self) -> int:
        return sum(s.n_docs for s in self.shards)

    @property
    def n_tokens(self) -> int:
        return sum(int(s.offsets[-1]) for s in self.shards)

    def document(self, d: int) -> np.ndarray:
        for s in self.shards:
            if d < s.n_docs:
                return s.ids[s.offsets[d] : s.offsets[d + 1]]
            d -= s.n_docs
        raise IndexError("document index out of range")

    def documents(self) -> Iterator[np.ndarray]:
        for s in self.shards:
            for k in range(s.n_docs):
                yield s.ids[s.offsets[k] : s.offsets[k + 1]]

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
        version = check_format_version(path, meta, FORMAT_VERSION, "corpus")
        entries = _V1_SHARDS if version < 2 else meta.get("shards")
        if not isinstance(entries, list) or not entries:
            raise InputError(f"{path}/meta.json lists no shards; preprocess it again")
        try:
            vocab = Vocab.load(path / "vocab.tsv")
            shards = [_load_shard(path, entry, len(vocab)) for entry in entries]
        except OSError as e:
            raise InputError(f"{path} is incomplete or unreadable ({e.strerror or e}); preprocess it again") from None
        return cls(path, vocab, meta=meta, shards=shards)


def _shard_file(folder: Path, entry, key: str) -> Path:
    name = entry.get(key) if isinstance(entry, dict) else None
    if not isinstance(name, str) or not name or Path(name).name != name or name.startswith("."):
        raise InputError(f"{folder}/meta.json names a shard file badly ({name!r}); preprocess it again")
    return folder / name


def _load_shard(folder: Path, entry, vocab_size: int) -> Shard:
    ids_path, offsets_path = _shard_file(folder, entry, "ids"), _shard_file(folder, entry, "offsets")
    ids = load_npy(ids_path, mmap=True, error=InputError)
    offsets = load_npy(offsets_path, mmap=True, error=InputError)  # 8 bytes a document: mapped as the ids
    _check_arrays(folder, ids, offsets, vocab_size, ids_path.name, offsets_path.name)
    return Shard(ids, offsets)


def _check_arrays(path, ids: np.ndarray, offsets: np.ndarray, vocab_size: int, ids_name: str = "ids.npy",
                  offsets_name: str = "offsets.npy") -> None:
    """ids 1-D int32 in [0, vocab_size); offsets 1-D int64, non-decreasing from 0 to len(ids)."""
    def bad(msg: str):
        raise InputError(f"{path} is corrupted: {msg}; preprocess it again")

    if ids.ndim != 1 or ids.dtype != np.int32:
        bad(f"{ids_name} is {ids.dtype} of shape {ids.shape}, not a 1-D int32 array")
    if offsets.ndim != 1 or offsets.dtype != np.int64 or len(offsets) < 1:
        bad(f"{offsets_name} is {offsets.dtype} of shape {offsets.shape}, not a 1-D int64 array")
    if offsets[0] != 0 or offsets[-1] != len(ids):
        bad(f"offsets run from {offsets[0]} to {offsets[-1]}, not from 0 to the {len(ids)} token ids")
    for start in range(0, len(offsets) - 1, _CHECK_BLOCK):  # in blocks too: millions of documents
        if (np.diff(offsets[start : start + _CHECK_BLOCK + 1]) < 0).any():
            bad("offsets go backwards")
        release_pages(offsets, start + _CHECK_BLOCK)
    for start in range(0, len(ids), _CHECK_BLOCK):  # in blocks: ids is memory-mapped and may be large
        part = ids[start : start + _CHECK_BLOCK]
        if int(part.max()) >= vocab_size or int(part.min()) < 0:
            bad(f"token ids outside the vocabulary in {ids_name}")
        release_pages(ids, start + len(part))


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
    shards = [_renumber(s, remap) for s in corpus.shards]
    words = [w for w, k in zip(vocab.words, keep) if k]
    return EncodedCorpus(corpus.path, Vocab(words, vocab.counts[keep]), meta=corpus.meta, shards=shards)


def _renumber(shard: Shard, remap: np.ndarray) -> Shard:
    """A shard with ids mapped through ``remap`` (V_old,) and those mapped to -1 dropped."""
    new = remap[shard.ids]  # (n,)
    kept = new >= 0
    cum = np.concatenate([[0], np.cumsum(kept, dtype=np.int64)])  # (n+1,)
    return Shard(new[kept], cum[shard.offsets])


def longest_document(offsets: np.ndarray, block: int = 1 << 22) -> int:
    """max(diff(offsets)) in blocks: no temporary as long as millions of documents' offsets."""
    longest = 0
    for a in range(0, len(offsets) - 1, block):
        longest = max(longest, int(np.diff(offsets[a : a + block + 1]).max()))
    return longest


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
