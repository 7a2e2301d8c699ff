"""A vocabulary: words sorted by count (most frequent first), saved as `vocab.tsv` (word<TAB>count)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from seqkit.errors import InputError
from seqkit.limits import MAX_COUNT_DIGITS

_COUNT = re.compile(f"[0-9]{{1,{MAX_COUNT_DIGITS}}}")  # int64 holds any 18-digit count


@dataclass
class Vocab:
    words: list[str]
    counts: np.ndarray  # (V,) int64, non-increasing
    index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        self.counts = np.asarray(self.counts, dtype=np.int64)
        if len(self.words) != len(self.counts):
            raise ValueError("words and counts differ in length")
        if not self.index:
            self.index = {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    @classmethod
    def from_counts(
        cls, words: list[str], counts: np.ndarray, min_count: int = 1, max_size: int | None = None
    ) -> "Vocab":
        """Keep words seen at least ``min_count`` times, the ``max_size`` most frequent; ties keep
        first-seen order (a stable sort, as gensim does)."""
        counts = np.asarray(counts, dtype=np.int64)
        order = np.argsort(-counts, kind="stable")
        order = order[counts[order] >= min_count]
        if max_size is not None:
            order = order[:max_size]
        return cls([words[i] for i in order], counts[order])

    def save(self, path: str | Path) -> None:
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            for w, c in zip(self.words, self.counts.tolist()):
                f.write(f"{w}\t{c}\n")

    @classmethod
    def load(cls, path: str | Path) -> "Vocab":
        """Words and counts of a vocab.tsv; InputError for a line that is not 'word<TAB>count' (a count
        of at most MAX_COUNT_DIGITS ASCII digits), an empty or repeated word, or a file that is not UTF-8."""
        words, counts = [], []
        try:
            with open(path, encoding="utf-8", newline="\n") as f:
                for n, line in enumerate(f, 1):
                    parts = line.rstrip("\n").split("\t")
                    if len(parts) != 2 or not _COUNT.fullmatch(parts[1]) or not parts[0]:
                        raise InputError(f"{path}:{n}: expected 'word<TAB>count', got {line[:60]!r}")
                    words.append(parts[0])
                    counts.append(int(parts[1]))
        except UnicodeDecodeError as e:
            raise InputError(f"{path} is not UTF-8 text ({e.reason} at byte {e.start})") from None
        if len(set(words)) != len(words):
            raise InputError(f"{path} lists a word twice; preprocess the corpus again")
        return cls(words, np.array(counts, dtype=np.int64))
