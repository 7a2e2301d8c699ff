"""`seqkit predict` and `evaluate` on fastText files (committed fixtures made by the fastText CLI)."""

import json
from pathlib import Path

from typer.testing import CliRunner

from seqkit.cli import app
from tests.formats.fasttext_corpus import corpus, parse_line, texts

DATA = Path(__file__).parent / "data"
runner = CliRunner()


def run(*args, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


def test_predict_prints_fastTexts_top_k():
    expected = [parse_line(x) for x in (DATA / "tiny_hs.ftz.expected").read_text().split("\n")[: len(texts())]]
    r = run("predict", DATA / "tiny_hs.ftz", "-", "--k", "2", "--json", input="".join(t + "\n" for t in texts()))
    assert r.exit_code == 0, r.output
    got = [json.loads(line) for line in r.stdout.splitlines()]
    assert [g["labels"] for g in got] == [[label for label, _ in e[:2]] for e in expected]
    assert all(abs(p - q) < 1e-4 for g, e in zip(got, expected) for p, (_, q) in zip(g["probs"], e))


def test_predict_default_and_threshold():
    r = run("predict", DATA / "tiny.bin", "-", input="w1 w2 w3\n\n")
    assert r.exit_code == 0, r.output
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    assert len(rows) == 2 and rows[0][0].startswith("L") and 0 < float(rows[0][1]) <= 1
    r = run("predict", DATA / "tiny.bin", "-", "--threshold", "0.99", input="w1 w2 w3\n")
    assert r.exit_code == 0 and r.stdout == "\n"


def test_evaluate_on_fasttext_lines(tmp_path):
    test = tmp_path / "test.txt"
    test.write_text("\n".join(corpus(80, 4, seed=5)) + "\n", encoding="utf-8")
    r = run("evaluate", DATA / "tiny.bin", test, "--format", "fasttext", "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["n"] == 80 and 0.3 < report["accuracy"] <= 1  # 4 labels: chance is 0.25


def test_damaged_files_are_one_error_line(tmp_path):
    whole = (DATA / "tiny_hs.ftz").read_bytes()
    for n in (20, 300, len(whole) // 2, len(whole) - 3):
        bad = tmp_path / f"cut{n}.ftz"
        bad.write_bytes(whole[:n])
        r = run("predict", bad, "-", input="w1\n")
        assert r.exit_code == 1 and r.stderr.count("\n") == 1 and r.stderr.startswith("error: "), r.output
