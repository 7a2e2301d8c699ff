"""The cases of issue 31 (hardening, round 2), one test or more per class: side files under the
output policy, --cluster addresses, options and metadata sizes behind seqkit/limits.py, no NaN
printed as a result, one TSV escaping rule, third-party failures as one line, plain help texts.
Property-based fuzzing of the new readers is in tests/fuzz/test_model_readers.py."""

from __future__ import annotations

import codecs
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from seqkit.cli import app
from seqkit.tsv import unescape
from tests.cli.test_hardening import EXISTS, cli, one_line, run

ODD = ["tab\tword", "cr\rword", "line\u2028sep", "back\\slash", "two words", "ctl\x01x"]  # words a .bin may hold


@pytest.fixture
def labelled(tmp_path) -> Path:
    path = tmp_path / "t.tsv"
    path.write_text("label\ttext\n" + "pos\tgood film\nneg\tbad plot\n" * 10)
    return path


@pytest.fixture
def odd_model(tmp_path) -> Path:
    from seqkit.embed.formats import save_native

    words = ["the", "film", *ODD]
    path = tmp_path / "odd.w2v"
    vectors = np.random.default_rng(0).standard_normal((len(words), 4)).astype(np.float32)
    save_native(path, words, np.arange(len(words), 0, -1), {"vectors": vectors}, {"training": {}})
    return path


# 1. side files: the checkpoint is an output like the model ----------------------------------------
def test_checkpoint_never_replaces_an_input(labelled, tmp_path):
    ckpt = tmp_path / "m.npz.ckpt"
    ckpt.write_bytes(labelled.read_bytes())
    for args in (["--valid", ckpt], ["--force"]):
        train = ckpt if args == ["--force"] else labelled
        line = one_line(run(["train-classifier", train, "-o", tmp_path / "m.npz", *args, "--epochs", "1"]))
        assert "is the input" in line
    assert ckpt.read_bytes() == labelled.read_bytes()


def test_existing_checkpoint_needs_force(labelled, tmp_path):
    ckpt = tmp_path / "m.npz.ckpt"
    ckpt.write_bytes(b"keep")
    line = one_line(run(["train-classifier", labelled, "-o", tmp_path / "m.npz", "--epochs", "1"]))
    assert EXISTS in line and str(ckpt.name) in line and ckpt.read_bytes() == b"keep"
    assert not (tmp_path / "m.npz").exists()


# 2-3. --cluster: one parser, a bounded worker count, one line for every bad address ---------------
@pytest.mark.parametrize("address", ["tcp://127.0.0.1:abc", "tcp://", "inproc://x", "tls://h:1", "ucx://h:1",
                                     "local:²", "local:100000", "local:0", "tcp://h:70000", "h o s t:1"])
def test_bad_cluster_addresses_exit_2_before_work(tmp_path, address):
    text = tmp_path / "in.txt"
    text.write_text("the film\n")
    line = one_line(run(["preprocess", text, "-o", tmp_path / "c", "--cluster", address]), code=2)
    assert "--cluster" in line and not (tmp_path / "c").exists()


def test_cluster_addresses_that_parse():
    from seqkit.cluster.address import ClusterAddress, machine_cores, parse_cluster

    assert parse_cluster("tcp://10.0.0.1:8786") == ClusterAddress(None, "tcp://10.0.0.1:8786")
    assert parse_cluster("sched.local:8786") == ClusterAddress(None, "tcp://sched.local:8786")
    assert parse_cluster("local").workers == min(machine_cores(), 256)
    assert parse_cluster("local:1").workers == 1


# 3-4. options and metadata sizes behind limits.py ------------------------------------------------
@pytest.mark.parametrize("options", [
    ["--seed", "-1"], ["--lr", "inf"], ["--lr", "1e30"],
    ["--arch", "linear", "--seed", "-1"], ["--arch", "linear", "--lr", "inf"], ["--arch", "linear", "--lr", "1e30"],
    ["--arch", "linear", "--embed-dim", "20000"], ["--arch", "linear", "--buckets", str(10**12), "--word-ngrams", "2"],
    ["--arch", "linear", "--buckets", str(3 * 10**9), "--word-ngrams", "2"], ["--arch", "linear", "--word-ngrams", str(10**9)],
])
def test_classifier_options_over_the_limits_exit_2(labelled, tmp_path, options):
    line = one_line(run(["train-classifier", labelled, "-o", tmp_path / "m.npz", *options]), code=2)
    assert line.split()[1] in options and not (tmp_path / "m.npz").exists()  # "error: --OPTION must be ..."


def test_a_text_too_long_for_the_linear_kernel_is_refused_before_it_runs(monkeypatch):
    from seqkit import limits
    from tests.fuzz.test_model_readers import LINEAR, _write

    from seqkit.models.linear.model import LinearClassifier

    model = LinearClassifier.load(_write("long.npz", LINEAR))
    monkeypatch.setattr(limits, "MAX_TEXT_FEATURES", 1000)  # word_ngrams 2: texts of ~1,000 bytes
    # the kernel's path (predict_proba sends a few short texts to NumPy, whose memory is the text's own)
    assert model.predict_kernel(["good film " * 40], threads=1).shape == (1, 2)
    with pytest.raises(Exception, match="too long for a model with --word-ngrams 2") as e:
        model.predict_kernel(["good", "good film " * 200], threads=1)
    assert type(e.value).__name__ == "InputError"


# 5, 7. no NaN printed, and nothing written that a reader refuses ----------------------------------
def test_export_of_nan_rows_writes_nothing(tmp_path):
    from seqkit.embed.formats import save_native

    words = ["the", "film", "good"]
    rows = np.ones((3, 4), np.float32)
    ngrams = np.full((8, 4), np.nan, np.float32)
    path = tmp_path / "nan.w2v"
    save_native(path, words, np.array([3, 2, 1]), {"vectors": rows, "vectors_vocab": rows, "ngrams": ngrams,
                "trained_buckets": np.packbits(np.ones(8, bool))}, {"subwords": {"minn": 2, "maxn": 3, "buckets": 8}})
    line = one_line(run(["export", path, "-o", tmp_path / "x.bin", "--format", "fasttext-bin"]))
    assert "NaN" in line and not (tmp_path / "x.bin").exists() and not list(tmp_path.glob(".x.bin*"))
    assert "NaN" in one_line(run(["vectors", path, "filmic"]))  # the n-gram rows of a word outside the vocabulary


def test_export_top_of_a_subword_model_keeps_its_ngram_rows(tmp_path):
    from tests.fuzz.test_model_readers import _native_subword_seed, _write

    from seqkit.embed.keyed import load_vectors

    out = tmp_path / "top.w2v"
    r = run(["export", _write("sub-top.w2v", _native_subword_seed()), "-o", out, "--format", "native", "--top", "2"])
    assert r.exit_code == 0, r.stderr
    kv = load_vectors(out)
    assert kv.words == ["the", "film"] and kv.has_subwords and kv.is_oov("filmic")
    assert np.isfinite(kv.vector("filmic")).all()


def test_training_that_diverges_stops_with_one_line():
    from seqkit.errors import SeqkitError
    from seqkit.train import TrainConfig

    with pytest.raises(SeqkitError, match="--lr"):
        TrainConfig(lr=float("inf"))


# 6. one TSV escaping rule ------------------------------------------------------------------------
def test_similar_rows_keep_their_fields(odd_model):
    r = run(["similar", odd_model, "the", "-n", "20"])
    assert r.exit_code == 0, r.stderr
    rows = [line.split("\t") for line in r.stdout.split("\n")[:-1]]
    assert all(len(row) == 2 for row in rows) and len(rows) == len(ODD) + 1
    assert {unescape(row[0]) for row in rows} == {"film", *ODD}


def test_vector_rows_hold_the_word_and_the_numbers_only(odd_model):
    r = run(["vectors", odd_model, *ODD, "--format", "tsv"])
    assert r.exit_code == 0, r.stderr
    rows = [line.split("\t") for line in r.stdout.split("\n")[:-1]]
    assert [unescape(row[0]) for row in rows] == ODD and all(len(row) == 5 for row in rows)
    assert "word2vec text cannot hold" in one_line(run(["vectors", odd_model, "two words"]))


def test_projector_files_escape_words_and_the_model_name(odd_model, tmp_path):
    named = tmp_path / 'my "model"\\x\n.w2v'
    named.write_bytes(odd_model.read_bytes())
    out = tmp_path / "proj"
    r = run(["export", named, "-o", out, "--format", "projector"])
    assert r.exit_code == 0, r.stderr
    rows = [line.split("\t") for line in (out / "metadata.tsv").read_text(encoding="utf-8").split("\n")[1:-1]]
    assert all(len(row) == 2 for row in rows) and [unescape(w) for w, _ in rows] == ["the", "film", *ODD]
    config = (out / "projector_config.pbtxt").read_text(encoding="ascii")
    quoted = re.search(r'tensor_name: "((?:[^"\\]|\\.)*)"\n', config)[1]
    assert codecs.escape_decode(quoted.encode())[0].decode("utf-8") == named.name


def test_projector_round_trip_keeps_odd_words(odd_model, tmp_path):
    """metadata.tsv's words, one a line through `vectors --lines`, give back vectors.tsv after the word."""
    out = tmp_path / "proj"
    assert run(["export", odd_model, "-o", out, "--format", "projector"]).exit_code == 0
    words = "".join(line.split("\t")[0] + "\n" for line in (out / "metadata.tsv").read_text(encoding="utf-8").split("\n")[1:-1])
    r = run(["vectors", odd_model, "--format", "tsv", "--lines"], input=words)
    assert r.exit_code == 0, r.stderr
    numbers = ["\t".join(line.split("\t")[1:]) for line in r.stdout.split("\n")[:-1]]
    assert numbers == (out / "vectors.tsv").read_text().split("\n")[:-1]


def test_labels_with_tabs_and_newlines_stay_in_their_fields(tmp_path):
    data = tmp_path / "t.jsonl"
    data.write_text("".join(json.dumps({"text": t, "label": lab}) + "\n"
                            for t, lab in [("good film", "po\ts"), ("bad plot", "ne\ng")] * 10))
    model = tmp_path / "m.npz"
    r = run(["train-classifier", data, "-o", model, "--arch", "linear", "--epochs", "2", "-q"])
    assert r.exit_code == 0, r.stderr
    for args, fields in ((["--k", "2"], 4), ([], 2)):
        r = run(["predict", model, "-", *args], input="good film\nbad plot\n")
        assert r.exit_code == 0, r.stderr
        rows = [line.split("\t") for line in r.stdout.split("\n")[:-1]]
        assert len(rows) == 2 and all(len(row) == fields for row in rows)
        assert {unescape(row[0]) for row in rows} == {"po\ts", "ne\ng"}


# 3, 9. third-party calls and the pictures ----------------------------------------------------------
def test_tsne_on_zero_vectors_and_a_negative_seed(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    from seqkit.embed.formats import save_native

    path = tmp_path / "zero.w2v"
    words = [f"w{i}" for i in range(8)]
    save_native(path, words, np.arange(8, 0, -1), {"vectors": np.zeros((8, 4), np.float32)}, {"training": {}})
    p = cli(["plot", "words", path, "--top", "8", "--method", "tsne", "-o", tmp_path / "z.png"])
    assert p.returncode in (0, 1) and "Traceback" not in p.stderr, p.stderr  # never a signal (segfault)
    p = cli(["plot", "words", path, "--top", "8", "--method", "tsne", "--seed", "-1", "-o", tmp_path / "s.png"])
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "--seed" in p.stderr


def test_plot_confusion_takes_a_linear_model(labelled, tmp_path):
    pytest.importorskip("matplotlib")
    model = tmp_path / "lin.npz"
    assert run(["train-classifier", labelled, "-o", model, "--arch", "linear", "--epochs", "1", "-q"]).exit_code == 0
    r = run(["plot", "confusion", model, labelled, "-o", tmp_path / "c.png"])
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "c.png").stat().st_size > 0


# 27 (item 4). help texts are plain text -----------------------------------------------------------
def _commands(command, path=()):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_every_help_text_shows_its_brackets():
    """Every command's --help shows each [bracketed] word of its help texts (rich markup would eat them)."""
    root = typer.main.get_command(app)
    checked = 0
    for path, command in _commands(root):
        texts = [command.help or ""] + [getattr(p, "help", None) or "" for p in command.params]
        wanted = {m for t in texts for m in re.findall(r"\[[A-Za-z][\w-]*\]", t)}
        if not wanted:
            continue
        r = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "400", "TERM": "dumb"})
        assert r.exit_code == 0, (path, r.stdout)
        missing = {w for w in wanted if w not in r.stdout}
        assert not missing, (path, missing)
        checked += 1
    assert checked >= 3  # preprocess, predict, plot, ... say pip install 'seqkit[dask]' or [plot]
