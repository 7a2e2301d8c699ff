"""One-shot queries and predictions import only what they need: no Numba (0.4 s of start-up), SciPy,
gensim or the server's stack. The whole command runs in a fresh process under -X importtime."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

HEAVY = ("numba", "llvmlite", "scipy", "gensim", "pydantic", "fastapi", "starlette", "uvicorn", "dask", "matplotlib")


def imported(args, stdin="") -> set[str]:
    """Top-level modules imported by `seqkit ARGS` in a fresh interpreter."""
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "seqkit", *map(str, args)], input=stdin,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    names = {line.rsplit("|", 1)[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")}
    return {n.split(".")[0] for n in names}


def test_similar_imports_nothing_heavy(tmp_path):
    from seqkit.embed.formats import save_native

    words = ["king", "queen", "man", "woman"]
    save_native(tmp_path / "m.w2v", words, np.arange(4, 0, -1), {"vectors": np.eye(4, dtype=np.float32)}, {})
    assert imported(["similar", tmp_path / "m.w2v", "king"]).isdisjoint(HEAVY + ("rich",))  # a pipe: no table


@pytest.mark.parametrize("text", ["pip install 'seqkit[dask]'", "[bold]x[/bold] and [1, 2]", "a \\[red]b", "end\\",
                                  "end\\\\", "[#fff]c[@click]", "plain"])
def test_help_markup_is_escaped_as_rich_escapes_it(text):
    from rich.markup import escape

    from seqkit.cli import escape_markup

    assert escape_markup(text) == escape(text)


def test_predict_of_a_line_with_a_linear_model_imports_nothing_heavy(tmp_path):
    from tests.models.linear.test_model import _fit, _sentiment

    _fit(_sentiment(100, 0), word_ngrams=2, buckets=50).save(tmp_path / "m.npz")
    assert imported(["predict", tmp_path / "m.npz"], "a good film\n").isdisjoint(HEAVY)


@pytest.mark.parametrize("extra", [["--k", "2"], ["--json"]])
def test_a_long_input_still_takes_the_kernel(tmp_path, extra):
    """The other side of the switch: past SMALL_CHARS of text the Numba kernel predicts (it is faster there)."""
    from seqkit.models.linear.predict_numpy import SMALL_CHARS
    from tests.models.linear.test_model import _fit, _sentiment

    _fit(_sentiment(100, 0), word_ngrams=2, buckets=50).save(tmp_path / "m.npz")
    assert "numba" in imported(["predict", tmp_path / "m.npz", *extra], "a good film\n" * (SMALL_CHARS // 10))
