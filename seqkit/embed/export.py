"""Writing vectors for other tools: word2vec text/binary, TSV, JSON lines, .npy (+ word list)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Iterable

import numpy as np

from seqkit.embed.formats import write_word2vec
from seqkit.fileio import atomic_open, atomic_path

FORMATS = ("word2vec-text", "word2vec-bin", "tsv", "jsonl", "npy")


def format_row(word: str, vector: np.ndarray, fmt: str) -> str:
    """One line of text output (word2vec-text, tsv or jsonl), without the newline."""
    if fmt == "jsonl":
        return json.dumps({"word": word, "vector": [round(float(x), 6) for x in vector]}, ensure_ascii=False)
    sep = "\t" if fmt == "tsv" else " "
    return word + sep + sep.join(f"{x:.6g}" for x in vector.tolist())


def write_rows(out: IO[str], rows: Iterable[tuple[str, np.ndarray]], fmt: str) -> None:
    for word, vector in rows:
        out.write(format_row(word, vector, fmt) + "\n")


def npy_words_path(path: str | Path) -> Path:
    """Where `export --format npy` puts the words: beside the matrix, one per line, same order."""
    path = Path(path)
    return path.with_name(path.name.removesuffix(".npy") + ".words.txt")


def export(path: str, words: list[str], vectors: np.ndarray, fmt: str) -> list[Path]:
    """Write the whole vocabulary to ``path`` (atomically); returns the files written."""
    if fmt in ("word2vec-text", "word2vec-bin"):
        write_word2vec(path, words, vectors, binary=fmt == "word2vec-bin")
        return [Path(path)]
    if fmt == "npy":
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, np.ascontiguousarray(vectors, dtype=np.float32))
        words_path = npy_words_path(path)
        with atomic_open(words_path, "w", encoding="utf-8") as f:
            f.write("\n".join(words) + "\n")
        return [Path(path), words_path]
    with atomic_open(path, "w", encoding="utf-8") as f:
        write_rows(f, zip(words, vectors), fmt)
    return [Path(path)]
