"""The interactive map opened in a real headless browser (Debian's chromium): it loads with no console
message, draws one point per word, and its screenshot is not blank. Skips where no chromium is found."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import numpy as np
import pytest

from seqkit.plot.data import word_map
from seqkit.plot.html import hover_text, word_map_figure, write_word_map_html
from tests.plot.conftest import CLUSTERS

pytest.importorskip("plotly", reason="the plot extra is not installed (pip install 'seqkit[plot]')")

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def browser() -> str:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no chromium found (apt-get install chromium; .ci/run installs it where it can)")


def headless(page, tmp_path, *extra: str) -> subprocess.CompletedProcess:
    """chromium --headless on a file:// page; the console goes to stderr as 'CONSOLE' lines."""
    args = [
        browser(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
        "--virtual-time-budget=10000", "--window-size=1000,700", *extra, page.resolve().as_uri(),
    ]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, env={**os.environ, "LANG": "C.UTF-8"})


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_the_console_check_sees_an_error(tmp_path):
    """The check below can fail: a page with an error shows up in the console lines."""
    page = tmp_path / "bad.html"
    page.write_text("<html><body><script>undefinedFunction();</script></body></html>")
    out = headless(page, tmp_path, "--dump-dom")
    assert any("undefinedFunction" in line for line in console_lines(out.stderr)), out.stderr[-2000:]


@pytest.fixture
def page(kv, tmp_path):
    m = word_map(kv, ["good", "bad", "cat"], neighbours=3)
    path = tmp_path / "map.html"
    write_word_map_html(m, path)
    return m, path


def test_page_is_self_contained(page):
    _, path = page
    text = path.read_text()
    assert "<script src=" not in text.replace('<script src="data:', "")  # plotly.js inlined, nothing fetched
    assert "Plotly.newPlot" in text


def test_hover_shows_the_word_and_its_neighbours(page):
    m, _ = page
    fig = word_map_figure(m)
    hovers = [h for trace in fig.data for h in trace.hovertext]
    assert hovers[0] == hover_text("good", m.neighbours[0])
    assert all(n in hovers[0] for n in CLUSTERS["good"])
    assert [len(t.x) for t in fig.data] == [4, 4, 4] and [t.name for t in fig.data] == ["good", "bad", "cat"]


def test_page_loads_without_console_messages_and_draws_one_point_per_word(page, tmp_path):
    m, path = page
    out = headless(path, tmp_path, "--dump-dom")
    assert out.returncode == 0, out.stderr[-2000:]
    assert console_lines(out.stderr) == []
    dom = out.stdout
    assert dom.count('class="point"') == len(m.words)
    labels = re.findall(r'class="textpoint"[^>]*><text[^>]*data-unformatted="([^"]*)"', dom)
    assert sorted(labels) == sorted(m.words)


def test_screenshot_is_not_blank(page, tmp_path):
    from PIL import Image

    _, path = page
    shot = tmp_path / "shot.png"
    out = headless(path, tmp_path, f"--screenshot={shot}")
    assert shot.exists(), out.stderr[-2000:]
    image = np.asarray(Image.open(shot).convert("RGB"), dtype=np.float64)  # (H, W, 3)
    assert image.shape[:2] == (700, 1000)
    assert image.std() > 5  # not one flat colour
    colours = {tuple(int(v) for v in c) for c in image.reshape(-1, 3)[::7]}
    assert len(colours) > 20  # markers in several colours, labels, axes


def test_large_maps_label_the_first_words_and_every_seed(kv, monkeypatch):
    import seqkit.plot.html as H

    monkeypatch.setattr(H, "MAX_LABELS", 3)
    m = word_map(kv, ["good", "bad", "cat"], neighbours=3)
    labelled = [t for trace in word_map_figure(m).data for t in trace.text if t]
    assert labelled == m.words[:3] + ["bad", "cat"]
