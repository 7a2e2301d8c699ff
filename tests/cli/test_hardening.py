"""The cases of issue 14, one test (or more) per example: no traceback, no damaged or deleted input,
bounded allocations, one overwrite policy, no leftovers. Property-based fuzzing of every reader is in
tests/fuzz/test_readers.py."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from seqkit.cli import app
from seqkit.errors import InputError, ModelFormatError, OutputError

runner = CliRunner()
WORDS = ["the", "film", "good", "bad", "plot"]
TEXT = "the film was good\nthe plot was bad\n" * 20
EXISTS = "already exists: choose another output or pass --force to replace it"


def run(args, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


SEQKIT = [sys.executable, "-c", "from seqkit.cli import main; main()"]


def one_line(result, code=1) -> str:
    assert result.exit_code == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def cli(args, **kw) -> subprocess.CompletedProcess:
    """seqkit in a real process (for file descriptors, resource limits and signals)."""
    return subprocess.run([*SEQKIT, *map(str, args)], capture_output=True, text=True, timeout=120, **kw)


@pytest.fixture
def model(tmp_path) -> Path:
    from seqkit.embed.formats import save_native

    path = tmp_path / "m.w2v"
    vectors = np.random.default_rng(0).standard_normal((len(WORDS), 4)).astype(np.float32)
    save_native(path, WORDS, np.array([50, 40, 30, 20, 10]), {"vectors": vectors}, {"training": {}})
    return path


@pytest.fixture
def text(tmp_path) -> Path:
    path = tmp_path / "in.txt"
    path.write_text(TEXT)
    return path


@pytest.fixture
def labelled(tmp_path) -> Path:
    path = tmp_path / "t.tsv"
    path.write_text("label\ttext\n" + "pos\tgood film\nneg\tbad plot\n" * 10)
    return path


# 1. Writing outputs ---------------------------------------------------------------------------------
def test_parent_that_is_a_file_is_one_line(model, text):
    line = one_line(run(["export", model, "-o", text / "x.bin"]))
    assert "is a file, not a folder" in line


def test_output_that_is_a_folder_is_refused_even_with_force(model, tmp_path):
    (tmp_path / "d").mkdir()
    line = one_line(run(["export", model, "-o", tmp_path / "d", "--force"]))
    assert "is a folder" in line and (tmp_path / "d").is_dir()


def test_missing_folder_is_refused_before_training(text, tmp_path, monkeypatch):
    import seqkit.embed.trainer as trainer

    monkeypatch.setattr(trainer, "train", lambda *a, **k: pytest.fail("trained before checking the output"))
    line = one_line(run(["train-w2v", text, "-o", tmp_path / "no" / "m.w2v", "--quiet"]))
    assert "does not exist" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_unwritable_folder_is_one_line(model, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    line = one_line(run(["export", model, "-o", locked / "x.bin"]))
    assert "not writable" in line


def test_unwritable_folder_is_checked_before_work(model, tmp_path, monkeypatch):
    """The same check where the tests run as root (who may write anywhere): os.access says no."""
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **k: False if Path(p) == tmp_path else real(p, mode, **k))
    line = one_line(run(["export", model, "-o", tmp_path / "x.bin"]))
    assert "not writable" in line


def _limit_file_size():
    import resource

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))


def test_a_write_that_fails_midway_is_one_line_and_leaves_nothing(model, tmp_path):
    """A full disk, as the kernel reports it (a file-size limit: the write fails after 2 KiB)."""
    big = tmp_path / "big.w2v"
    from seqkit.embed.formats import save_native

    words = [f"w{i}" for i in range(400)]
    save_native(big, words, np.arange(400, 0, -1), {"vectors": np.ones((400, 8), np.float32)}, {})
    r = cli(["export", big, "-o", tmp_path / "out.txt", "--format", "word2vec-text"], preexec_fn=_limit_file_size)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "cannot write" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.w2v", "m.w2v"]  # no output, no temporary


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_stdout_to_dev_full_is_one_line(model):
    with open("/dev/full", "w") as full:
        r = subprocess.run([*SEQKIT, "vectors", str(model), "the", "film"],
                           stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.strip().splitlines() == ["error: No space left on device"]


def test_broken_pipe_is_quiet(model):
    p = subprocess.Popen([*SEQKIT, "vectors", str(model), *WORDS * 2000],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.read(10)
    p.stdout.close()
    err = p.stderr.read().decode()
    assert p.wait(timeout=120) == 0 and "Traceback" not in err and "Exception" not in err, err


# 2. Rich markup in user text ------------------------------------------------------------------------
def test_markup_in_a_word_is_printed_as_it_is(model):
    line = one_line(run(["similar", model, "[/x]"]))
    assert "'[/x]' is not in the vocabulary" in line


def test_batch_queries_go_on_after_a_word_with_markup(model):
    r = run(["similar", model, "-n", "1"], input="[/x]\n[bold]y\nthe\n")
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    assert "'[/x]'" in r.stderr and "'[bold]y'" in r.stderr
    assert r.stdout.strip(), "the third query was answered"


def test_markup_in_an_output_path(text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("[").mkdir()
    r = run(["preprocess", text, "-o", "[/x]", "--min-count", "1", "--quiet"])
    assert r.exit_code == 0, r.stderr
    assert "wrote [/x]:" in r.stderr
    r = run(["preprocess", text, "-o", "[bold]c", "--min-count", "1", "--quiet"])
    assert r.exit_code == 0 and "wrote [bold]c:" in r.stderr


# 3. Sizes claimed by files and options --------------------------------------------------------------
def test_word2vec_header_of_a_trillion_rows(tmp_path):
    from seqkit.embed.keyed import load_vectors

    path = tmp_path / "huge.bin"
    path.write_bytes(b"1000000000000 100\n" + b"w " + b"\0" * 400 + b"\n")
    with pytest.raises(ModelFormatError, match="header says 1,000,000,000,000 words"):
        load_vectors(path)
    assert "header says" in one_line(run(["similar", path, "w"]))


def _classifier(tmp_path, **meta_changes) -> Path:
    from seqkit.models import io as model_io
    from seqkit.models.bundle import PARAM_PREFIX, TrainedClassifier
    from seqkit.models.classifier import ClassifierConfig, SequenceClassifier
    from seqkit.models.data import TextOptions

    config = ClassifierConfig(vocab_size=4, n_classes=2, arch="transformer", embed_dim=4, heads=2, ffn=4, max_len=8)
    clf = TrainedClassifier(SequenceClassifier(config, np.random.default_rng(0)), ["<pad>", "<unk>", "good", "bad"],
                            ["neg", "pos"], TextOptions(max_len=8))
    meta = clf._meta()
    for path, value in meta_changes.items():
        node = meta
        *parents, last = path.split("__")
        for key in parents:
            node = node[key]
        node[last] = value
    out = tmp_path / "c.npz"
    model_io.save_arrays(out, {PARAM_PREFIX + k: v for k, v in clf.model.state_dict().items()}, meta)
    return out


@pytest.mark.parametrize("change", [{"architecture__vocab_size": 10**11}, {"architecture__max_len": 10**10},
                                    {"architecture__hidden": 10**9}, {"architecture__layers": 60}])
def test_classifier_metadata_claiming_huge_sizes(tmp_path, change):
    path = _classifier(tmp_path, **change)
    line = one_line(run(["predict", path], input="good\n"))
    assert "corrupted" in line or "must be between" in line


@pytest.mark.parametrize("option", [["--dim", "100000000"], ["--window", "10000000"], ["--negative", "100000"]])
def test_absurd_word2vec_options_exit_2(text, tmp_path, option):
    line = one_line(run(["train-w2v", text, "-o", tmp_path / "m.w2v", *option]), code=2)
    assert "must be between" in line


@pytest.mark.parametrize("option", [["--max-len", "1000000000"], ["--hidden", "100000000"], ["--embed-dim", "10000000"],
                                    ["--batch-size", "100000000"], ["--ffn", "1000000000"], ["--layers", "100000"]])
def test_absurd_classifier_options_exit_2(labelled, tmp_path, option):
    line = one_line(run(["train-classifier", labelled, "-o", tmp_path / "c.npz", "--quiet", *option]), code=2)
    assert "must be between" in line


def _tarball(path: Path, members: dict[str, bytes]) -> Path:
    import io
    import tarfile

    with tarfile.open(path, "w:gz") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return path


def test_oversized_tarball_member_is_refused_unread(tmp_path, monkeypatch):
    import seqkit.datasets.imdb as imdb

    monkeypatch.setattr(imdb, "MAX_IMDB_MEMBER", 100)  # the real limit is 16 MiB; the rule is what is tested
    path = _tarball(tmp_path / "a.tar.gz", {"aclImdb/train/pos/1_9.txt": b"good", "aclImdb/train/neg/2_1.txt": b"x" * 101})
    with pytest.raises(InputError, match="101 bytes: no IMDB review"):
        imdb.read_split(str(path))


def test_review_id_of_5000_digits_is_not_a_review(tmp_path):
    from seqkit.datasets.imdb import read_split

    path = _tarball(tmp_path / "a.tar.gz", {"aclImdb/train/pos/1_9.txt": b"good",
                                            f"aclImdb/train/neg/{'9' * 5000}_1.txt": b"bad"})
    assert [r.text for r in read_split(str(path))] == ["good"]


# 4. Corpus folders -----------------------------------------------------------------------------------
@pytest.fixture
def corpus(text, tmp_path) -> Path:
    r = run(["preprocess", text, "-o", tmp_path / "c", "--min-count", "1", "--quiet"])
    assert r.exit_code == 0, r.stderr
    return tmp_path / "c"


def _stats_error(corpus) -> str:
    return one_line(run(["corpus", "stats", corpus]))


def test_count_of_25_digits(corpus):
    vocab = corpus / "vocab.tsv"
    vocab.write_text(vocab.read_text().replace("\t", "\t" + "9" * 24, 1))
    assert "expected 'word<TAB>count'" in _stats_error(corpus)


@pytest.mark.parametrize("name", ["ids.npy", "offsets.npy"])
def test_two_dimensional_arrays(corpus, name):
    a = np.load(corpus / name)
    np.save(corpus / name, np.stack([a, a]))
    assert "not a 1-D" in _stats_error(corpus)


def test_offsets_that_go_backwards(corpus):
    offsets = np.load(corpus / "offsets.npy")
    offsets[1], offsets[2] = offsets[2], offsets[1]
    np.save(corpus / "offsets.npy", offsets)
    assert "backwards" in _stats_error(corpus)


def test_npy_header_claiming_more_than_the_file_holds(corpus):
    raw = (corpus / "offsets.npy").read_bytes()
    n = len(np.load(corpus / "offsets.npy"))
    (corpus / "offsets.npy").write_bytes(raw.replace(f"({n},)".encode(), b"(10000000000000,)", 1))
    assert "claims shape" in _stats_error(corpus)


# 5. Classifier files ----------------------------------------------------------------------------------
@pytest.mark.parametrize("change, message", [
    ({"vocab": ["<pad>", "<unk>", "good", "bad", "extra"]}, "vocabulary has 5 words"),
    ({"labels": ["neg", "pos", "mid"]}, "do not name its 2 classes"),
    ({"labels": ["neg", "neg"]}, "do not name its 2 classes"),
    ({"preprocessing__normalize": {"lowercase": "yes"}}, "preprocessing options are invalid"),
    ({"preprocessing__normalize__urls": "explode"}, "preprocessing options are invalid"),
    ({"architecture__pool": 7}, "architecture field pool"),
    ({"architecture__frobnicate": 1}, "unknown architecture fields"),
])
def test_classifier_files_that_disagree_with_themselves(tmp_path, change, message):
    from seqkit.models.bundle import TrainedClassifier

    path = _classifier(tmp_path, **change)
    with pytest.raises(ModelFormatError, match=message):
        TrainedClassifier.load(path)
    assert message.split()[0] in one_line(run(["predict", path], input="good\n"))


@pytest.mark.parametrize("state", [{"epoch": "x"}, {"history": 3}, {"nonsense": 1}, {"best_score": [1]}])
def test_crafted_checkpoint_state(labelled, tmp_path, state):
    good = {"epoch": 1, "step": 1, "best_epoch": 1, "best_score": 0.5, "bad_epochs": 0, "history": [],
            "train_seconds": 1.0}
    path = _classifier(tmp_path, checkpoint={"state": {**good, **state}, "train_config": {}})
    line = one_line(run(["train-classifier", labelled, "-o", tmp_path / "out.npz", "--resume", path, "--quiet"]))
    assert "not a valid checkpoint" in line


def test_state_size_is_what_the_model_holds():
    """The size checked against a file's arrays before building is exactly what building allocates."""
    from seqkit.models.classifier import ClassifierConfig, SequenceClassifier

    for kw in [dict(arch="gru", bidirectional=True, layers=2, pool="meanmax"), dict(arch="lstm"), dict(arch="rnn", layers=3),
               dict(arch="transformer", positional="learned", pool="cls", layers=2),
               dict(arch="transformer", norm="post", freeze_embeddings=True, pool="max")]:
        config = ClassifierConfig(vocab_size=7, n_classes=3, embed_dim=8, hidden=5, ffn=6, heads=2, max_len=11, **kw)
        state = SequenceClassifier(config, np.random.default_rng(0)).state_dict()
        assert config.state_size() == sum(a.size for a in state.values()), kw


# 6. An output never replaces an input ---------------------------------------------------------------
def test_preprocess_into_the_folder_holding_its_input(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "in.txt").write_text(TEXT)
    line = one_line(run(["preprocess", d / "in.txt", "-o", d, "--force", "--quiet"]))
    assert "holds the input" in line and (d / "in.txt").read_text() == TEXT


def test_train_w2v_over_its_input(text):
    line = one_line(run(["train-w2v", text, "-o", text, "--quiet"]))
    assert "is the input" in line and text.read_text() == TEXT
    line = one_line(run(["train-w2v", text, "-o", text.parent / "." / text.name, "--force", "--quiet"]))
    assert "is the input" in line and text.read_text() == TEXT


def test_train_classifier_over_its_training_data(labelled):
    before = labelled.read_text()
    line = one_line(run(["train-classifier", labelled, "-o", labelled, "--force", "--quiet"]))
    assert "is the input" in line and labelled.read_text() == before


def test_output_through_a_symlink_to_the_input(model, tmp_path):
    (tmp_path / "link.w2v").symlink_to(model)
    before = model.read_bytes()
    line = one_line(run(["export", model, "-o", tmp_path / "link.w2v", "--format", "native", "--force"]))
    assert "is the input" in line and model.read_bytes() == before


# 7. One policy for existing outputs -------------------------------------------------------------------
def test_every_command_refuses_an_existing_output_the_same_way(model, text, labelled, tmp_path):
    existing = tmp_path / "existing"
    existing.write_text("keep me")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "keep").write_text("keep me")
    commands = [
        ["preprocess", text, "-o", folder, "--quiet"],
        ["train-w2v", text, "-o", existing, "--quiet"],
        ["export", model, "-o", existing],
        ["train-classifier", labelled, "-o", existing, "--quiet"],
        ["corpus", "fetch", "lee", "-o", folder, "--quiet"],
    ]
    for args in commands:
        line = one_line(run(args))
        assert line.endswith(EXISTS), (args, line)
    assert existing.read_text() == "keep me" and (folder / "keep").read_text() == "keep me"


def test_an_output_named_dash_is_refused_not_written_as_a_file(model, text, labelled, tmp_path, monkeypatch):
    """`-o -` once wrote a file named '-' in the working folder."""
    monkeypatch.chdir(tmp_path)
    for args in (["export", model, "-o", "-", "--format", "word2vec-text"], ["train-w2v", text, "-o", "-", "--quiet"],
                 ["train-classifier", labelled, "-o", "-", "--quiet"]):
        line = one_line(run(args))
        assert "output '-' (stdout) is not supported here" in line, (args, line)
    assert not (tmp_path / "-").exists()


# 8. Broken vector files --------------------------------------------------------------------------------
def test_invalid_utf8_words_are_refused(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"2 2\n\xff\xfe 1 2\n\xfe\xff 3 4\n")
    assert "not valid UTF-8" in one_line(run(["export", path, "-o", tmp_path / "n.w2v", "--format", "native"]))
    assert not (tmp_path / "n.w2v").exists()
    binary = tmp_path / "v.bin"
    binary.write_bytes(b"1 1\n\xff\xfe " + np.float32(1).tobytes() + b"\n")
    assert "not valid UTF-8" in one_line(run(["similar", binary, "x"]))


def test_duplicate_words_are_refused(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("3 2\nthe 1 2\nfilm 3 4\nthe 5 6\n")
    line = one_line(run(["export", path, "-o", tmp_path / "n.w2v", "--format", "native"]))
    assert "'the' occurs twice (rows 1 and 3)" in line


def test_init_from_a_model_without_counts(text, tmp_path, model):
    converted = tmp_path / "v.txt"
    assert run(["export", model, "-o", converted, "--format", "word2vec-text"]).exit_code == 0
    native = tmp_path / "n.w2v"
    assert run(["export", converted, "-o", native, "--format", "native"]).exit_code == 0
    line = one_line(run(["train-w2v", text, "--init", native, "-o", tmp_path / "m2.w2v", "--quiet"]))
    assert "has no word counts" in line


# 9. Leftovers -------------------------------------------------------------------------------------------
def test_no_checkpoint_after_a_failed_run(labelled, tmp_path, monkeypatch):
    from seqkit.models.bundle import TrainedClassifier

    def full_disk(self, path):
        raise OutputError(f"cannot write {path}: No space left on device")

    monkeypatch.setattr(TrainedClassifier, "save", full_disk)
    out = tmp_path / "c.npz"
    r = run(["train-classifier", labelled, "-o", out, "--min-count", "1", "--embed-dim", "4", "--hidden", "4",
             "--epochs", "1", "--quiet"])
    assert r.exit_code == 1 and "No space left" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.tsv"]  # no model, no .ckpt, no temporary


def test_dot_dot_in_an_output_leaves_no_empty_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run(["corpus", "fetch", "lee", "-o", "out/../out2/x", "--quiet"])
    assert r.exit_code == 0, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out2"] and (tmp_path / "out2" / "x").is_dir()


def test_dot_dot_in_a_failed_output_leaves_no_folder(tmp_path, monkeypatch):
    import seqkit.datasets.fetch as fetch

    monkeypatch.chdir(tmp_path)

    def broken(*a, **k):
        raise InputError("broken archive")

    monkeypatch.setattr(fetch, "convert", broken)
    one_line(run(["corpus", "fetch", "lee", "-o", "out/../out2/x", "--quiet"]))
    assert list(tmp_path.iterdir()) == []


def test_stale_temporaries_are_removed_on_the_next_write(model, tmp_path):
    from seqkit import fileio
    from seqkit.fileio import STALE_AGE_S

    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = tmp_path / ".x.w2v.999999999-abcdefgh.w2v.tmp"  # no process has this PID
        dead.write_text("half")
        dead_dir = tmp_path / ".c.999999999-abcd_fgh.tmp"
        dead_dir.mkdir()
        (dead_dir / "ids.npy").write_text("half")
        running = tmp_path / f".y.w2v.{alive.pid}-abcdefgh.w2v.tmp"  # its writer is still at work
        running.write_text("in progress")
        old = tmp_path / f".z.w2v.{alive.pid}-zzzzzzzz.tmp"  # a day old: stale whoever has the PID now
        old.write_text("old")
        os.utime(old, (0, os.path.getmtime(old) - STALE_AGE_S - 1))
        new = tmp_path / ".n.w2v.999999999-abcdefgh.tmp"  # made after this process started: not yet stale
        others = [tmp_path / ".x.w2v.tmp", tmp_path / ".hidden", tmp_path / ".x.999999999-abc.tmp"]
        for p in others:
            p.write_text("not seqkit's")
        started = fileio._STARTED
        for p in (dead, dead_dir, running):
            os.utime(p, (started - 10, started - 10))
        new.write_text("new")
        assert run(["export", model, "-o", tmp_path / "v.bin"]).exit_code == 0
        assert not dead.exists() and not dead_dir.exists() and not old.exists()
        assert running.exists() and new.exists() and all(p.exists() for p in others)
    finally:
        alive.kill()
        alive.wait()


def test_sigkill_leftover_is_cleaned_by_the_next_run(text, tmp_path):
    """A real SIGKILL while preprocess holds its temporary folder; the next preprocess there removes it."""
    script = ("import os, signal, seqkit.text.preprocess as pp\n"
              "real = pp._finish\n"
              "def die(*a, **k):\n    os.kill(os.getpid(), signal.SIGKILL)\n"
              "pp._finish = die\n"
              "from seqkit.cli import main; main()\n")
    r = subprocess.run([sys.executable, "-c", script, "preprocess", str(text), "-o", str(tmp_path / "a"), "--quiet"],
                       capture_output=True, timeout=120)
    assert r.returncode == -signal.SIGKILL
    left = [p for p in tmp_path.iterdir() if p.name.startswith(".a.")]
    assert len(left) == 1 and left[0].is_dir()
    assert cli(["preprocess", text, "-o", tmp_path / "b", "--min-count", "1", "--quiet"]).returncode == 0
    assert not left[0].exists()
