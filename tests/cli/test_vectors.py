"""`seqkit similar | analogy | vectors | export | evaluate-w2v`: arguments, files, stdin, --json."""

import io
import json
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from seqkit.cli import app
from seqkit.embed import export, formats

runner = CliRunner()
WORDS = ["man", "king", "woman", "queen", "apple", "pear", "the"]


def run(args, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


@pytest.fixture
def model(tmp_path):
    rng = np.random.default_rng(0)
    base = rng.standard_normal((5, 16)).astype(np.float32)
    gender = rng.standard_normal(16).astype(np.float32)
    vecs = np.stack([base[0], base[1], base[0] + gender, base[1] + gender, base[2], base[2] + 0.1 * base[3], base[4]])
    path = tmp_path / "m.w2v"
    meta = {"training": {"preprocess": {"normalize": {"lowercase": True, "html": True, "urls": "token",
                                                      "numbers": "keep", "punct": "drop", "symbols": "drop"}}}}
    formats.save_native(path, WORDS, np.arange(7, 0, -1), {"vectors": vecs}, meta)
    return path


def test_similar_with_arguments_tsv_and_json(model):
    result = run(["similar", model, "apple", "-n", "2"])
    assert result.exit_code == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert len(rows) == 2 and rows[0][0] == "pear" and -1 <= float(rows[0][1]) <= 1
    records = [json.loads(line) for line in run(["similar", model, "apple", "-n", "3", "--json"]).stdout.splitlines()]
    assert [r["word"] for r in records][0] == "pear" and len(records) == 3


def test_similar_plus_minus_is_the_analogy(model):
    result = run(["similar", model, "king", "woman", "--minus", "man", "-n", "1"])
    assert result.stdout.split("\t")[0] == "queen"


def test_unknown_word_single_query_exits_1_naming_it(model):
    result = run(["similar", model, "zebra"])
    assert result.exit_code == 1 and result.stdout == ""
    assert "'zebra' is not in the vocabulary" in result.stderr and "Traceback" not in result.stderr


def test_similar_batch_from_stdin_goes_on_after_an_unknown_word(model):
    result = run(["similar", model, "-n", "1", "--json"], input="apple\nzebra\nking woman -man\n")
    assert result.exit_code == 1  # one query failed
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["query"], r["word"]) for r in records] == [("apple", "pear"), ("king woman -man", "queen")]
    assert result.stderr.count("error:") == 1 and "zebra" in result.stderr


def test_analogy_args_stdin_and_methods(model):
    for method in ("add", "mul"):
        result = run(["analogy", model, "man", "king", "woman", "--method", method])
        assert result.exit_code == 0 and result.stdout.split("\t")[0] == "queen"
    result = run(["analogy", model, "--json"], input="man king woman\nman king\nwoman queen man\n")
    assert result.exit_code == 1 and "three words" in result.stderr
    assert [json.loads(x)["word"] for x in result.stdout.splitlines()] == ["queen", "king"]


def test_vectors_text_tsv_jsonl(model):
    kv_vec = formats.load_native(model)[2]["vectors"]
    text = run(["vectors", model, "king", "the"]).stdout.splitlines()
    assert [line.split(" ")[0] for line in text] == ["king", "the"]
    assert np.array_equal(np.array(text[0].split(" ")[1:], np.float32), kv_vec[1])
    tsv = run(["vectors", model, "--format", "tsv"], input="queen\n").stdout
    assert tsv.split("\t")[0] == "queen" and len(tsv.split("\t")) == 17
    rec = json.loads(run(["vectors", model, "apple", "--format", "jsonl"]).stdout)
    assert rec["word"] == "apple" and np.array_equal(np.array(rec["vector"], np.float32), kv_vec[4])


def test_vectors_npy_and_unknown_words_from_stdin(model):
    result = run(["vectors", model, "--format", "npy"], input="king zebra queen\n")
    assert result.exit_code == 1 and "zebra" in result.stderr
    matrix = np.load(io.BytesIO(result.stdout_bytes), allow_pickle=False)
    assert matrix.shape == (2, 16) and matrix.dtype == np.float32
    assert run(["vectors", model, "zebra"]).exit_code == 1


def test_document_vectors_mean_and_tfidf(model, tmp_path):
    vecs = formats.load_native(model)[2]["vectors"]
    docs = tmp_path / "docs.txt"
    docs.write_text("The KING, the <b>king</b>!\nApple pear unknownword\nnothing known here\nthe\n")
    result = run(["vectors", model, "--docs", docs, "--format", "tsv"])
    assert result.exit_code == 0 and "1 of 4 documents have no known word" in result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    got = np.array([r[1:] for r in rows], np.float32)
    assert [r[0] for r in rows] == ["doc1", "doc2", "doc3", "doc4"]
    assert np.allclose(got[0], (2 * vecs[6] + 2 * vecs[1]) / 4, atol=1e-6)  # html stripped, lower-cased
    assert np.allclose(got[1], (vecs[4] + vecs[5]) / 2, atol=1e-6) and not got[2].any()
    tfidf = run(["vectors", model, "--docs", docs, "--weight", "tfidf", "--format", "tsv"]).stdout.splitlines()
    got = np.array([line.split("\t")[1:] for line in tfidf], np.float32)
    idf_the, idf_king = np.log(5 / 3) + 1, np.log(5 / 2) + 1  # 'the' in 2 of 4 documents, 'king' in 1
    expected = (2 * idf_the * vecs[6] + 2 * idf_king * vecs[1]) / (2 * idf_the + 2 * idf_king)
    assert np.allclose(got[0], expected, atol=1e-5) and not np.allclose(got[0], (vecs[6] + vecs[1]) / 2, atol=1e-3)


def test_export_every_format_and_refuse_overwrite(model, tmp_path):
    for fmt in export.FORMATS:
        out = tmp_path / f"e.{fmt}"
        result = run(["export", model, "-o", out, "--format", fmt])
        assert result.exit_code == 0 and out.exists() and "wrote" in result.stderr
    again = run(["export", model, "-o", tmp_path / "e.tsv", "--format", "tsv"])
    assert again.exit_code == 1 and "--force" in again.stderr
    # the exported binary file is itself a model every query reads, and converts back to native
    assert run(["similar", tmp_path / "e.word2vec-bin", "apple", "-n", "1"]).stdout.startswith("pear\t")
    assert run(["export", tmp_path / "e.word2vec-bin", "-o", tmp_path / "back.w2v", "--format", "native"]).exit_code == 0
    words, _, arrays, meta = formats.load_native(tmp_path / "back.w2v")
    assert words == WORDS and np.array_equal(arrays["vectors"], formats.load_native(model)[2]["vectors"])
    assert meta["converted_from"].endswith("e.word2vec-bin")


def test_evaluate_json_parses(model, tmp_path):
    (tmp_path / "q.txt").write_text(": gender\nman king woman queen\nMAN WOMAN KING QUEEN\napple pear zebra x\n")
    (tmp_path / "p.tsv").write_text("king\tqueen\t9\napple\tpear\t8\nman\tapple\t1\n")
    result = run(["evaluate-w2v", model, "--analogies", tmp_path / "q.txt", "--wordsim", tmp_path / "p.tsv",
                  "--simlex", tmp_path / "p.tsv", "--json"])
    assert result.exit_code == 0, result.stderr
    r = json.loads(result.stdout)
    assert r["analogy_total"] == 2 and r["analogy_oov"] == 1 and r["analogy_sections"][0]["section"] == "gender"
    assert -1 <= r["wordsim353_spearman"] <= 1 and r["simlex999_pairs"] == 3
    (tmp_path / "one.tsv").write_text("king\tqueen\t9\n")  # one pair: no correlation, null in strict JSON
    strict = run(["evaluate-w2v", model, "--analogies", tmp_path / "q.txt", "--wordsim", tmp_path / "one.tsv",
                  "--simlex", tmp_path / "p.tsv", "--json"]).stdout
    assert "NaN" not in strict and json.loads(strict)["wordsim353_spearman"] is None
    plain = run(["evaluate-w2v", model, "--analogies", tmp_path / "q.txt", "--wordsim", tmp_path / "p.tsv",
                 "--simlex", tmp_path / "p.tsv"])
    sections, summary = plain.stdout.strip().split("\n\n")
    assert sections.splitlines()[0] == "section\tcorrect\ttotal\taccuracy"  # piped: the columns named
    gender = sections.splitlines()[1].split("\t")
    assert gender[0] == "gender" and gender[2] == "2"
    assert summary.splitlines()[0].startswith("analogy_accuracy\t")
    (tmp_path / "words.txt").write_text("man\nking\nwoman\n")  # queen left out: no question left to ask
    listed = run(["evaluate-w2v", model, "--analogies", tmp_path / "q.txt", "--wordsim", tmp_path / "p.tsv",
                  "--simlex", tmp_path / "p.tsv", "--restrict-words", tmp_path / "words.txt", "--json"])
    assert listed.exit_code == 0, listed.stderr
    assert json.loads(listed.stdout)["analogy_total"] == 0 and json.loads(listed.stdout)["analogy_words"] == 3
    missing = run(["evaluate-w2v", model, "--restrict-words", tmp_path / "nope.txt"])
    assert missing.exit_code == 1 and len(missing.stderr.strip().splitlines()) == 1 and "nope.txt" in missing.stderr


@pytest.mark.parametrize("content", [b"", b"\x80\x04junk", b"2 3\nbroken\n"])
def test_bad_model_files_are_one_line(tmp_path, content):
    (tmp_path / "bad").write_bytes(content)
    result = run(["similar", tmp_path / "bad", "king"])
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_query_path_imports_neither_numba_nor_gensim(model):
    code = (
        "import sys; from seqkit.cli import app; from typer.testing import CliRunner; "
        f"r = CliRunner().invoke(app, ['similar', {str(model)!r}, 'king']); assert r.exit_code == 0, r.stderr; "
        "print(' '.join(m for m in ('numba', 'gensim') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
