"""--deterministic through the CLI: train-w2v on 1 thread and, in a process with a pool of 4, on 4 threads gives
the same `export --format word2vec-text`; the linear classifier's option; misuse is refused."""

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from seqkit.cli import app
from tests.embed.conftest import write_planted_text

runner = CliRunner()
TRAIN = ["--dim", "8", "--epochs", "2", "--min-count", "1", "--seed", "3", "--deterministic", "--quiet", "--force"]


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory):
    """40,000 words: rounds of two chunks (embed.deterministic.default_chunk_words) and a shorter last one."""
    return write_planted_text(tmp_path_factory.mktemp("c") / "planted.txt", docs=4000)


def _export(model) -> bytes:
    out = model.with_suffix(".txt")
    result = runner.invoke(app, ["export", str(model), "-o", str(out), "--format", "word2vec-text"])
    assert result.exit_code == 0, result.stderr
    return out.read_bytes()


@pytest.mark.parametrize("subwords", [[], ["--subwords", "--minn", "3", "--maxn", "4", "--buckets", "500"]],
                         ids=["word2vec", "subwords"])
def test_one_thread_and_four_threads_export_the_same_text(corpus_file, tmp_path, subwords):
    one, four = tmp_path / "one.w2v", tmp_path / "four.w2v"
    result = runner.invoke(app, ["train-w2v", str(corpus_file), "-o", str(one), "--threads", "1", *TRAIN, *subwords])
    assert result.exit_code == 0, result.stderr
    env = {**os.environ, "NUMBA_NUM_THREADS": "4"}  # a pool of 4 even on a 2-core machine
    subprocess.run([sys.executable, "-m", "seqkit", "train-w2v", str(corpus_file), "-o", str(four), "--threads", "4",
                    *TRAIN, *subwords], check=True, env=env, timeout=600)
    assert _export(one) == _export(four)


def test_deterministic_is_refused_for_other_architectures(tmp_path):
    data = tmp_path / "d.tsv"
    data.write_text("label\ttext\npos\tgood film\nneg\tbad film\n")
    result = runner.invoke(app, ["train-classifier", str(data), "-o", str(tmp_path / "m.npz"), "--arch", "gru",
                                 "--deterministic"])
    assert result.exit_code != 0 and "--deterministic" in result.stderr and "Traceback" not in result.stderr
