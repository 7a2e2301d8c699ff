"""train-w2v through the CLI: raw text, preprocessed folders, --demo, --init, --format, bad options, Ctrl-C."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from seqkit.cli import app
from tests.embed.conftest import PAIRS, write_planted_text

runner = CliRunner()


def run(args, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory):
    return write_planted_text(tmp_path_factory.mktemp("c") / "planted.txt", docs=1500)


@pytest.fixture(scope="module")
def model(corpus_file, tmp_path_factory):
    path = tmp_path_factory.mktemp("m") / "model.w2v"
    result = run(["train-w2v", corpus_file, "-o", path, "--dim", 24, "--window", 2, "--epochs", 8, "--min-count", 1,
                  "--sample", 0, "--threads", 1, "--alpha", 0.05, "--quiet"])
    assert result.exit_code == 0, result.stderr
    return path


def test_train_then_similar_finds_the_planted_pair(model):
    result = run(["similar", model, "left0", "-n", 5])
    assert result.exit_code == 0
    neighbours = [line.split("\t")[0] for line in result.stdout.splitlines()]
    assert "right0" in neighbours and len(neighbours) == 5


def test_train_word2vec_format_directly(corpus_file, tmp_path):
    out = tmp_path / "v.bin"
    result = run(["train-w2v", corpus_file, "-o", out, "--format", "word2vec-bin", "--dim", 8, "--epochs", 1,
                  "--min-count", 1, "--quiet"])
    assert result.exit_code == 0 and out.read_bytes().split(b"\n", 1)[0].endswith(b" 8")


def test_train_from_a_preprocessed_folder_and_continue(corpus_file, model, tmp_path):
    folder = tmp_path / "corpus"
    assert run(["preprocess", corpus_file, "-o", folder, "--min-count", 1]).exit_code == 0
    out = tmp_path / "m2"
    assert run(["train-w2v", folder, "-o", out, "--dim", 8, "--epochs", 1, "--quiet"]).exit_code == 0
    more = tmp_path / "m3"
    result = run(["train-w2v", corpus_file, "--init", model, "-o", more, "--epochs", 1, "--quiet"])
    assert result.exit_code == 0, result.stderr
    assert run(["similar", more, "left0"]).exit_code == 0


def test_demo_trains(tmp_path):
    """The demo corpus (gensim's Lee background news) trains into vectors that moved from their start,
    with a loss below an untrained model's, and `similar` answers from its vocabulary."""
    from seqkit.embed.trainer import Word2VecModel, init_weights

    out = tmp_path / "demo"
    r = run(["train-w2v", "--demo", "-o", out, "--epochs", 1, "--quiet", "--threads", 1])
    assert r.exit_code == 0, r.stderr
    m = Word2VecModel.load(out)
    V, dim = m.vectors.shape
    assert dim == 100 and 1000 < V < 10000 and "government" in m.vocab.index
    assert np.isfinite(m.vectors).all()
    start = init_weights(V, dim, 1)  # the default --seed
    moved = np.linalg.norm(m.vectors - start, axis=1) / np.linalg.norm(start, axis=1)  # (V,)
    assert np.median(moved) > 1.0, np.median(moved)  # the typical word trained, not just a few
    untrained = 6 * np.log(2.0)  # -log sigmoid(0) for the word and each of 5 noise words
    assert 0 < m.config["mean_loss"] < 0.9 * untrained, m.config["mean_loss"]
    r = run(["similar", out, "government", "-n", 3])
    assert r.exit_code == 0, r.stderr
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    assert len(rows) == 3 and all(w in m.vocab.index and w != "government" for w, _ in rows)
    cosines = [float(c) for _, c in rows]
    assert cosines == sorted(cosines, reverse=True) and -1 <= cosines[-1] <= cosines[0] <= 1


@pytest.mark.parametrize(
    "args,code,message",
    [
        (["--dim", "0"], 2, "--dim"),
        (["--window", "0"], 2, "--window"),
        (["--alpha", "-0.5"], 2, "--alpha"),
        (["--loss", "ns", "--negative", "0"], 2, "--negative"),
        (["--min-count", "100000"], 1, "no word occurs at least --min-count=100000"),
    ],
)
def test_bad_options(corpus_file, tmp_path, args, code, message):
    result = run(["train-w2v", corpus_file, "-o", tmp_path / "m", *args])
    assert result.exit_code == code and message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "m").exists()


def test_interrupted_training_keeps_the_previous_model(corpus_file, model, tmp_path, monkeypatch):
    import seqkit.embed.trainer as trainer

    target = tmp_path / "keep.w2v"
    target.write_bytes(model.read_bytes())

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(trainer, "train", interrupted)
    result = run(["train-w2v", corpus_file, "-o", target, "--quiet", "--force"])
    assert result.exit_code == 130
    assert target.read_bytes() == model.read_bytes()




def test_checkpoint_survives_ctrl_c_in_a_later_epoch(corpus_file, tmp_path, monkeypatch):
    from seqkit.embed import kernels
    from seqkit.embed.trainer import Word2VecModel

    real, calls = kernels.train_shards, []

    def interrupt_in_epoch_two(*args):
        if args[5].shape[0]:  # not the warm-up call on no shards, which only compiles the kernel
            calls.append(1)
        if len(calls) > 1:  # the small corpus is one kernel call per epoch
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(kernels, "train_shards", interrupt_in_epoch_two)
    out = tmp_path / "ckpt.w2v"
    result = run(["train-w2v", corpus_file, "-o", out, "--epochs", 3, "--dim", 8, "--min-count", 1,
                  "--threads", 1, "--checkpoint", "--quiet"])
    assert result.exit_code == 130
    saved = Word2VecModel.load(out)  # the model after epoch 1
    assert saved.vectors.shape[1] == 8 and "left0" in saved.vocab.index
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.w2v"]  # no temp files left
