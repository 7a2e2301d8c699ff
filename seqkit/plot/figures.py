"""Static pictures with matplotlib (no pyplot, no GUI backend): .png, .svg and .pdf.

Each draw_* function takes the data from data.py and returns a matplotlib Figure; its `seqkit_data`
attribute is that data, so that what was drawn can be checked without reading pixels.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seqkit.errors import OptionError
from seqkit.fileio import atomic_path
from seqkit.plot.data import Confusion, History, WordMap
from seqkit.plot.extras import require

STATIC = (".png", ".svg", ".pdf")
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
RC = {"svg.fonttype": "none", "pdf.fonttype": 42, "font.size": 9}  # words stay text in SVG and PDF


def _matplotlib():
    return require("matplotlib", "matplotlib", "a .png, .svg or .pdf picture")


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def group_colours(groups: list[str]) -> dict[str, str]:
    """A colour per group, in order of first appearance."""
    order = list(dict.fromkeys(groups))
    return {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(order)}


def draw_word_map(m: WordMap, labels: bool = True):
    with _matplotlib().rc_context(RC):
        fig = _figure(8, 6)
        ax = fig.add_subplot()
        colours = group_colours(m.groups)
        groups = np.array(m.groups)
        for g, colour in colours.items():
            rows = np.flatnonzero(groups == g)
            ax.scatter(m.xy[rows, 0], m.xy[rows, 1], s=14, color=colour, label=g or None, alpha=0.8, gid=f"group:{g}")
        if labels:
            _place_labels(ax, m)
        if any(m.groups) and len(colours) <= 12:
            ax.legend(title="seed word", loc="best", fontsize=7, title_fontsize=8)
        ax.set_title(m.title)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.seqkit_data = m
    return fig


def _place_labels(ax, m: WordMap) -> None:
    """A label beside each point, moved by adjustText until labels overlap neither each other nor the
    points (a thin line then joins a moved label to its point): close neighbours (awful, abysmal,
    horrendous) stay readable in a dense cluster."""
    adjust_text = require("adjustText", "adjustText", "labels of a word map").adjust_text
    seeds = set(m.groups)
    ax.margins(0.15)  # room for the labels of a cluster at the edge of the map
    texts = [ax.text(x, y, w, fontsize=9 if w in seeds else 7, fontweight="bold" if w in seeds else "normal")
             for (x, y), w in zip(m.xy, m.words)]
    ax.figure.draw_without_rendering()  # the layout (constrained) fixes the axes before labels are measured
    adjust_text(texts, x=m.xy[:, 0], y=m.xy[:, 1], ax=ax, expand=(1.05, 1.2), max_move=None,
                arrowprops={"arrowstyle": "-", "color": "0.55", "lw": 0.5})


def draw_history(h: History):
    with _matplotlib().rc_context(RC):
        if h.kind == "word2vec":
            fig = _figure(8, 6.5)
            axes = fig.subplots(3, 1, sharex=True)
            s = h.series
            axes[0].plot(h.x, s["loss"], ".-", lw=1, ms=2, label="loss per example (chunk)", color=PALETTE[0])
            axes[0].plot(h.x, s["mean_loss"], "-", lw=1.5, label="running mean", color=PALETTE[1])
            axes[0].set_ylabel("loss")
            axes[0].legend(fontsize=7)
            axes[1].plot(h.x, s["alpha"], "-", color=PALETTE[2])
            axes[1].set_ylabel("learning rate")
            axes[2].plot(h.x, s["words_per_s"], "-", color=PALETTE[3])
            axes[2].set_ylabel("words/s (so far)")
            axes[2].set_xlabel("epoch")
        else:
            fig = _figure(8, 5.5)
            axes = fig.subplots(2, 1, sharex=True)
            for ax, what in zip(axes, ("loss", "accuracy")):
                for split, colour in (("train", PALETTE[0]), ("valid", PALETTE[1])):
                    y = h.series[f"{split}_{what}"]
                    if not np.isnan(y).all():
                        ax.plot(h.x, y, "o-", color=colour, label="training" if split == "train" else "validation")
                if h.best_epoch:
                    ax.axvline(h.best_epoch, color="#888888", ls="--", lw=1, label=f"epoch kept ({h.best_epoch})")
                ax.set_ylabel(what)
                ax.legend(fontsize=7)
            axes[-1].set_xlabel("epoch")
            axes[-1].xaxis.get_major_locator().set_params(integer=True)
        for ax in axes:
            ax.grid(alpha=0.3)
        fig.suptitle(h.title)
    fig.seqkit_data = h
    return fig


def draw_confusion(c: Confusion):
    with _matplotlib().rc_context(RC):
        n = len(c.labels)
        size = min(3 + 0.6 * n, 14)
        fig = _figure(size + 1, size)
        ax = fig.add_subplot()
        norm = c.normalized
        image = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
        fig.colorbar(image, ax=ax, label="fraction of the true class")
        if n <= 30:
            for i in range(n):
                for j in range(n):
                    ax.text(j, i, f"{c.counts[i, j]:,}\n{norm[i, j]:.1%}", ha="center", va="center", fontsize=8,
                            color="white" if norm[i, j] > 0.6 else "black")
        ax.set_xticks(range(n), c.labels, rotation=45 if n > 4 else 0, ha="right" if n > 4 else "center")
        ax.set_yticks(range(n), c.labels)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(c.title)
    fig.seqkit_data = c
    return fig


def check_suffix(path, allowed=STATIC + (".html",)) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in allowed:
        raise OptionError(f"cannot tell the format of {path}: name it .png, .svg, .pdf{' or .html' if '.html' in allowed else ''}")
    return suffix


def save_figure(fig, path, dpi: int = 110) -> None:
    """Write ``fig`` atomically; the suffix of ``path`` picks the format."""
    suffix = check_suffix(path, STATIC)
    with _matplotlib().rc_context(RC), atomic_path(path) as tmp:
        fig.savefig(tmp, format=suffix[1:], dpi=dpi, metadata=_metadata(suffix))


def _metadata(suffix: str) -> dict:
    if suffix == ".png":
        return {"Software": "seqkit"}
    if suffix == ".svg":
        return {"Date": None}  # reproducible files
    return {"CreationDate": None}
