"""Queries on word vectors: `similar`, `analogy`, `vectors`, `export`, `evaluate-w2v`.

They read native models and word2vec text/binary files alike, and import neither numba nor gensim.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from seqkit.cli import common
from seqkit.cli.output import emit_record, emit_rows, err, message, stdout_is_terminal

app = typer.Typer()

MODEL = typer.Argument(..., help="A model from `seqkit train-w2v`, or a word2vec text/binary file (gensim, word2vec.c, fastText .vec).")


class VecFormat(str, Enum):
    word2vec_text = "word2vec-text"
    tsv = "tsv"
    jsonl = "jsonl"
    npy = "npy"


class ExportFormat(str, Enum):
    word2vec_text = "word2vec-text"
    word2vec_bin = "word2vec-bin"
    tsv = "tsv"
    jsonl = "jsonl"
    npy = "npy"


class Weight(str, Enum):
    mean = "mean"
    tfidf = "tfidf"


class Method(str, Enum):
    add = "add"
    mul = "mul"


def _load(model: str):
    from seqkit.embed.keyed import load_vectors

    return load_vectors(model)


def _stdin_lines():
    if sys.stdin.isatty():
        message("reading queries from stdin, one per line (Ctrl-D to end)")
    for line in sys.stdin:
        line = line.strip()
        if line:
            yield line


@app.command("similar")
def similar(
    model: str = MODEL,
    words: Optional[List[str]] = typer.Argument(None, help="Query words (added). None: one query per line of stdin ('-word' subtracts)."),
    minus: Optional[List[str]] = typer.Option(None, "--minus", help="Words to subtract (repeatable)."),
    topn: int = typer.Option(10, "-n", "--topn", min=1, help="How many neighbours."),
    as_json: bool = common.JSON,
) -> None:
    """Nearest words by cosine; several words combine as in gensim's most_similar.

    Example: seqkit similar model.w2v king queen --minus man -n 5
    """
    from seqkit.errors import SeqkitError

    kv = _load(model)
    if words:
        results = kv.most_similar(list(words), list(minus or []), topn)
        emit_rows(["word", "similarity"], results, as_json)
        return
    failed = 0
    for line in _stdin_lines():
        pos = [w for w in line.split() if not w.startswith("-") or len(w) == 1]
        neg = [w[1:] for w in line.split() if w.startswith("-") and len(w) > 1]
        try:
            results = kv.most_similar(pos, neg, topn)
        except SeqkitError as e:
            failed += 1
            err.print(f"[red]error:[/red] query {line!r}: {e}", soft_wrap=True)
            continue
        emit_rows(["query", "word", "similarity"], [(line, w, s) for w, s in results], as_json)
        sys.stdout.flush()
    if failed:
        raise typer.Exit(1)


@app.command("analogy")
def analogy(
    model: str = MODEL,
    a: str = typer.Argument(..., help="A ..."),
    b: str = typer.Argument(..., help="... is to B ..."),
    c: str = typer.Argument(..., help="... as C is to ?"),
    topn: int = typer.Option(1, "-n", "--topn", min=1),
    method: Method = typer.Option(Method.add, "--method", help="add: 3CosAdd; mul: 3CosMul (Levy & Goldberg 2014)."),
    as_json: bool = common.JSON,
) -> None:
    """A is to B as C is to ?

    Example: seqkit analogy model.w2v man king woman
    """
    emit_rows(["word", "score"], _load(model).analogy(a, b, c, topn, method.value), as_json)


@app.command("vectors")
def vectors(
    model: str = MODEL,
    words: Optional[List[str]] = typer.Argument(None, help="Words; none: the words of stdin (whitespace-separated)."),
    fmt: VecFormat = typer.Option(VecFormat.word2vec_text, "--format", help="word2vec-text lines, tsv, jsonl, or npy (binary, to a pipe)."),
    docs: Optional[str] = typer.Option(None, "--docs", help="Instead of words: one vector per line of this text file ('-': stdin)."),
    weight: Weight = typer.Option(Weight.mean, "--weight", help="Document vectors: plain mean, or TF-IDF-weighted mean."),
    skip_unknown: bool = typer.Option(False, "--skip-unknown", help="Leave out unknown words instead of failing."),
) -> None:
    """Print vectors of words (or of documents with --docs) for other tools.

    Example: seqkit vectors model.w2v < words.txt | other-tool
    """
    import numpy as np

    from seqkit.embed.export import write_rows
    from seqkit.errors import OptionError, UnknownWordError

    kv = _load(model)
    if docs is not None:
        from seqkit.embed.docvec import document_vectors
        from seqkit.text.normalize import Normalizer, NormalizeOptions
        from seqkit.text.sources import iter_documents

        opts = kv.meta.get("training", {}).get("preprocess", {}).get("normalize")
        tokenize = Normalizer(NormalizeOptions(**opts) if opts else NormalizeOptions()).tokenize
        texts = [tokenize(t) for t in iter_documents(docs)]
        matrix, empty = document_vectors(kv, texts, weight.value)
        if empty:
            message(f"[yellow]warning:[/yellow] {empty} documents have no known word: their vectors are zero")
        names = [f"doc{i}" for i in range(len(texts))]
    else:
        names = list(words) if words else [w for line in _stdin_lines() for w in line.split()]
        known = [w for w in names if w in kv.index]
        if len(known) < len(names) and not skip_unknown:
            unknown = next(w for w in names if w not in kv.index)
            raise UnknownWordError(unknown, kv.source)
        names = known
        matrix = kv.vectors[[kv.index[w] for w in names]] if names else np.zeros((0, kv.dim), np.float32)
    if fmt is VecFormat.npy:
        if stdout_is_terminal():
            raise OptionError("--format npy writes binary data: redirect stdout to a file or a pipe")
        np.save(sys.stdout.buffer, np.ascontiguousarray(matrix, dtype=np.float32))
        return
    write_rows(sys.stdout, zip(names, matrix), fmt.value)


@app.command("export")
def export(
    model: str = MODEL,
    output: Path = typer.Option(..., "--output", "-o", help="File to write."),
    fmt: ExportFormat = typer.Option(ExportFormat.word2vec_bin, "--format", help="word2vec-bin, word2vec-text, tsv, jsonl, or npy (words go to OUTPUT.words.txt)."),
) -> None:
    """Write the whole vocabulary's vectors in a format other tools read.

    Example: seqkit export model.w2v -o vectors.bin --format word2vec-bin
    """
    from seqkit.embed.export import export as write

    kv = _load(model)
    files = write(str(output), kv.words, kv.vectors, fmt.value)
    message(f"wrote {', '.join(map(str, files))}: {len(kv):,} words x {kv.dim} dims")


@app.command("evaluate-w2v")
def evaluate_w2v(
    model: str = MODEL,
    analogies: Optional[str] = typer.Option(None, "--analogies", help="Analogy questions (default: questions-words.txt shipped with gensim)."),
    wordsim: Optional[str] = typer.Option(None, "--wordsim", help="Word pairs with scores (default: wordsim353.tsv)."),
    simlex: Optional[str] = typer.Option(None, "--simlex", help="Word pairs with scores (default: simlex999.txt)."),
    restrict: int = typer.Option(30000, "--restrict", min=1, help="Analogies over the most frequent N words."),
    as_json: bool = common.JSON,
) -> None:
    """Analogy accuracy (per section and total) and Spearman correlations on word similarity.

    Example: seqkit evaluate-w2v model.w2v --json
    """
    from seqkit.embed.evaluate import evaluate_all

    result = evaluate_all(_load(model), analogies, wordsim, simlex, restrict)
    if as_json:
        emit_record(result, as_json=True)
        return
    sections = result.pop("analogy_sections")
    emit_rows(["section", "correct", "total", "accuracy"],
              [(s["section"], s["correct"], s["total"], s["accuracy"]) for s in sections], title="analogies")
    emit_record(result, title="summary")
