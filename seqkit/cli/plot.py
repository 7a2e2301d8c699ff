"""`seqkit plot words|history|confusion`: pictures of word vectors, training curves and confusion matrices.

The plotting libraries are the optional extra `seqkit[plot]`; they are imported inside the commands.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from seqkit.cli import common
from seqkit.cli.output import message

app = typer.Typer(help="Pictures: word maps, training curves, confusion matrices (needs `pip install 'seqkit[plot]'`).",
                  no_args_is_help=True)

OUTPUT = typer.Option(..., "--output", "-o", help="Picture to write: .png, .svg or .pdf (the suffix picks the format).")


class Method(str, Enum):
    pca = "pca"
    tsne = "tsne"
    umap = "umap"


def _check_output(output: Path, inputs: list[str], force: bool, allowed) -> None:
    """The output policy (seqkit/fileio.py) and a picture format the suffix names."""
    from seqkit.fileio import check_output
    from seqkit.plot.figures import check_suffix

    check_output(output, inputs, force=force)
    check_suffix(output, allowed)


def _save(fig, output: Path) -> None:
    from seqkit.plot.figures import save_figure

    save_figure(fig, output)


@app.command("words")
def words(
    model: str = typer.Argument(..., help="Word vectors: a model from `seqkit train-w2v`, or a word2vec text/binary file."),
    seeds: Optional[List[str]] = typer.Argument(None, help="Words to map (with --neighbours K, each with its K nearest words). None: the --top most frequent words."),
    output: Path = typer.Option(..., "--output", "-o", help="Picture to write: .png, .svg, .pdf, or .html (an interactive page that works offline)."),
    top: int = typer.Option(200, "--top", help="Without WORDs: map the N most frequent words."),
    neighbours: int = typer.Option(0, "--neighbours", "-k", help="Add each WORD's K nearest words, coloured by the WORD they belong to."),
    method: Method = typer.Option(Method.pca, "--method", help="pca (built in), tsne (scikit-learn) or umap (umap-learn)."),
    seed: int = typer.Option(0, "--seed", help="Random seed of t-SNE and UMAP."),
    force: bool = common.FORCE,
) -> None:
    """A 2-D map of word vectors: the words you name (and their neighbours), or the most frequent words.

    Hovering a point of an .html map shows the word and its 5 nearest words in the full model.

    Example: seqkit plot words imdb.w2v good bad great awful -k 8 -o words.png
    Top:     seqkit plot words imdb.w2v --top 500 --method tsne -o top500.html
    """
    from seqkit.embed.keyed import load_vectors
    from seqkit.plot.data import word_map

    _check_output(output, [model], force, (".png", ".svg", ".pdf", ".html"))
    kv = load_vectors(model)
    if method is Method.pca:
        m = word_map(kv, list(seeds or []), top, neighbours, method.value, seed)
    else:
        from seqkit.cli.output import err

        with err.status(f"{method.value}: placing the words (a minute or two for a few thousand)"):
            m = word_map(kv, list(seeds or []), top, neighbours, method.value, seed)
    if output.suffix.lower() == ".html":
        from seqkit.plot.html import write_word_map_html

        write_word_map_html(m, output)
    else:
        from seqkit.plot.figures import draw_word_map

        _save(draw_word_map(m), output)
    message(f"wrote {output}: {len(m.words)} words ({m.method})")


@app.command("history")
def history(
    model: str = typer.Argument(..., help="A model from `seqkit train-w2v` (native format) or `seqkit train-classifier`."),
    output: Path = OUTPUT,
    force: bool = common.FORCE,
) -> None:
    """Training curves recorded in a model file: word2vec loss, learning rate and words/s; a classifier's
    training and validation loss and accuracy per epoch, with the epoch kept marked.

    Example: seqkit plot history imdb.w2v -o curve.png
    """
    from seqkit.plot.data import read_history
    from seqkit.plot.figures import draw_history

    _check_output(output, [model], force, (".png", ".svg", ".pdf"))
    h = read_history(model)
    _save(draw_history(h), output)
    message(f"wrote {output}: {len(h.x)} points ({h.kind})")


@app.command("confusion")
def confusion(
    model: str = typer.Argument(..., help="A model from `seqkit train-classifier`."),
    data: str = typer.Argument(..., help="Labelled test data (same formats as `seqkit evaluate`)."),
    output: Path = OUTPUT,
    fmt: common.DataFormat = common.DATA_FORMAT,
    text_col: Optional[str] = common.TEXT_COL,
    label_col: Optional[str] = common.LABEL_COL,
    force: bool = common.FORCE,
) -> None:
    """The confusion matrix of `seqkit evaluate` as a picture: each row normalised (colour and
    percentage), counts in the cells.

    Example: seqkit plot confusion sentiment.npz test.tsv -o confusion.png
    """
    from seqkit import runtime
    from seqkit.plot.data import evaluate_confusion
    from seqkit.plot.figures import draw_confusion

    _check_output(output, [model, data], force, (".png", ".svg", ".pdf"))
    with runtime.threads(0, keep_freed_memory=True):  # as `seqkit evaluate` predicts
        c = evaluate_confusion(model, data, fmt.value, text_col, label_col)
    _save(draw_confusion(c), output)
    message(f"wrote {output}: {len(c.labels)} classes, {int(c.counts.sum()):,} texts")
