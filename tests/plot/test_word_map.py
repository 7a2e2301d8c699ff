"""Word maps: the points are the words asked for, placed by the projection; the files decode."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from typer.testing import CliRunner

from seqkit.cli import app
from seqkit.plot.data import word_map
from seqkit.plot.figures import draw_word_map
from seqkit.plot.projection import pca, project
from tests.plot.conftest import CLUSTERS

runner = CliRunner()


def run(args):
    return runner.invoke(app, [str(a) for a in args])


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_seed_words_and_their_neighbours_are_the_points_in_order(kv):
    m = word_map(kv, ["good", "cat"], neighbours=3)
    assert m.words[0] == "good" and m.words[4] == "cat"
    assert set(m.words) == {"good", "cat", *CLUSTERS["good"], *CLUSTERS["cat"]} and len(m.words) == 8
    assert m.groups == ["good"] * 4 + ["cat"] * 4
    assert m.xy.shape == (8, 2)
    assert set(m.neighbours[0][:3]) == set(CLUSTERS["good"])  # hover text: the nearest words


def test_top_map_takes_the_most_frequent_words(kv):
    m = word_map(kv, top=10)
    assert m.words == kv.words[:10] and m.groups == [""] * 10


def test_clusters_stay_apart_on_the_map(kv):
    m = word_map(kv, ["good", "bad"], neighbours=3)
    xy = dict(zip(m.words, m.xy))
    within = np.linalg.norm(xy["good"] - xy["great"])
    across = np.linalg.norm(xy["good"] - xy["awful"])
    assert across > 5 * within


def test_pca_matches_the_singular_vectors_up_to_sign():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 6)) * np.array([5, 2, 0.1, 0.1, 0.1, 0.1])
    xy = pca(x)
    centred = x - x.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    np.testing.assert_allclose(np.abs(xy), np.abs(u[:, :2] * s[:2]), atol=1e-9)
    assert xy[:, 0].var() > xy[:, 1].var()


@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_other_projections_give_one_point_per_word(kv, method):
    pytest.importorskip("sklearn" if method == "tsne" else "umap")
    xy = project(kv.vectors[:16], method, seed=0)
    assert xy.shape == (16, 2) and np.isfinite(xy).all()


def test_a_missing_extra_is_named(kv, monkeypatch):
    import sys

    from seqkit.plot.extras import MissingExtraError

    monkeypatch.setitem(sys.modules, "sklearn.manifold", None)  # as if scikit-learn were not installed

    with pytest.raises(MissingExtraError, match=r"scikit-learn.*seqkit\[plot\]"):
        project(kv.vectors, "tsne")


def test_the_figure_draws_exactly_the_map(kv):
    m = word_map(kv, ["good", "bad"], neighbours=2)
    fig = draw_word_map(m)
    ax = fig.axes[0]
    drawn = np.vstack([c.get_offsets() for c in ax.collections])
    np.testing.assert_allclose(np.sort(drawn, axis=0), np.sort(m.xy, axis=0))
    assert [t.get_text() for t in ax.texts] == m.words
    assert fig.seqkit_data is m


def test_png_svg_pdf_from_the_command_line(model_file, tmp_path):
    png, svg, pdf = tmp_path / "m.png", tmp_path / "m.svg", tmp_path / "m.pdf"
    r = run(["plot", "words", model_file, "good", "bad", "-k", "3", "-o", png])
    assert r.exit_code == 0, r.stderr
    assert "8 words" in r.stderr and r.stdout == ""
    w, h = png_size(png)
    assert 400 < w < 2000 and 300 < h < 2000
    assert run(["plot", "words", model_file, "good", "bad", "-k", "3", "-o", svg]).exit_code == 0
    text = svg.read_text()
    assert text.startswith("<?xml") and "</svg>" in text
    for word in ["good", "bad", *CLUSTERS["good"], *CLUSTERS["bad"]]:
        assert f">{word}</text>" in text  # words stay text in the SVG
    assert run(["plot", "words", model_file, "--top", "12", "-o", pdf]).exit_code == 0
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 1000


def test_bad_requests_are_one_line_errors(model_file, tmp_path):
    out = tmp_path / "x.png"
    r = run(["plot", "words", model_file, "nosuchword", "-o", out])
    assert r.exit_code == 1 and "nosuchword" in r.stderr and "Traceback" not in r.stderr and not out.exists()
    r = run(["plot", "words", model_file, "good", "-o", tmp_path / "x.gif"])
    assert r.exit_code == 2 and ".png, .svg, .pdf or .html" in r.stderr  # a bad option: exit 2
    r = run(["plot", "words", model_file, "good", "-o", out])
    assert r.exit_code == 2 and "at least 2 words" in r.stderr
    out.write_bytes(b"keep")
    r = run(["plot", "words", model_file, "good", "bad", "-o", out])
    assert r.exit_code == 1 and "--force" in r.stderr and out.read_bytes() == b"keep"
    assert run(["plot", "words", model_file, "good", "bad", "-o", out, "--force"]).exit_code == 0
    r = run(["plot", "words", model_file, "--top", "5", "-o", model_file, "--force"])
    assert r.exit_code == 1 and "is the input" in r.stderr  # the one output policy (seqkit/fileio.py)


def test_a_seed_word_keeps_its_own_group_when_another_seed_is_near(kv):
    m = word_map(kv, ["good", "great"], neighbours=3)
    assert m.groups[m.words.index("great")] == "great"
    assert m.words.count("great") == 1 and m.groups.count("good") == 3  # good + fine + nice


def _dense_map():
    """Nine words in one tight cluster: awful and eight near-synonyms."""
    from seqkit.embed.keyed import KeyedVectors

    rng = np.random.default_rng(0)
    words = ["awful", "abysmal", "horrendous", "dreadful", "atrocious", "terrible", "horrible", "appalling", "lousy",
             "film", "movie"]
    centre = rng.standard_normal(16)
    vectors = centre + 0.05 * rng.standard_normal((len(words), 16))  # (11, 16)
    vectors[-2:] = rng.standard_normal((2, 16))  # two words elsewhere: the cluster is dense on the map
    kv = KeyedVectors(words, vectors.astype(np.float32), np.arange(len(words), 0, -1), {}, source="dense.w2v")
    return word_map(kv, top=len(words))


def _overlapping_labels(fig) -> int:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].texts]
    return sum(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_labels_of_a_dense_cluster_do_not_pile_up():
    pytest.importorskip("adjustText")
    fig = draw_word_map(_dense_map())
    assert len(fig.axes[0].texts) == 11
    assert _overlapping_labels(fig) == 0


def test_html_labels_are_the_words_as_they_are():
    """plotly reads labels as pseudo-HTML: <, > and & are escaped so that `<b>bold</b>` is not bold."""
    pytest.importorskip("plotly")
    from seqkit.plot.data import WordMap
    from seqkit.plot.html import word_map_figure

    m = WordMap(["<b>bold</b>", "&lt;tag&gt;"], np.array([[0.0, 0.0], [1.0, 1.0]]), ["", ""], [[], []], "pca", "<i>t</i>")
    fig = word_map_figure(m)
    assert list(fig.data[0].text) == ["&lt;b&gt;bold&lt;/b&gt;", "&amp;lt;tag&amp;gt;"]
    assert fig.layout.title.text == "&lt;i&gt;t&lt;/i&gt;"


def test_html_labels_of_close_words_point_apart():
    from seqkit.plot.html import label_positions

    xy = np.array([[0.0, 0.0], [0.0, 0.01], [5.0, 5.0], [5.01, 5.0]])
    assert label_positions(xy) == ["bottom center", "top center", "middle left", "middle right"]
