"""TensorBoard's Embedding Projector format (also loaded by projector.tensorflow.org's "Load" button).

A folder with
  vectors.tsv             one row per word, the numbers tab-separated, no header and no word column;
  metadata.tsv            a header `word<TAB>count`, then one row per word in the same order (with two or
                          more columns the projector reads the first row as column names), each word
                          escaped by seqkit/tsv.py's rule;
  projector_config.pbtxt  so that `tensorboard --logdir DIR` shows it under PROJECTOR.

The projector samples at most 10,000 points for t-SNE (50,000 for PCA), so by default the 10,000
most frequent words are written. Rows use export.py's number format (9 significant digits), so
`seqkit vectors MODEL --format tsv WORD...` prints exactly the rows of vectors.tsv after the word.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seqkit.embed.export import format_row
from seqkit.fileio import atomic_dir
from seqkit.tsv import escape

TSNE_SAMPLE = 10_000  # points the projector's t-SNE uses (a random sample above this)
PCA_SAMPLE = 50_000  # points its PCA uses
CONFIG = 'embeddings {\n  tensor_name: %s\n  tensor_path: "vectors.tsv"\n  metadata_path: "metadata.tsv"\n}\n'


def pbtxt_string(value: str) -> str:
    """``value`` as a quoted protobuf text-format string: printable ASCII as it is, `"` and `\\` escaped,
    every other byte of its UTF-8 as an octal escape (as protobuf's CEscape writes)."""
    out = []
    for b in value.encode("utf-8"):
        ch = chr(b)
        out.append("\\" + ch if ch in '"\\' else ch if 0x20 <= b < 0x7F else f"\\{b:03o}")
    return '"' + "".join(out) + '"'


def write_projector(folder, words: list[str], counts, vectors: np.ndarray, name: str = "words", force: bool = False) -> list[Path]:
    """Write the projector's files for ``words`` (rows of ``vectors``) into ``folder``, atomically."""
    counts = np.zeros(len(words), np.int64) if counts is None else np.asarray(counts)
    with atomic_dir(folder, force=force) as tmp:
        with open(tmp / "vectors.tsv", "w", encoding="utf-8", newline="\n") as f:
            for v in vectors:
                f.write(format_row("", v, "tsv")[1:] + "\n")  # the numbers only
        with open(tmp / "metadata.tsv", "w", encoding="utf-8", newline="\n") as f:
            f.write("word\tcount\n")
            f.write("".join(f"{escape(w)}\t{int(c)}\n" for w, c in zip(words, counts)))
        (tmp / "projector_config.pbtxt").write_text(CONFIG % pbtxt_string(name), encoding="ascii")
    folder = Path(folder)
    return [folder / "vectors.tsv", folder / "metadata.tsv", folder / "projector_config.pbtxt"]
