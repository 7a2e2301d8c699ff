"""`--cluster` on a real Dask LocalCluster (2 worker processes on the loopback interface): the same
corpus, document vectors and predictions as one process, and a clear error when workers die."""

import gzip
import json
import os
import random

import numpy as np
import pytest
from typer.testing import CliRunner

distributed = pytest.importorskip("distributed")

from seqkit.cli import app  # noqa: E402
from seqkit.cluster import preprocess as cluster_pp  # noqa: E402
from seqkit.cluster.session import local_cluster  # noqa: E402
from seqkit.embed import formats  # noqa: E402
from seqkit.errors import OptionError, SeqkitError  # noqa: E402
from seqkit.text import preprocess as pp  # noqa: E402
from seqkit.text.corpus import EncodedCorpus  # noqa: E402

runner = CliRunner()
WORDS = [f"w{i}" for i in range(200)] + ["Hello", "café", "<br />", "a.b"]


def run(args, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


@pytest.fixture(scope="module")
def cluster():
    """One LocalCluster for the module: 2 worker processes, one thread each, bound to 127.0.0.1."""
    with local_cluster(2) as c:
        yield c.scheduler_address


def _lines(n, seed):
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, int(rng.integers(0, 30)))) for _ in range(n)]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """A plain file with a BOM, CRLF line ends and bad bytes; a second plain file; a gzip file; a TSV."""
    d = tmp_path_factory.mktemp("inputs")
    (d / "a.txt").write_bytes(("\ufeff" + "\r\n".join(_lines(600, 0)) + "\r\n").encode())
    (d / "b.txt").write_bytes("\n".join(_lines(400, 1)).encode() + b"\n\xff\xfe w3 w4\n\n\nw5")
    with gzip.open(d / "c.txt.gz", "wt", encoding="utf-8") as f:
        f.write("\n".join(_lines(300, 2)) + "\n")
    rows = ["label\ttext"] + [f"x\t{line}" for line in _lines(300, 3)]
    (d / "d.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return [str(d / n) for n in ("a.txt", "b.txt", "c.txt.gz", "d.tsv")]


def _same_corpus(one: EncodedCorpus, two: EncodedCorpus) -> None:
    assert one.vocab.words == two.vocab.words
    assert np.array_equal(one.vocab.counts, two.vocab.counts)
    assert np.array_equal(one.ids, two.ids) and np.array_equal(one.offsets, two.offsets)
    assert one.meta["counts"] == two.meta["counts"] and one.meta["sources"] == two.meta["sources"]


@pytest.mark.parametrize("min_count,max_doc_tokens", [(1, 10000), (3, 7)])
def test_preprocess_on_cluster_equals_one_process(cluster, inputs, tmp_path, min_count, max_doc_tokens):
    options = pp.PreprocessOptions(min_count=min_count, max_doc_tokens=max_doc_tokens)
    one = pp.preprocess(inputs, tmp_path / "one", options, workers=1)
    two = cluster_pp.preprocess(cluster, inputs, tmp_path / "two", options, range_bytes=2000)
    assert len(two.shards) > 10  # byte ranges really were cut, inside lines too
    _same_corpus(one, two)
    names = json.loads((tmp_path / "two" / "meta.json").read_text())["shards"]
    assert sorted(os.listdir(tmp_path / "two")) == sorted(["meta.json", "vocab.tsv"] + [s[k] for s in names for k in ("ids", "offsets")])


def test_preprocess_cli_local_2_writes_the_same_files(inputs, tmp_path):
    r1 = run(["preprocess", *inputs[:3], "-o", tmp_path / "one", "--min-count", "2", "--quiet"])
    r2 = run(["preprocess", *inputs[:3], "-o", tmp_path / "two", "--min-count", "2", "--quiet", "--cluster", "local:2"])
    assert r1.exit_code == 0 and r2.exit_code == 0, r2.stderr
    assert f"note: {inputs[2]}: compressed input cannot be cut into byte ranges" in " ".join(r2.stderr.split())
    assert (tmp_path / "one" / "vocab.tsv").read_bytes() == (tmp_path / "two" / "vocab.tsv").read_bytes()
    _same_corpus(EncodedCorpus.load(tmp_path / "one"), EncodedCorpus.load(tmp_path / "two"))


def test_cluster_refuses_stdin_and_bad_addresses(cluster, inputs, tmp_path):
    r = run(["preprocess", "-", "-o", tmp_path / "c", "--cluster", cluster], input="a b c\n")
    assert r.exit_code == 1 and "stdin" in r.stderr and not (tmp_path / "c").exists()
    r = run(["preprocess", inputs[0], "-o", tmp_path / "c", "--cluster", "local:zero"])
    assert r.exit_code != 0 and "local:N" in r.stderr


@pytest.fixture(scope="module")
def vectors_model(tmp_path_factory):
    d = tmp_path_factory.mktemp("vec")
    rng = np.random.default_rng(0)
    words = [w.lower() for w in WORDS[:150]]
    path = d / "m.w2v"
    formats.save_native(path, words, np.arange(len(words), 0, -1), {"vectors": rng.standard_normal((len(words), 8)).astype(np.float32)}, {})
    docs = d / "docs.txt"
    docs.write_text("\n".join(_lines(2500, 4)) + "\nnothing known here\n", encoding="utf-8")
    return path, docs


@pytest.mark.parametrize("weight,fmt", [("mean", "tsv"), ("tfidf", "tsv"), ("tfidf", "npy")])
def test_document_vectors_on_cluster_equal_one_process(cluster, vectors_model, weight, fmt):
    model, docs = vectors_model
    args = ["vectors", model, "--docs", docs, "--weight", weight, "--format", fmt]
    one, two = run(args), run(args + ["--cluster", cluster])
    assert one.exit_code == 0 and two.exit_code == 0, two.stderr
    if fmt == "npy":  # collected, then written whole
        import io

        assert np.load(io.BytesIO(one.stdout_bytes)).shape == (2501, 8)
    else:  # streamed block by block
        assert len(one.stdout.splitlines()) == 2501  # more than one block (2000 documents)
    assert one.stdout_bytes == two.stdout_bytes
    assert "of 2501 documents have no known word" in two.stderr and one.stderr == two.stderr


POS, NEG = "good great excellent loved".split(), "bad awful boring hated".split()


def _labelled(path, n, seed):
    rng = random.Random(seed)
    with open(path, "w") as f:
        f.write("label\ttext\n")
        for _ in range(n):
            label = rng.choice(["pos", "neg"])
            words = [rng.choice(WORDS[:20]) for _ in range(rng.randint(1, 12))] + [rng.choice(POS if label == "pos" else NEG)]
            f.write(f"{label}\t{' '.join(words)}\n")
    return path


ARCH_ARGS = {
    "gru": ["--arch", "gru", "--min-count", "1", "--embed-dim", "8", "--hidden", "8", "--epochs", "1"],
    "sparse": ["--arch", "sparse", "--word-ngrams", "2"],
}


@pytest.fixture(scope="module", params=sorted(ARCH_ARGS))
def classifier(tmp_path_factory, request):
    d = tmp_path_factory.mktemp("clf")
    train, test = _labelled(d / "train.tsv", 200, 0), _labelled(d / "test.tsv", 700, 1)
    model = d / "m.npz"
    r = run(["train-classifier", train, "-o", model, *ARCH_ARGS[request.param], "--quiet", "--force"])
    assert r.exit_code == 0, r.stderr
    texts = d / "texts.txt"
    texts.write_text("\n".join(line.split("\t", 1)[1] for line in test.read_text().splitlines()[1:]) + "\n")
    return model, test, texts


def test_predict_on_cluster_equals_one_process(cluster, classifier):
    model, _, texts = classifier
    args = ["predict", model, texts, "--probs", "--batch", "64"]
    one, two = run(args), run(args + ["--cluster", cluster])
    assert one.exit_code == 0 and two.exit_code == 0, two.stderr
    rows1 = [line.split("\t") for line in one.stdout.splitlines()]
    rows2 = [line.split("\t") for line in two.stdout.splitlines()]
    assert len(rows1) == 700 and [r[0] for r in rows1] == [r[0] for r in rows2]
    np.testing.assert_allclose(np.array([r[1:] for r in rows1], float), np.array([r[1:] for r in rows2], float), rtol=1e-6)


def test_cnn_predict_on_cluster_equals_one_process(cluster, classifier, tmp_path):
    """--arch cnn goes through the same blocks: its Numba kernels run in the workers."""
    _, test, texts = classifier
    model = tmp_path / "cnn.npz"
    r = run(["train-classifier", test, "-o", model, "--arch", "cnn", "--min-count", "1", "--embed-dim", "8",
             "--filters", "2,3", "--maps", "4", "--epochs", "1", "--quiet"])
    assert r.exit_code == 0, r.stderr
    args = ["predict", model, texts, "--probs", "--batch", "64"]
    one, two = run(args), run(args + ["--cluster", cluster])
    assert one.exit_code == 0 and two.exit_code == 0, two.stderr
    assert len(one.stdout.splitlines()) == 700
    np.testing.assert_allclose(np.array([r.split("\t")[1:] for r in one.stdout.splitlines()], float),
                               np.array([r.split("\t")[1:] for r in two.stdout.splitlines()], float), rtol=1e-6)


def test_evaluate_on_cluster_equals_one_process(cluster, classifier):
    model, test, _ = classifier
    one, two = run(["evaluate", model, test, "--json"]), run(["evaluate", model, test, "--json", "--cluster", cluster])
    assert one.exit_code == 0 and two.exit_code == 0, two.stderr
    assert json.loads(one.stdout) == json.loads(two.stdout)


class _KillOnCount(distributed.WorkerPlugin):
    """Ends the worker process as soon as it starts a count_range task: a worker that dies mid-job."""

    def transition(self, key, start, finish, **kwargs):
        name = key[0] if isinstance(key, tuple) else key
        if finish == "executing" and str(name).startswith("count_range"):
            os._exit(1)


def test_dead_workers_give_a_clear_error_and_no_output(inputs, tmp_path):
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        with local_cluster(2) as c:
            with distributed.Client(c) as client:
                client.register_plugin(_KillOnCount())
            r = run(["preprocess", inputs[0], "-o", tmp_path / "out", "--cluster", c.scheduler_address, "--quiet"])
    assert r.exit_code == 1
    assert r.stderr.startswith("error: a Dask worker died while running") and len(r.stderr.splitlines()) == 1
    assert os.listdir(tmp_path) == []  # neither the output nor a temporary folder


def test_missing_dask_names_the_extra(monkeypatch):
    import sys

    from seqkit.cluster import session

    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(OptionError, match=r"seqkit\[dask\]"):
        with session.connect("local:1"):
            pass


def test_local_cluster_workers_leave_ctrl_c_to_this_process(cluster):
    """A Ctrl-C reaches the whole process group: the workers of a LocalCluster started here hold SIGINT
    blocked (Dask's workers printed a page of tracebacks each before the command's one line)."""
    import signal

    with distributed.Client(cluster) as client:
        blocked = client.run(lambda: signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))
    assert len(blocked) == 2 and all(blocked.values())


def _group_workers(pgid: int) -> int:
    """Dask worker processes (multiprocessing's spawn children) in process group pgid."""
    n = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.getpgid(int(pid)) == pgid and b"spawn_main" in open(f"/proc/{pid}/cmdline", "rb").read():
                n += 1
        except OSError:  # gone meanwhile
            pass
    return n


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="finds the workers in /proc")
def test_ctrl_c_during_a_local_cluster_run_is_one_line(tmp_path):
    """A Ctrl-C to the process group once the workers run: exit 130, the one line, nothing left behind."""
    import signal
    import subprocess
    import sys
    import time

    big = tmp_path / "big.txt"
    big.write_text("\n".join(_lines(200_000, 4)) + "\n")
    proc = subprocess.Popen([sys.executable, "-m", "seqkit", "preprocess", str(big), "-o", str(tmp_path / "out"),
                             "--cluster", "local:2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, cwd=tmp_path)
    deadline = time.monotonic() + 60
    while _group_workers(proc.pid) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the run finished before the Ctrl-C")
    assert proc.returncode == 130, stderr
    assert stderr == "interrupted: nothing half-written was left behind\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.txt"]
