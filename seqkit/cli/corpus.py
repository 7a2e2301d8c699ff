"""`seqkit preprocess` and `seqkit corpus stats` (list and fetch live in cli/catalog.py)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from seqkit.cli import common, options
from seqkit.cli.output import emit_record, message, note, warning

app = typer.Typer()
corpus_app = typer.Typer(no_args_is_help=True)


def _show_stats(corpus, as_json: bool) -> None:
    from seqkit.text.preprocess import corpus_stats

    emit_record(corpus_stats(corpus), as_json=as_json, title=str(corpus.path or "corpus"))


@app.command("preprocess")
@options.PREPROCESS.into("preprocess")
def preprocess(
    inputs: List[str] = typer.Argument(..., help="Text files (plain, .gz, .bz2; one document per line), or '-' for stdin."),
    output: Path = typer.Option(..., "--output", "-o", help="Folder to write the encoded corpus to."),
    min_count: int = common.MIN_COUNT,
    max_vocab: Optional[int] = common.MAX_VOCAB,
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Tokenizing processes (default: all cores for inputs over 8 MB)."),
    cluster: Optional[str] = common.CLUSTER,
    stats: bool = typer.Option(False, "--stats", help="Print the corpus statistics when done."),
    as_json: bool = common.JSON,
    force: bool = common.FORCE,
    quiet: bool = common.QUIET,
    preprocess=None,  # PreprocessOptions (vocabulary limits from --min-count/--max-vocab), from @PREPROCESS
) -> None:
    """Turn raw text into an encoded corpus that training commands memory-map.

    The folder holds vocab.tsv (word, count), ids.npy (int32 token ids), offsets.npy (document
    boundaries) and meta.json (options, counts, sources with sizes and SHA-256). With --cluster,
    Dask workers tokenize line-aligned byte ranges of the inputs (a .gz/.bz2 input is one task)
    and write one shard (ids-K.npy, offsets-K.npy) each: the same vocabulary and ids.

    Example: seqkit preprocess reviews.txt.gz -o reviews.corpus --min-count 5 --stats
    Cluster: seqkit preprocess big.txt -o big.corpus --cluster tcp://scheduler:8786
    """
    from dataclasses import replace

    from seqkit.cli.progress import progress_bar
    from seqkit.errors import OptionError
    from seqkit.text import preprocess as pp

    popts = replace(preprocess, min_count=min_count, max_vocab=max_vocab)
    with progress_bar(quiet, "{task.fields[tokens]:,} tokens") as bar:
        task = bar.add_task("preprocessing", total=None, tokens=0)

        def on_progress(done: int, total: int | None, tokens: int) -> None:
            bar.update(task, completed=done, total=total, tokens=tokens)

        if cluster is None:
            corpus = pp.preprocess(list(inputs), output, popts, force=force, on_progress=on_progress, workers=workers)
        else:
            from seqkit.cluster.preprocess import preprocess as preprocess_on_cluster

            if workers is not None:
                raise OptionError("--workers is for one machine: with --cluster the cluster's workers tokenize")
            corpus = preprocess_on_cluster(cluster, list(inputs), output, popts, force=force, on_progress=on_progress,
                                           on_note=note)
    c = corpus.meta["counts"]
    if c["undecodable_bytes"]:
        warning(f"{c['undecodable_bytes']} undecodable bytes were replaced by U+FFFD")
    message(
        f"wrote {output}: {c['documents']:,} documents, {c['tokens']:,} tokens, "
        f"vocabulary {c['vocab_size']:,} ({c['coverage']:.1%} of tokens) in {corpus.meta['seconds']:.1f} s"
    )
    if stats or as_json:
        _show_stats(corpus, as_json)


@corpus_app.command("stats")
def stats(
    path: Path = typer.Argument(..., help="A folder written by `seqkit preprocess`."),
    as_json: bool = common.JSON,
) -> None:
    """Documents, tokens, vocabulary size, coverage and the longest document of an encoded corpus.

    Example: seqkit corpus stats reviews.corpus --json
    """
    from seqkit.text.corpus import EncodedCorpus

    _show_stats(EncodedCorpus.load(path), as_json)


from seqkit.cli import catalog  # noqa: E402

corpus_app.registered_commands.extend(catalog.app.registered_commands)  # `seqkit corpus list|fetch`
