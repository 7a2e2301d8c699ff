"""`seqkit crosscheck`: seqkit against gensim on the same token stream, as a regression check."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Tuple

import typer

from seqkit.cli import common, options
from seqkit.cli.output import emit_record, emit_rows, message

app = typer.Typer()


def _corpus(path: str, popts):
    from seqkit.text.corpus import EncodedCorpus
    from seqkit.text.preprocess import encode_in_memory

    if Path(path).is_dir():
        return EncodedCorpus.load(path)
    return encode_in_memory([path], popts)


@app.command("crosscheck")
@options.W2V_TRAINING.into("config")
@options.PREPROCESS.into("preprocess")
@options.SUBWORDS.into("sub")
def crosscheck(
    corpus: str = typer.Argument(..., help="A text file (.gz/.bz2, '-' for stdin) or a folder from `seqkit preprocess`."),
    tolerance: Tuple[float, float] = typer.Option((1.0, 0.02), "--tolerance", help="How far seqkit may trail gensim: POINTS of analogy accuracy and SPEARMAN (both word-pair sets)."),
    analogies: Optional[str] = typer.Option(None, "--analogies", help="Analogy questions (default: gensim's questions-words.txt)."),
    wordsim: Optional[str] = typer.Option(None, "--wordsim", help="Word pairs (default: gensim's wordsim353.tsv)."),
    simlex: Optional[str] = typer.Option(None, "--simlex", help="Word pairs (default: gensim's simlex999.txt)."),
    as_json: bool = common.JSON,
    quiet: bool = common.QUIET,
    config=None,  # Word2VecConfig, from @W2V_TRAINING
    preprocess=None,  # PreprocessOptions (vocabulary limits from config), from @PREPROCESS
    sub=None,  # SubwordConfig with --subwords, else None, from @SUBWORDS
) -> None:
    """Train seqkit and gensim on the very same token stream and compare them side by side.

    Same preprocessing, vocabulary, hyperparameters and threads; prints vocabulary size,
    training time, words/s (corpus words x epochs / training seconds, as gensim counts),
    analogy accuracy, wordsim353 and simlex999 Spearman, and the mean overlap of the 10 nearest
    neighbours of the 1,000 most frequent words. Exits 1 when seqkit's quality trails gensim's
    by more than --tolerance.

    With --subwords: seqkit's subword training against gensim's FastText. Every 4th pair of the
    word-pair files is held out and its words are deleted from the text before training, so both
    must build them from character n-grams: their Spearman is the out-of-vocabulary score.

    Example: seqkit crosscheck reviews.txt.gz --model cbow --epochs 1 --threads 2 --json
    """
    from dataclasses import replace

    from seqkit.embed import crosscheck as cc
    from seqkit.errors import OptionError

    if tolerance[0] < 0 or tolerance[1] < 0:
        raise OptionError("--tolerance takes two non-negative numbers: analogy points and Spearman")
    config = replace(config, threads=config.threads or len(os.sched_getaffinity(0)))  # gensim needs a number
    popts = replace(preprocess, min_count=config.min_count, max_vocab=config.max_vocab)
    text = _corpus(corpus, popts)
    on_step = None if quiet else (lambda what: message(f"{what} ..."))
    result = cc.crosscheck(text, config, cc.Tolerance(*tolerance), cc.EvalFiles(analogies, wordsim, simlex), on_step,
                            subwords=sub)
    if as_json:
        from seqkit.cli.vectors import _no_nan

        emit_record(_no_nan(result), as_json=True)
    else:
        s, g = result["seqkit"], result["gensim"]
        rows = [(key, s[key], g[key]) for key in s]
        rows.append(("neighbour_overlap@10", result["neighbour_overlap"], result["neighbour_overlap"]))
        emit_rows(["figure", "seqkit", "gensim"], rows, header=True,
                  title=f"{config.model} {config.loss}{' subwords' if sub else ''}, {result['corpus_words']:,} words x {config.epochs} epochs, {config.threads} threads")
    if not result["passed"]:
        for line in result["shortfalls"]:
            message(("seqkit trails gensim:", "red"), f" {line}")
        raise typer.Exit(1)
    message(f"seqkit is within tolerance of gensim (analogy {tolerance[0]} points, Spearman {tolerance[1]})")
