"""Queries on word vectors: `similar`, `analogy`, `vectors`, `export`, `evaluate-w2v`.

They read native models and word2vec text/binary files alike (detected), and import neither
numba nor gensim, so a query on a 100k-word model answers in a fraction of a second.
Batch mode: with no query words, one query per line of stdin; a query that fails (an unknown
word) gets one error line on stderr, the others go on, and the exit status is 1 at the end.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from seqkit.cli import common
from seqkit.cli.output import emit_record, emit_rows, error_line, message, note, stdout_is_terminal, warning

app = typer.Typer()

MODEL = typer.Argument(..., help="A model from `seqkit train-w2v`, a fastText .bin, or a word2vec text/binary file (gensim, word2vec.c, fastText .vec).")
NO_OOV = typer.Option(False, "--no-oov", help="Subword models: a word outside the vocabulary is an error, instead of a vector built from its character n-grams.")


class VecFormat(str, Enum):
    word2vec_text = "word2vec-text"
    tsv = "tsv"
    jsonl = "jsonl"
    npy = "npy"


class ExportFormat(str, Enum):
    native = "native"
    fasttext_bin = "fasttext-bin"
    word2vec_bin = "word2vec-bin"
    word2vec_text = "word2vec-text"
    tsv = "tsv"
    jsonl = "jsonl"
    npy = "npy"
    projector = "projector"


class Weight(str, Enum):
    mean = "mean"
    tfidf = "tfidf"


class Method(str, Enum):
    add = "add"
    mul = "mul"


def _load(model: str, no_oov: bool = False):
    from seqkit.embed.keyed import load_vectors

    kv = load_vectors(model)
    kv.allow_oov = not no_oov
    return kv


def _oov_field(kv, words, as_json: bool):
    """The query's words built from n-grams: a list in JSON, space-separated in TSV."""
    oov = [w for w in words if kv.is_oov(w)]
    return oov if as_json else " ".join(oov)


def _no_nan(value):
    """NaN (a correlation over fewer than 2 pairs) as null, so that --json output is strict JSON."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_nan(v) for v in value]
    return value


def _stdin_lines():
    if sys.stdin.isatty():
        message("reading queries from stdin, one per line (Ctrl-D to end)")
    for line in sys.stdin:
        line = line.strip()
        if line:
            yield line


def _stdin_words(one_per_line: bool):
    """The words of stdin: whitespace-separated, or one a line and unescaped (seqkit/tsv.py)."""
    if not one_per_line:
        return (w for line in _stdin_lines() for w in line.split())
    from seqkit.tsv import unescape

    return (unescape(line.rstrip("\r\n")) for line in sys.stdin if line.rstrip("\r\n"))


def _batch(lines, answer) -> None:
    """Run ``answer(line)`` for each line; a SeqkitError is one red line on stderr and the rest go on."""
    from seqkit.errors import SeqkitError

    failed = 0
    for line in lines:
        try:
            answer(line)
        except SeqkitError as e:
            failed += 1
            error_line(f"query {line!r}: {e}")
        sys.stdout.flush()
    if failed:
        raise typer.Exit(1)


@app.command("similar")
def similar(
    model: str = MODEL,
    words: Optional[List[str]] = typer.Argument(None, help="Query words, combined (their unit vectors averaged). None: one query per line of stdin, where '-word' subtracts."),
    minus: Optional[List[str]] = typer.Option(None, "--minus", help="A word to subtract (repeatable)."),
    topn: int = typer.Option(10, "-n", "--topn", min=1, help="How many neighbours."),
    restrict: Optional[int] = typer.Option(None, "--restrict", min=1, help="Search only the N most frequent words."),
    no_oov: bool = NO_OOV,
    as_json: bool = common.JSON,
) -> None:
    """Nearest words by cosine; several words (and --minus words) combine as in gensim's most_similar.

    Subword models (train-w2v --subwords, fastText .bin) answer words outside the vocabulary too,
    from their character n-grams; the field `oov` names those query words.

    Example: seqkit similar model.w2v king woman --minus man -n 5
    Batch:   printf 'king\\nparis -france italy\\n' | seqkit similar model.w2v
    """
    from seqkit.embed.keyed import split_query

    kv = _load(model, no_oov)
    extra = ["oov"] if kv.has_subwords else []
    if words:
        results = kv.most_similar(list(words), list(minus or []), topn, restrict)
        mark = [_oov_field(kv, list(words) + list(minus or []), as_json)] if extra else []
        emit_rows(["word", "similarity"] + extra, [(w, s, *mark) for w, s in results], as_json)
        return

    def answer(line: str) -> None:
        pos, neg = split_query(line.split())
        results = kv.most_similar(pos, neg + list(minus or []), topn, restrict)
        mark = [_oov_field(kv, pos + neg + list(minus or []), as_json)] if extra else []
        emit_rows(["query", "word", "similarity"] + extra, [(line, w, s, *mark) for w, s in results], as_json)

    _batch(_stdin_lines(), answer)


@app.command("analogy")
def analogy(
    model: str = MODEL,
    words: Optional[List[str]] = typer.Argument(None, help="A B C: A is to B as C is to ?  None: one 'A B C' query per line of stdin."),
    topn: int = typer.Option(1, "-n", "--topn", min=1, help="How many answers."),
    method: Method = typer.Option(Method.add, "--method", help="add: 3CosAdd (b - a + c); mul: 3CosMul (Levy & Goldberg 2014)."),
    restrict: Optional[int] = typer.Option(None, "--restrict", min=1, help="Search only the N most frequent words."),
    no_oov: bool = NO_OOV,
    as_json: bool = common.JSON,
) -> None:
    """A is to B as C is to ?  (Subword models: words outside the vocabulary from their n-grams, named in `oov`.)

    Example: seqkit analogy model.w2v man king woman
    Batch:   printf 'man king woman\\nparis france rome\\n' | seqkit analogy model.w2v --json
    """
    from seqkit.errors import OptionError

    kv = _load(model, no_oov)
    extra = ["oov"] if kv.has_subwords else []

    def solve(abc: list[str]):
        if len(abc) != 3:
            raise OptionError(f"an analogy takes three words A B C, not {len(abc)}: {' '.join(abc)!r}")
        mark = [_oov_field(kv, abc, as_json)] if extra else []
        return [(w, s, *mark) for w, s in kv.analogy(abc[0], abc[1], abc[2], topn, method.value, restrict)]

    if words:
        emit_rows(["word", "score"] + extra, solve(list(words)), as_json)
        return

    def answer(line: str) -> None:
        emit_rows(["query", "word", "score"] + extra, [(line, *row) for row in solve(line.split())], as_json)

    _batch(_stdin_lines(), answer)


@app.command("vectors")
def vectors(
    model: str = MODEL,
    words: Optional[List[str]] = typer.Argument(None, help="Words. None: the words of stdin (whitespace-separated); an unknown one is an error line and the rest go on."),
    fmt: VecFormat = typer.Option(VecFormat.word2vec_text, "--format", help="word2vec-text lines (no header), tsv, jsonl, or npy (binary (n, d) float32 to a pipe or file, rows in input order)."),
    docs: Optional[str] = typer.Option(None, "--docs", help="Instead of words: one vector per document (line) of this text file ('-': stdin); TSV with a text column too."),
    weight: Weight = typer.Option(Weight.mean, "--weight", help="Document vectors: mean of the word vectors, or TF-IDF-weighted mean (idf over the given documents)."),
    column: Optional[str] = common.COLUMN,
    cluster: Optional[str] = common.CLUSTER,
    no_oov: bool = NO_OOV,
    lines: bool = typer.Option(False, "--lines", help="Words of stdin: one a line, TSV-escaped as seqkit prints them (docs/cli.md), so that a word with a space or a tab comes back whole (metadata.tsv's first column, say)."),
) -> None:
    """Print vectors of words, or of documents with --docs, for other tools.

    Subword models give words outside the vocabulary vectors from their character n-grams, marked
    by a field `oov` in jsonl only (true or false; documents: how many of their words): tsv and
    word2vec-text rows hold exactly the word and its numbers. --no-oov makes them errors again.

    Words are tokenized as the model's training text was (its preprocessing options are stored
    in native models; word2vec files get the defaults). Document rows are named doc1, doc2, ...
    in input order; with --format npy only the matrix is written, rows in input order (with
    words from stdin, unknown words get no row).

    Example: echo 'king queen' | seqkit vectors model.w2v --format tsv
    Docs:    seqkit vectors model.w2v --docs reviews.txt --weight tfidf --format npy > docs.npy
    Cluster: seqkit vectors model.w2v --docs reviews.txt --cluster local:4 --format npy > docs.npy
    """
    import numpy as np

    from seqkit.embed.export import write_rows
    from seqkit.errors import OptionError

    kv = _load(model, no_oov)
    if fmt is VecFormat.npy and stdout_is_terminal():
        raise OptionError("--format npy writes binary data: redirect stdout to a file or a pipe")
    failed = 0
    if cluster is not None and docs is None:
        raise OptionError("--cluster computes document vectors (--docs FILE); word vectors are looked up here")
    if docs is not None:
        if words:
            raise OptionError("give either words or --docs FILE, not both")
        found = _document_matrix(kv, model, docs, column, cluster, weight.value, fmt)
        if found is None:  # written block by block
            return
        names, matrix, oov = found
    else:
        names, matrix, oov, failed = _word_matrix(kv, words, lines)
        if any(oov) and fmt is not VecFormat.jsonl:
            message(f"{sum(oov)} of {len(names)} words are outside the vocabulary: built from their n-grams")
    if fmt is VecFormat.npy:
        np.save(sys.stdout.buffer, np.ascontiguousarray(matrix, dtype=np.float32))
        sys.stdout.buffer.flush()
    else:
        write_rows(sys.stdout, zip(names, matrix), fmt.value, oov if kv.has_subwords else None)
    if failed:
        raise typer.Exit(1)


def _word_matrix(kv, words: Optional[List[str]], lines: bool) -> tuple:
    """(names, (n, dim) float32 rows, OOV flags, unknown words reported) for the words given or read
    from stdin; an unknown word given as an argument is an error, one from stdin an error line."""
    import numpy as np

    from seqkit.errors import UnknownWordError

    failed = 0
    if words:
        names = list(words)
        rows = [kv.vector(w) for w in names]  # UnknownWordError names the word, exit 1
    else:
        names, rows = [], []
        for w in _stdin_words(lines):
            try:
                rows.append(kv.vector(w))
                names.append(w)
            except UnknownWordError as e:
                failed += 1
                error_line(str(e))
    matrix = np.array(rows, dtype=np.float32).reshape(len(rows), kv.dim)
    return names, matrix, [kv.is_oov(w) for w in names], failed


def _document_matrix(kv, model: str, docs: str, column, cluster, weight: str, fmt: VecFormat):
    """(names doc1.., matrix, OOV counts) of the documents of DOCS, or None when the rows were already
    written block by block as a cluster sent them back."""
    import numpy as np

    from seqkit.text.sources import iter_documents

    if cluster is None:
        from seqkit.embed.docvec import document_vectors
        from seqkit.embed.keyed import document_tokenizer

        tokenize = document_tokenizer(kv)
        texts = [tokenize(t) for t in iter_documents(docs, column)]
        matrix, empty, oov = document_vectors(kv, texts, weight)
    else:
        from seqkit.cluster.blocks import document_vectors_on_cluster

        blocks = document_vectors_on_cluster(cluster, model, kv, lambda: iter_documents(docs, column), docs == "-", weight)
        if fmt is not VecFormat.npy:  # rows go out as their block comes back
            _write_document_blocks(blocks, fmt.value, kv.has_subwords)
            return None
        parts = list(blocks)
        matrix = np.concatenate([m for m, _, _ in parts]) if parts else np.zeros((0, kv.dim), np.float32)
        empty = sum(e for _, e, _ in parts)
        oov = [n for _, _, part in parts for n in part]
    if empty:
        warning(f"{empty} of {len(matrix)} documents have no known word: their vectors are zero")
    return [f"doc{i + 1}" for i in range(len(matrix))], matrix, oov


def _write_document_blocks(blocks, fmt: str, subwords: bool) -> None:
    """Rows doc1, doc2, ... of each block of document vectors, written as the block arrives (subword
    models: with each document's count of words built from n-grams)."""
    from seqkit.embed.export import write_rows

    n = empty = 0
    for matrix, n_empty, oov in blocks:
        write_rows(sys.stdout, zip((f"doc{n + i + 1}" for i in range(len(matrix))), matrix), fmt, oov if subwords else None)
        sys.stdout.flush()
        n, empty = n + len(matrix), empty + n_empty
    if empty:
        warning(f"{empty} of {n} documents have no known word: their vectors are zero")


@app.command("export")
def export(
    model: str = MODEL,
    output: Path = typer.Option(..., "--output", "-o", help="File to write."),
    fmt: ExportFormat = typer.Option(ExportFormat.word2vec_bin, "--format", help="native (seqkit's .npz: the fastest to query; converts word2vec and fastText files), fasttext-bin (a subword model as a fastText .bin: fastText and gensim read it, out-of-vocabulary words included), word2vec-bin, word2vec-text, tsv (word, then one column per dimension), jsonl, or npy (the matrix; its words go to NAME.words.txt beside it, one a line), projector (a folder for TensorBoard's Embedding Projector)."),
    top: Optional[int] = typer.Option(None, "--top", min=0, help="Write only the N most frequent words (0: all). --format projector: 10,000 by default, the points its t-SNE uses."),
    force: bool = common.FORCE,
) -> None:
    """Write the vocabulary's vectors in a format other tools read (gensim, word2vec.c, fastText, NumPy,
    TensorBoard's Embedding Projector).

    Example: seqkit export model.w2v -o vectors.bin --format word2vec-bin
    Convert: seqkit export wiki.vec -o wiki.w2v --format native   (then queries start fast)
    Project: seqkit export model.w2v -o proj --format projector   (vectors.tsv + metadata.tsv: load them
             at projector.tensorflow.org, or run `tensorboard --logdir proj`)
    fastText: seqkit export model.ft -o model.bin --format fasttext-bin   (fasttext print-word-vectors model.bin)
    Classifier: seqkit export linear.npz -o linear.bin --format fasttext-bin   (fasttext predict-prob linear.bin -)
    """
    from seqkit.embed.export import export as write
    from seqkit.fileio import check_output

    check_output(output, [model], force=force, folder=fmt is ExportFormat.projector)
    if fmt is ExportFormat.npy:
        from seqkit.embed.export import npy_words_path

        check_output(npy_words_path(output), [model], force=force)  # the word list beside the matrix
    if fmt is ExportFormat.fasttext_bin and _linear_classifier(model):
        _export_linear(model, output)
        return
    kv = _load(model)
    if fmt is ExportFormat.projector:
        _export_projector(kv, model, output, top, force)
        return
    if top:
        kv = _top_words(kv, top)
    if fmt is ExportFormat.native:
        import numpy as np

        from seqkit.embed.formats import save_native

        counts = kv.counts if kv.counts is not None else np.zeros(len(kv), np.int64)  # word2vec files have none
        meta = {k: v for k, v in kv.meta.items() if k not in ("format", "format_version")}
        arrays = {"vectors": kv.vectors}
        if kv.ngrams is not None and kv.own_rows is not None:  # a subword model keeps its n-gram rows
            arrays.update(vectors_vocab=kv.own_rows, ngrams=kv.ngrams.matrix,
                          trained_buckets=np.packbits(kv.ngrams.trained))
            meta["subwords"] = kv.ngrams.config.to_dict()
        save_native(output, kv.words, counts, arrays, {**meta, "converted_from": str(model)})
        files = [output]
    elif fmt is ExportFormat.fasttext_bin:
        from seqkit.embed.fasttext_bin import write_fasttext_bin

        write_fasttext_bin(output, kv, _training_settings(kv))
        files = [output]
    else:
        files = write(output, kv.words, kv.vectors, fmt.value)
    message(f"wrote {', '.join(map(str, files))}: {len(kv):,} words x {kv.dim} dims")


def _top_words(kv, top: int):
    """The ``top`` most frequent words of ``kv`` (files list them most frequent first)."""
    from seqkit.embed.keyed import KeyedVectors

    n = min(top, len(kv))
    counts = kv.counts[:n] if kv.counts is not None else None
    own = kv.own_rows[:n] if kv.own_rows is not None else None  # a subword model keeps its n-gram rows
    return KeyedVectors(kv.words[:n], kv.vectors[:n], counts, kv.meta, kv.source, ngrams=kv.ngrams, own_rows=own)


def _export_projector(kv, model: str, output: Path, top: Optional[int], force: bool) -> None:
    from seqkit.embed.projector import TSNE_SAMPLE, write_projector

    top = TSNE_SAMPLE if top is None else top
    if top > TSNE_SAMPLE or (top == 0 and len(kv) > TSNE_SAMPLE):
        note(f"the projector's t-SNE uses a random sample of {TSNE_SAMPLE:,} points "
                f"(PCA 50,000); all {min(top or len(kv), len(kv)):,} are written")
    if top:
        kv = _top_words(kv, top)
    if kv.counts is None:
        note("word2vec files store no counts: metadata.tsv has 0 in its count column")
    files = write_projector(output, kv.words, kv.counts, kv.vectors, Path(model).name, force=force)
    message(f"wrote {', '.join(map(str, files))}: {len(kv):,} words x {kv.dim} dims "
            "(load vectors.tsv and metadata.tsv at projector.tensorflow.org, or `tensorboard --logdir "
            f"{output}`)")


def _training_settings(kv) -> dict:
    """The training options of a model, for the args block of a fastText .bin."""
    if kv.meta.get("format") == "fasttext-bin":
        ft = kv.meta["fasttext"]
        return {"model": "cbow" if ft["model"] == 1 else "skipgram", "loss": "hs" if ft["loss"] == 1 else "ns",
                "window": ft["ws"], "epochs": ft["epoch"], "min_count": ft["minCount"], "negative": ft["neg"],
                "corpus_words": kv.meta.get("training", {}).get("corpus_words")}
    return kv.meta.get("training", {})


@app.command("evaluate-w2v")
def evaluate_w2v(
    model: str = MODEL,
    analogies: Optional[str] = typer.Option(None, "--analogies", help="Analogy questions (': section' and 'a b c d' lines; default: questions-words.txt shipped with gensim)."),
    wordsim: Optional[str] = typer.Option(None, "--wordsim", help="Word pairs 'w1<TAB>w2<TAB>score' (default: gensim's wordsim353.tsv)."),
    simlex: Optional[str] = typer.Option(None, "--simlex", help="Word pairs 'w1<TAB>w2<TAB>score' (default: gensim's simlex999.txt)."),
    restrict: int = typer.Option(30000, "--restrict", min=1, help="Analogies over the N most frequent words (as is customary)."),
    restrict_words: Optional[str] = typer.Option(None, "--restrict-words", help="Analogies over the words listed in this file (one a line, or a corpus folder's vocab.tsv) instead of the --restrict most frequent: the same questions for models whose files order equally frequent words differently."),
    no_oov: bool = NO_OOV,
    as_json: bool = common.JSON,
) -> None:
    """Analogy accuracy (per section and total) and Spearman correlations on word similarity, as gensim computes them.

    Questions or pairs with a word outside the model count as OOV and are skipped; subword models
    answer every word pair instead (words outside the vocabulary from their n-grams; --no-oov skips
    them), and report the Spearman of those out-of-vocabulary pairs alone too.

    Example: seqkit evaluate-w2v model.w2v --json
    """
    from seqkit.embed.evaluate import evaluate_all, read_word_list

    words = read_word_list(restrict_words) if restrict_words is not None else None
    result = _no_nan(evaluate_all(_load(model, no_oov), analogies, wordsim, simlex, restrict, words))
    if as_json:
        emit_record(result, as_json=True)
        return
    sections = result.pop("analogy_sections")
    emit_rows(["section", "correct", "total", "accuracy"],
              [(s["section"], s["correct"], s["total"], s["accuracy"]) for s in sections], title="analogies",
              header=True)
    if not stdout_is_terminal():
        print()  # piped: a blank line between the two tables, as `evaluate` prints
    emit_record(result, title="summary")


def _linear_classifier(model: str) -> bool:
    from seqkit.errors import ModelFormatError
    from seqkit.models.linear.files import read_meta

    try:
        return (read_meta(model).get("architecture") or {}).get("arch") == "linear"
    except ModelFormatError:
        return False


def _export_linear(model: str, output) -> None:
    """A linear classifier as a fastText supervised .bin (every bucket a row: zeros where it has none)."""
    from seqkit.formats.fasttext.writer import write_model
    from seqkit.models.linear.model import LinearClassifier
    from seqkit.quantize.linear import fasttext_structure

    f = fasttext_structure(LinearClassifier.load(model), dense_buckets=True)
    write_model(output, f.head, f.input, f.output)
    message(f"wrote {output}: a fastText classifier of {f.head.nwords:,} words, {f.head.nlabels} labels "
            f"(give fastText texts tokenized as the model's tokenizer does)")
