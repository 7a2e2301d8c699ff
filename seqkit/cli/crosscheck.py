"""`seqkit crosscheck`: seqkit against gensim on the same token stream, as a regression check."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Tuple

import typer

from seqkit.cli import common
from seqkit.cli.output import emit_record, emit_rows, err, message

app = typer.Typer()


def _corpus(path: str, popts):
    from seqkit.text.corpus import EncodedCorpus
    from seqkit.text.preprocess import encode_in_memory

    if Path(path).is_dir():
        return EncodedCorpus.load(path)
    return encode_in_memory([path], popts)


@app.command("crosscheck")
def crosscheck(
    corpus: str = typer.Argument(..., help="A text file (.gz/.bz2, '-' for stdin) or a folder from `seqkit preprocess`."),
    model: common.W2vModel = common.W2V_MODEL,
    loss: common.W2vLoss = common.W2V_LOSS,
    dim: int = common.DIM,
    window: int = common.WINDOW,
    min_count: int = common.MIN_COUNT,
    max_vocab: Optional[int] = common.MAX_VOCAB,
    sample: float = common.SAMPLE,
    negative: int = common.NEGATIVE,
    ns_exponent: float = common.NS_EXPONENT,
    alpha: float = common.ALPHA,
    min_alpha: float = common.MIN_ALPHA,
    epochs: int = common.EPOCHS,
    threads: int = typer.Option(0, "--threads", min=0, help="Threads for both tools (0: all cores)."),
    seed: int = typer.Option(1, "--seed", help="Random seed (both tools)."),
    cbow_sum: bool = common.CBOW_SUM,
    batch_negatives: bool = common.BATCH_NEGATIVES,
    tolerance: Tuple[float, float] = typer.Option((1.0, 0.02), "--tolerance", help="How far seqkit may trail gensim: POINTS of analogy accuracy and SPEARMAN (both word-pair sets)."),
    analogies: Optional[str] = typer.Option(None, "--analogies", help="Analogy questions (default: gensim's questions-words.txt)."),
    wordsim: Optional[str] = typer.Option(None, "--wordsim", help="Word pairs (default: gensim's wordsim353.tsv)."),
    simlex: Optional[str] = typer.Option(None, "--simlex", help="Word pairs (default: gensim's simlex999.txt)."),
    lowercase: bool = common.LOWERCASE,
    html: bool = common.HTML,
    urls: common.UrlMode = common.URLS,
    numbers: common.NumberMode = common.NUMBERS,
    punct: common.KeepDrop = common.PUNCT,
    symbols: common.KeepDrop = common.SYMBOLS,
    column: Optional[str] = common.COLUMN,
    max_doc_tokens: int = common.MAX_DOC_TOKENS,
    as_json: bool = common.JSON,
    quiet: bool = common.QUIET,
) -> None:
    """Train seqkit and gensim on the very same token stream and compare them side by side.

    Same preprocessing, vocabulary, hyperparameters and threads; prints vocabulary size,
    training time, words/s (corpus words x epochs / training seconds, as gensim counts),
    analogy accuracy, wordsim353 and simlex999 Spearman, and the mean overlap of the 10 nearest
    neighbours of the 1,000 most frequent words. Exits 1 when seqkit's quality trails gensim's
    by more than --tolerance.

    Example: seqkit crosscheck reviews.txt.gz --model cbow --epochs 1 --threads 2 --json
    """
    from seqkit.embed import crosscheck as cc
    from seqkit.embed.trainer import Word2VecConfig
    from seqkit.errors import OptionError
    from seqkit.text.preprocess import PreprocessOptions

    if tolerance[0] < 0 or tolerance[1] < 0:
        raise OptionError("--tolerance takes two non-negative numbers: analogy points and Spearman")
    config = Word2VecConfig(
        model=model.value, loss=loss.value, dim=dim, window=window, min_count=min_count, max_vocab=max_vocab,
        sample=sample, negative=negative, ns_exponent=ns_exponent, alpha=alpha, min_alpha=min_alpha,
        epochs=epochs, threads=threads or len(os.sched_getaffinity(0)), seed=seed, cbow_mean=not cbow_sum, batch_negatives=batch_negatives,
    )
    config.check()
    popts = PreprocessOptions(
        normalize=common.normalize_options(lowercase, html, urls, numbers, punct, symbols),
        min_count=min_count, max_vocab=max_vocab, max_doc_tokens=max_doc_tokens, column=column,
    )
    text = _corpus(corpus, popts)
    on_step = None if quiet else (lambda what: message(f"{what} ..."))
    result = cc.crosscheck(text, config, cc.Tolerance(*tolerance), cc.EvalFiles(analogies, wordsim, simlex), on_step)
    if as_json:
        from seqkit.cli.vectors import _no_nan

        emit_record(_no_nan(result), as_json=True)
    else:
        s, g = result["seqkit"], result["gensim"]
        rows = [(key, s[key], g[key]) for key in s]
        rows.append(("neighbour_overlap@10", result["neighbour_overlap"], result["neighbour_overlap"]))
        emit_rows(["figure", "seqkit", "gensim"], rows,
                  title=f"{config.model} {config.loss}, {result['corpus_words']:,} words x {config.epochs} epochs, {config.threads} threads")
    if not result["passed"]:
        for line in result["shortfalls"]:
            err.print(f"[red]seqkit trails gensim:[/red] {line}", soft_wrap=True, highlight=False)
        raise typer.Exit(1)
    message(f"seqkit is within tolerance of gensim (analogy {tolerance[0]} points, Spearman {tolerance[1]})")
