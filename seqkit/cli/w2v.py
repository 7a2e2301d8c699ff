"""`seqkit train-w2v`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from seqkit.cli import common, options
from seqkit.cli.output import message

app = typer.Typer()


class ModelFormat(str, Enum):
    native = "native"
    word2vec_bin = "word2vec-bin"
    word2vec_text = "word2vec-text"


def _load_corpus(corpus: Optional[str], demo: bool, popts, quiet: bool):
    from seqkit.text.corpus import EncodedCorpus, restrict
    from seqkit.text.preprocess import encode_in_memory

    if demo or corpus is None:
        if not demo:
            from seqkit.errors import OptionError

            raise OptionError("name a CORPUS (a text file or a folder from `seqkit preprocess`), or pass --demo")
        from gensim.test.utils import datapath

        corpus = datapath("lee_background.cor")
    path = Path(corpus)
    if path.is_dir():
        loaded = EncodedCorpus.load(path)
        return restrict(loaded, popts.min_count, popts.max_vocab), loaded.meta.get("options", {})
    return encode_in_memory([corpus], popts), popts.to_dict()


@app.command("train-w2v")
@options.W2V_TRAINING.into("config")
@options.PREPROCESS.into("preprocess")
@options.SUBWORDS.into("sub")
def train_w2v(
    corpus: Optional[str] = typer.Argument(None, help="A text file (.gz/.bz2/'-' too), or a folder from `seqkit preprocess`."),
    output: Path = typer.Option(..., "--output", "-o", help="Model file to write."),
    demo: bool = typer.Option(False, "--demo", help="Train on a small built-in corpus (gensim's Lee background corpus)."),
    init: Optional[Path] = typer.Option(None, "--init", help="Continue training this model (its vocabulary is kept)."),
    checkpoint: bool = typer.Option(False, "--checkpoint", help="Save the model after every epoch."),
    fmt: ModelFormat = typer.Option(ModelFormat.native, "--format", help="native (.npz, all weights), or word2vec-bin / word2vec-text (vectors only)."),
    force: bool = common.FORCE,
    quiet: bool = common.QUIET,
    config=None,  # Word2VecConfig, from @W2V_TRAINING
    preprocess=None,  # PreprocessOptions (vocabulary limits from config), from @PREPROCESS
    sub=None,  # SubwordConfig with --subwords, else None, from @SUBWORDS
) -> None:
    """Train word2vec vectors: skip-gram or CBOW, negative sampling or hierarchical softmax.

    With --subwords, fastText-style vectors: a word's vector is the mean of its own row and the rows
    of its character n-grams (--minn..--maxn, hashed into --buckets rows as fastText does), so that
    queries answer words never seen in training too; the model can be exported as a fastText .bin.

    Example: seqkit train-w2v reviews.txt.gz -o reviews.w2v --model cbow --epochs 5
    Subword: seqkit train-w2v reviews.txt.gz -o reviews.ft --subwords --minn 3 --maxn 6
    """
    from dataclasses import replace

    from seqkit.embed.trainer import Word2VecModel, check_init_counts
    from seqkit.fileio import check_output

    _check_options(sub, init, config, fmt)
    # continued training keeps the model's vocabulary: every word of the corpus is read
    popts = replace(preprocess, min_count=config.min_count, max_vocab=config.max_vocab) if init is None else replace(
        preprocess, min_count=1, max_vocab=None)
    check_output(output, [corpus, init], force=force)  # before training, not after
    start_model = Word2VecModel.load(init) if init is not None else None
    if start_model is not None:
        check_init_counts(start_model, str(init))  # before reading the corpus
    text, popts_used = _load_corpus(corpus, demo, popts, quiet)

    def save(m) -> None:
        m.config = {**m.config, "preprocess": popts_used}
        if fmt is ModelFormat.native:
            m.save(output)
        else:
            from seqkit.embed.formats import write_word2vec

            write_word2vec(output, m.vocab.words, m.vectors, binary=fmt is ModelFormat.word2vec_bin)

    def on_epoch(epoch: int, m) -> None:
        if checkpoint and epoch < config.epochs:
            save(m)

    trained = _train(text, config, sub, start_model, quiet, on_epoch)
    save(trained)
    c = trained.config
    message(
        f"wrote {output}: {c['vocab_size']:,} words x {trained.vectors.shape[1]} dims"
        f"{f' + {sub.buckets:,} n-gram rows' if sub is not None else ''}, "
        f"{c['corpus_words'] * config.epochs:,} words in {c['train_seconds']:.1f} s "
        f"({c['words_per_s']:,.0f} words/s, {c['threads']} threads), mean loss {c['mean_loss']:.4f}"
    )


def _check_options(sub, init, config, fmt) -> None:
    if sub is None:
        return
    from seqkit.errors import OptionError

    if init is not None:
        raise OptionError("--init cannot continue training with --subwords (yet): train a new model")
    if config.batch_negatives:
        raise OptionError("--batch-negatives is for word2vec; --subwords skip-gram already takes the word's vector once per window")
    if fmt is not ModelFormat.native:
        raise OptionError("--subwords models are written as native models: then `seqkit export --format fasttext-bin` (or word2vec formats)")


def _train(text, config, sub, start_model, quiet: bool, on_epoch):
    """The trained model (word2vec or subword: the same driver), with a progress bar on stderr."""
    from seqkit.cli.progress import progress_bar
    from seqkit.embed.trainer import train

    with progress_bar(quiet, "{task.fields[rate]} words/s  alpha {task.fields[alpha]}  loss {task.fields[loss]}") as bar:
        task = bar.add_task("starting", total=None, rate="-", alpha="-", loss="-")

        def on_progress(p) -> None:
            if p.stage != "training":  # the kernel compiles before the first chunk: say so
                bar.update(task, description=p.stage)
                return
            bar.update(task, completed=p.words_done, total=p.words_total, rate=f"{p.words_per_s:,.0f}",
                       alpha=f"{p.alpha:.5f}", loss=f"{p.mean_loss:.4f}", description=f"epoch {p.epoch}/{config.epochs}")

        if sub is not None:
            from seqkit.embed.subword_trainer import train_subwords

            return train_subwords(text, config, sub, on_progress=on_progress, on_epoch=on_epoch)
        return train(text, config, init=start_model, on_progress=on_progress, on_epoch=on_epoch)
