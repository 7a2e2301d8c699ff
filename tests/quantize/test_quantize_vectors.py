"""`seqkit quantize` on word vectors: plain and subword models become .ftz files that similar and
vectors read, with rows close to the originals, in-vocabulary and out of it."""

import numpy as np
from typer.testing import CliRunner

from seqkit.cli import app
from seqkit.embed.formats import write_word2vec
from seqkit.embed.keyed import load_vectors

runner = CliRunner()


def _quantize(src, out, *options):
    r = runner.invoke(app, ["quantize", str(src), "-o", str(out), *options])
    assert r.exit_code == 0, r.output
    return load_vectors(out)


def _relative_error(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def test_subword_model(tmp_path):
    from gensim.test.utils import datapath

    src = datapath("lee_fasttext_new.bin")
    full = load_vectors(src)
    q = _quantize(src, tmp_path / "q.ftz", "--dsub", "1")
    assert q.meta["format"] == "fasttext-ftz" and q.words == full.words
    assert _relative_error(q.vectors, full.vectors) < 0.1
    for w in ("xyzzyq", "filmmaking"):
        assert _relative_error(q.vector(w), full.vector(w)) < 0.1
    r = runner.invoke(app, ["similar", str(tmp_path / "q.ftz"), "the"])
    assert r.exit_code == 0 and r.stdout.strip()


def test_plain_vectors_and_refusals(tmp_path):
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(600)]
    vectors = rng.standard_normal((600, 8)).astype(np.float32)
    write_word2vec(tmp_path / "v.txt", words, vectors, binary=False)
    q = _quantize(tmp_path / "v.txt", tmp_path / "q.ftz", "--dsub", "2", "--qnorm")
    assert q.ngrams is None and _relative_error(q.vectors, vectors) < 0.5
    assert (q.unit @ q.unit[0]).argmax() == 0
    r = runner.invoke(app, ["quantize", str(tmp_path / "v.txt"), "-o", str(tmp_path / "c.ftz"), "--cutoff", "10"])
    assert r.exit_code == 2 and "classifiers" in r.stderr
