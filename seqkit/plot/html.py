"""An interactive word map as one self-contained HTML page (plotly, with plotly.js embedded).

plotly rather than bokeh: a plotly figure is one JSON-able object written by a single call with the
JavaScript inlined (`include_plotlyjs=True`), zoom, pan and hover need no code of ours, and the page
works offline from a file:// URL; bokeh's standalone pages need its resources inlined separately and
custom hover text through a ColumnDataSource and a template. The page's size (about 4.6 MB) is
plotly.js itself.
"""

from __future__ import annotations

import html as _html

import numpy as np

from seqkit.fileio import atomic_open
from seqkit.plot.data import WordMap
from seqkit.plot.extras import require
from seqkit.plot.figures import group_colours

MAX_LABELS = 150  # words labelled on the map (the first ones: seed words, or the most frequent); the rest on hover


def label_text(text: str) -> str:
    """``text`` as plotly shows it literally: its labels are pseudo-HTML, so `<b>x</b>` would show a
    bold "x" and `&lt;` a "<"; with <, > and & escaped the word shows as it is."""
    return _html.escape(text, quote=False)


def label_positions(xy: np.ndarray, labelled: np.ndarray | None = None) -> list[str]:
    """plotly's text position for each point: on the side away from its nearest point, so that the
    labels of two close words point apart instead of printing over each other. Only the ``labelled``
    points (indices; default all) are placed, against all points: (L, n) distances."""
    positions = ["top center"] * len(xy)
    idx = np.arange(len(xy)) if labelled is None else np.asarray(labelled, np.int64)
    if len(xy) < 2 or not len(idx):
        return positions
    d2 = ((xy[idx, None, :] - xy[None, :, :]) ** 2).sum(axis=2)  # (L, n) squared distances
    d2[np.arange(len(idx)), idx] = np.inf
    away = xy[idx] - xy[d2.argmin(axis=1)]  # (L, 2) from the nearest point to this one
    for i, (dx, dy) in zip(idx, away):
        positions[i] = (("middle right" if dx >= 0 else "middle left") if abs(dx) > abs(dy) else
                        ("top center" if dy >= 0 else "bottom center"))
    return positions


def hover_text(word: str, neighbours: list[str]) -> str:
    near = ", ".join(_html.escape(n) for n in neighbours)
    return f"<b>{_html.escape(word)}</b><br>nearest: {near}" if near else f"<b>{_html.escape(word)}</b>"


def word_map_figure(m: WordMap):
    """A plotly Figure: one trace per seed word (one for a --top map), one marker per word."""
    go = require("plotly.graph_objects", "plotly", "an .html map")
    colours = group_colours(m.groups)
    groups = np.array(m.groups)
    shown = [i for i in range(len(m.words)) if i < MAX_LABELS or m.words[i] == m.groups[i]]
    positions, shown_set = label_positions(m.xy, shown), set(shown)
    fig = go.Figure()
    for g, colour in colours.items():
        rows = np.flatnonzero(groups == g)
        fig.add_trace(go.Scatter(
            x=m.xy[rows, 0].tolist(), y=m.xy[rows, 1].tolist(), mode="markers+text",
            name=label_text(g) or "words", textposition=[positions[i] for i in rows],
            text=[label_text(m.words[i]) if i in shown_set else "" for i in rows],
            hovertext=[hover_text(m.words[i], m.neighbours[i]) for i in rows], hoverinfo="text",
            marker={"size": 8, "color": colour, "opacity": 0.85}, textfont={"size": 11},
        ))
    fig.update_layout(
        title=label_text(m.title), template="plotly_white", showlegend=bool(any(m.groups)), hovermode="closest",
        xaxis={"showticklabels": False, "zeroline": False}, yaxis={"showticklabels": False, "zeroline": False},
        dragmode="pan", margin={"l": 20, "r": 20, "t": 50, "b": 20},
    )
    return fig


def write_word_map_html(m: WordMap, path) -> None:
    """The page, written atomically; it needs no network (plotly.js is inside)."""
    page = word_map_figure(m).to_html(
        include_plotlyjs=True, full_html=True, default_height="92vh", config={"scrollZoom": True, "displaylogo": False, "responsive": True},
    )
    with atomic_open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(page)
