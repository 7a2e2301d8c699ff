"""`seqkit export --format projector`: the files TensorBoard's Embedding Projector loads."""

from __future__ import annotations

import numpy as np
from typer.testing import CliRunner

from seqkit.cli import app
from seqkit.embed.formats import save_native
from seqkit.embed.keyed import load_vectors

runner = CliRunner()


def run(args, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


def model(tmp_path, n=30, dim=5):
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(n)]
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    counts = np.arange(n, 0, -1, dtype=np.int64) * 3
    path = tmp_path / "m.w2v"
    save_native(path, words, counts, {"vectors": vectors}, {"training": {}})
    return path, words, vectors, counts


def test_files_rows_and_header(tmp_path):
    path, words, vectors, counts = model(tmp_path)
    out = tmp_path / "proj"
    r = run(["export", path, "-o", out, "--format", "projector", "--top", "20"])
    assert r.exit_code == 0, r.stderr
    rows = (out / "vectors.tsv").read_text().splitlines()
    meta = (out / "metadata.tsv").read_text().splitlines()
    assert len(rows) == 20 and len(meta) == 21
    assert all(len(row.split("\t")) == 5 for row in rows)
    float(rows[0].split("\t")[0])  # no header: the first row is numbers
    assert meta[0] == "word\tcount"  # two columns: the projector reads the first row as their names
    assert meta[1:] == [f"{w}\t{c}" for w, c in zip(words[:20], counts[:20])]
    np.testing.assert_array_equal(np.loadtxt(out / "vectors.tsv", delimiter="\t", dtype=np.float32), vectors[:20])
    assert 'tensor_path: "vectors.tsv"' in (out / "projector_config.pbtxt").read_text()


def test_round_trip_through_seqkit_vectors(tmp_path):
    """The words of metadata.tsv, through `seqkit vectors --format tsv`, give vectors.tsv after the word."""
    path, *_ = model(tmp_path)
    out = tmp_path / "proj"
    assert run(["export", path, "-o", out, "--format", "projector"]).exit_code == 0
    words = [line.split("\t")[0] for line in (out / "metadata.tsv").read_text().splitlines()[1:]]
    r = run(["vectors", path, "--format", "tsv"], input="\n".join(words) + "\n")
    assert r.exit_code == 0, r.stderr
    assert [line.split("\t", 1)[1] for line in r.stdout.splitlines()] == (out / "vectors.tsv").read_text().splitlines()
    assert [line.split("\t", 1)[0] for line in r.stdout.splitlines()] == words


def test_default_top_and_the_tsne_sample_note(tmp_path):
    path, *_ = model(tmp_path, n=12)
    out = tmp_path / "proj"
    r = run(["export", path, "-o", out, "--format", "projector", "--top", "20000"])
    assert r.exit_code == 0 and "10,000 points" in r.stderr
    assert len((out / "vectors.tsv").read_text().splitlines()) == 12
    r = run(["export", path, "-o", out, "--format", "projector"])
    assert r.exit_code == 1 and "--force" in r.stderr
    r = run(["export", path, "-o", out, "--format", "projector", "--top", "5", "--force"])
    assert r.exit_code == 0 and "10,000" not in r.stderr
    assert len((out / "vectors.tsv").read_text().splitlines()) == 5


def test_word2vec_files_have_zero_counts(tmp_path):
    text = tmp_path / "v.txt"
    text.write_text("2 3\na 1 0 0\nb 0 1 0\n")
    out = tmp_path / "proj"
    r = run(["export", text, "-o", out, "--format", "projector"])
    assert r.exit_code == 0 and "no counts" in r.stderr
    assert (out / "metadata.tsv").read_text() == "word\tcount\na\t0\nb\t0\n"
    assert load_vectors(text).words == ["a", "b"]


def test_top_applies_to_the_other_formats_too(tmp_path):
    path, words, *_ = model(tmp_path)
    out = tmp_path / "v.tsv"
    assert run(["export", path, "-o", out, "--format", "tsv", "--top", "7"]).exit_code == 0
    assert [line.split("\t")[0] for line in out.read_text().splitlines()] == words[:7]
