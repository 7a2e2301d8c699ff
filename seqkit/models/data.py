"""Texts -> padded id batches for the sequence classifier.

A vocabulary built from the training texts with `<pad>` = 0 and `<unk>` = 1; each text is tokenized
with the shared Normalizer, mapped to ids (unknown words -> 1), cut to `max_len` keeping the head or
the tail, and batched with texts of similar length (bucketing) so that padding costs little time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Iterable, Iterator, Literal

import numpy as np

from seqkit.errors import InputError, OptionError
from seqkit.text.normalize import Normalizer, NormalizeOptions

PAD, UNK = "<pad>", "<unk>"
PAD_ID, UNK_ID = 0, 1


@dataclass(frozen=True)
class TextOptions:
    normalize: NormalizeOptions = field(default_factory=NormalizeOptions)  # shared with `seqkit preprocess`
    max_len: int = 400  # longer texts are cut: cost grows linearly with length, the signal does not
    truncate: Literal["head", "tail"] = "tail"  # which end to keep; reviews conclude at the end, hence tail
    padding: Literal["pre", "post"] = "post"  # where pad tokens go; 'pre' puts real tokens last (for 'last' pooling)

    def __post_init__(self):
        if self.max_len < 1:
            raise OptionError(f"--max-len must be at least 1, got {self.max_len}")
        from seqkit.limits import MAX_LEN, check_range

        check_range("--max-len", self.max_len, 1, MAX_LEN)
        if self.truncate not in ("head", "tail"):
            raise OptionError(f"--truncate must be head or tail, got {self.truncate!r}")
        if self.padding not in ("pre", "post"):
            raise OptionError(f"--padding must be pre or post, got {self.padding!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TextOptions":
        """The options a model file records; ModelFormatError for anything malformed."""
        from seqkit.errors import ModelFormatError

        try:
            max_len = d["max_len"]
            if isinstance(max_len, bool) or not isinstance(max_len, int):
                raise TypeError(f"max_len {max_len!r} is not an integer")
            return cls(normalize=NormalizeOptions.from_dict(d["normalize"]), max_len=max_len,
                       truncate=d["truncate"], padding=d["padding"])
        except (KeyError, TypeError, OptionError) as e:
            raise ModelFormatError(f"its preprocessing options are invalid ({e})") from None


def build_vocab(token_lists: Iterable[list[str]], min_count: int = 1, max_vocab: int | None = None) -> list[str]:
    """['<pad>', '<unk>', most frequent word, ...]: words seen at least min_count times, at most max_vocab
    of them (the two special tokens not counted); ties in first-seen order."""
    counts: Counter[str] = Counter()
    for tokens in token_lists:
        counts.update(tokens)
    counts.pop(PAD, None)
    counts.pop(UNK, None)
    words = [w for w, c in sorted(counts.items(), key=lambda wc: -wc[1]) if c >= min_count]
    if max_vocab is not None:
        words = words[:max_vocab]
    if not words:
        raise InputError(
            f"the vocabulary is empty: no word occurs at least --min-count={min_count} times in the training texts"
        )
    return [PAD, UNK] + words


class TextEncoder:
    """Text -> int32 ids of at most max_len tokens, by one set of options and one vocabulary."""

    def __init__(self, words: list[str], options: TextOptions):
        if words[:2] != [PAD, UNK]:
            raise InputError("a classifier vocabulary must start with <pad> and <unk>")
        self.words = words
        self.index = {w: i for i, w in enumerate(words)}
        self.options = options
        self.normalizer = Normalizer(options.normalize)

    def tokens(self, text: str) -> list[str]:
        return self.normalizer.tokenize(text)

    def encode_tokens(self, tokens: list[str]) -> np.ndarray:
        get = self.index.get
        L = self.options.max_len
        if len(tokens) > L:
            tokens = tokens[:L] if self.options.truncate == "head" else tokens[-L:]
        return np.fromiter((get(t, UNK_ID) for t in tokens), dtype=np.int32, count=len(tokens))  # (n,)

    def encode(self, text: str) -> np.ndarray:
        return self.encode_tokens(self.tokens(text))


def pad_batch(seqs: list[np.ndarray], padding: str = "post") -> tuple[np.ndarray, np.ndarray]:
    """Id arrays -> (ids (B, T) int32 with PAD_ID, lengths (B,) int64), T the longest (at least 1).

    An empty text becomes one <unk> token, so every row has a valid step."""
    lengths = np.array([max(len(s), 1) for s in seqs], dtype=np.int64)  # (B,)
    T = int(lengths.max()) if len(seqs) else 1
    ids = np.full((len(seqs), T), PAD_ID, dtype=np.int32)  # (B, T)
    for i, s in enumerate(seqs):
        if len(s) == 0:
            s = np.array([UNK_ID], np.int32)
        if padding == "post":
            ids[i, : len(s)] = s
        else:
            ids[i, T - len(s):] = s
    return ids, lengths


def bucketed_batches(
    lengths: np.ndarray, batch_size: int, rng: np.random.Generator | None, bucket_factor: int = 50
) -> list[np.ndarray]:
    """Index batches of texts of similar length.

    With an rng (training): shuffle, cut into pools of batch_size*bucket_factor texts, sort each pool by
    length, cut into batches and shuffle the batch order, so batches differ every epoch yet hold texts of
    nearly equal length. Without (evaluation): sorted by length, in order."""
    n = len(lengths)
    if n == 0:
        return []
    if rng is None:
        order = np.argsort(lengths, kind="stable")
        return [order[i: i + batch_size] for i in range(0, n, batch_size)]
    perm = rng.permutation(n)
    pool = batch_size * bucket_factor
    batches = []
    for start in range(0, n, pool):
        chunk = perm[start: start + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i: i + batch_size] for i in range(0, len(chunk), batch_size)]
    order = rng.permutation(len(batches))
    return [batches[i] for i in order]


@dataclass
class EncodedSet:
    """Encoded texts and their label ids, ready for batching."""

    seqs: list[np.ndarray]  # id arrays, each at most max_len long
    labels: np.ndarray  # (N,) int64 label ids
    n_truncated: int = 0  # texts longer than max_len (cut)
    n_empty: int = 0  # texts with no token at all

    @property
    def lengths(self) -> np.ndarray:
        return np.fromiter((len(s) for s in self.seqs), dtype=np.int64, count=len(self.seqs))

    def batches(self, batch_size: int, padding: str, rng: np.random.Generator | None) -> Iterator[tuple]:
        """(ids (B, T), lengths (B,), labels (B,), index (B,)) batches."""
        for idx in bucketed_batches(self.lengths, batch_size, rng):
            ids, lengths = pad_batch([self.seqs[i] for i in idx], padding)
            yield ids, lengths, self.labels[idx], idx

    def subset(self, idx: np.ndarray) -> "EncodedSet":
        return EncodedSet([self.seqs[i] for i in idx], self.labels[idx])


def encode_set(encoder: TextEncoder, token_lists: list[list[str]], label_ids: np.ndarray) -> EncodedSet:
    L = encoder.options.max_len
    seqs = [encoder.encode_tokens(t) for t in token_lists]
    n_trunc = sum(1 for t in token_lists if len(t) > L)
    n_empty = sum(1 for t in token_lists if not t)
    return EncodedSet(seqs, np.asarray(label_ids, dtype=np.int64), n_trunc, n_empty)


def label_ids(labels: list[str], names: list[str], where: str = "the data") -> np.ndarray:
    """Label strings -> ids by the model's label names; an unknown label is an InputError."""
    index = {n: i for i, n in enumerate(names)}
    out = np.empty(len(labels), dtype=np.int64)
    for i, lab in enumerate(labels):
        j = index.get(lab)
        if j is None:
            raise InputError(
                f"label {lab!r} in {where} was not seen in training (known labels: {', '.join(names)})"
            )
        out[i] = j
    return out


def label_names(labels: list[str], where: str = "the training data") -> list[str]:
    """The sorted distinct labels; fewer than two is an InputError."""
    names = sorted(set(labels))
    if any(n == "" for n in names):
        raise InputError(f"some texts in {where} have an empty label: every text needs a label")
    if len(names) < 2:
        only = f"only the label {names[0]!r}" if names else "no labels"
        raise InputError(f"{where} has {only}: a classifier needs at least two classes")
    return names
