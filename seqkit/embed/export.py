"""Writing vectors for other tools: word2vec text/binary, TSV, JSON lines, .npy (+ word list).

Numbers are written with 9 significant digits, so float32 values survive a text round trip
exactly. `npy` holds the (V, d) float32 matrix only; its words go beside it, one a line in row
order, to NAME.words.txt (NAME without its .npy suffix). Words in tsv and in the word list are escaped
by seqkit/tsv.py's rule.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Iterable

import numpy as np

from seqkit.embed.formats import write_word2vec
from seqkit.errors import InputError, ModelFormatError
from seqkit.fileio import atomic_open, atomic_path
from seqkit.tsv import escape

FORMATS = ("word2vec-bin", "word2vec-text", "tsv", "jsonl", "npy")


def format_row(word: str, vector: np.ndarray, fmt: str, oov=None) -> str:
    """One line of text output (word2vec-text, tsv or jsonl), without the newline: the word and the
    numbers, nothing else. ``oov`` (subword models: whether the word was built from n-grams, or a
    document's count of such words) goes to a field ``oov`` in jsonl only. A tsv word is escaped
    (seqkit/tsv.py); a word2vec-text word cannot hold whitespace."""
    if fmt == "jsonl":
        return json.dumps(json_record(word, vector, oov), ensure_ascii=False)
    numbers = [f"{x:.9g}" for x in np.asarray(vector, dtype=np.float32).tolist()]
    if fmt == "tsv":
        return "\t".join([escape(word), *numbers])
    if not word or any(ch.isspace() for ch in word):
        raise InputError(f"word2vec text cannot hold the word {word!r} (empty or with whitespace): use --format tsv or jsonl")
    return word + " " + " ".join(numbers)


def json_record(word: str, vector: np.ndarray, oov=None) -> dict:
    """A jsonl row as a dict: the word, its numbers to 9 significant digits, and `oov` where given."""
    record = {"word": word, "vector": [float(f"{x:.9g}") for x in np.asarray(vector, dtype=np.float32).tolist()]}
    if oov is not None:
        record["oov"] = oov
    return record


def write_rows(out: IO[str], rows: Iterable[tuple[str, np.ndarray]], fmt: str, oov=None) -> None:
    """``oov``: None, or one value per row (see format_row)."""
    for k, (word, vector) in enumerate(rows):
        out.write(format_row(word, vector, fmt, None if oov is None else oov[k]) + "\n")


def npy_words_path(path: str | Path) -> Path:
    """Where `export --format npy` puts the words: beside the matrix, one per line, same order."""
    path = Path(path)
    return path.with_name(path.name.removesuffix(".npy") + ".words.txt")


def export(path: str | Path, words: list[str], vectors: np.ndarray, fmt: str) -> list[Path]:
    """Write the whole vocabulary to ``path`` (atomically); returns the files written."""
    if fmt not in FORMATS:
        raise ModelFormatError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    if fmt in ("word2vec-text", "word2vec-bin"):
        write_word2vec(path, words, vectors, binary=fmt == "word2vec-bin")
        return [Path(path)]
    if fmt == "npy":
        words_path = npy_words_path(path)
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, np.ascontiguousarray(vectors, dtype=np.float32))
            with atomic_open(words_path, "w", encoding="utf-8", newline="\n") as f:
                f.write("".join(escape(w) + "\n" for w in words))  # one a line, escaped as in TSV
        return [Path(path), words_path]
    with atomic_open(path, "w", encoding="utf-8", newline="\n") as f:
        write_rows(f, zip(words, vectors), fmt)
    return [Path(path)]
