"""`seqkit serve` over real HTTP: each endpoint's answers equal the command's --json output, and bad
requests get a JSON error with the right status, never a 500."""

from __future__ import annotations

import http.client
import json
import threading

import pytest
from typer.testing import CliRunner

from seqkit.cli import app
from tests.serve.conftest import TOKEN

runner = CliRunner()


def cli_json(args, stdin=None) -> list[dict]:
    r = runner.invoke(app, [str(a) for a in args], input=stdin)
    assert r.exit_code in (0, 1), r.output
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


def flat(results, extra=()) -> list[dict]:
    """The server's per-query answers as the command's batch lines (query field first)."""
    return [{"query": item["query"], **row} for item in results if "results" in item for row in item["results"]]


QUERIES = ["king", "paris -france italy", "queen woman -man"]


def test_similar_equals_the_command(server, models):
    status, body = server.post("/similar", {"words": QUERIES, "n": 4})
    assert status == 200 and body["model"] == "vec"
    want = cli_json(["similar", models["vec"], "-n", "4", "--json"], "\n".join(QUERIES) + "\n")
    assert flat(body["results"]) == want and len(want) == 12


def test_analogy_equals_the_command(server, models):
    queries = ["man king woman", "france paris italy"]
    status, body = server.post("/analogy", {"model": "vec", "words": queries, "n": 3, "method": "mul"})
    want = cli_json(["analogy", models["vec"], "-n", "3", "--method", "mul", "--json"], "\n".join(queries) + "\n")
    assert status == 200 and flat(body["results"]) == want and len(want) == 6


def test_vectors_of_words_and_documents_equal_the_command(server, models, tmp_path):
    status, body = server.post("/vectors", {"words": ["king", "film"]})
    assert status == 200 and body["results"] == cli_json(["vectors", models["vec"], "king", "film", "--format", "jsonl"])
    docs = ["The king and the queen.", "a good film, a bad film", "nothing known here"]
    (tmp_path / "docs.txt").write_text("\n".join(docs) + "\n")
    for weight in ("mean", "tfidf"):
        status, body = server.post("/vectors", {"texts": docs, "weight": weight})
        want = cli_json(["vectors", models["vec"], "--docs", tmp_path / "docs.txt", "--weight", weight, "--format", "jsonl"])
        assert status == 200 and body["results"] == want and len(want) == 3


@pytest.mark.parametrize("options", [{}, {"k": 2}, {"threshold": 0.6}, {"probs": True}])
def test_predict_equals_the_command(server, models, tmp_path, options):
    texts = ["a good film", "the awful plot was dull", "unseen words only", ""]
    (tmp_path / "texts.txt").write_text("\n".join(texts) + "\n")
    flags = {"k": ["--k", "2"], "threshold": ["--threshold", "0.6"], "probs": ["--probs"]}
    status, body = server.post("/predict", {"texts": texts[:3], **options})
    want = cli_json(["predict", models["clf"], tmp_path / "texts.txt", "--json", *[f for k in options for f in flags[k]]])
    assert status == 200 and body["results"] == want[:3] and len(want) >= 3


def test_models_and_health(server):
    status, body = server.request("GET", "/models")
    assert status == 200 and [(m["name"], m["kind"]) for m in body["models"]] == [("vec", "vectors"), ("clf", "classifier")]
    assert server.request("GET", "/health", token=None) == (200, {"status": "ok", "models": 2})
    assert server.request("GET", "/openapi.json", token=None)[1]["paths"]["/predict"]


def test_unknown_words_are_errors_of_their_item_only(server):
    status, body = server.post("/similar", {"words": ["king", "nosuchword", "king -nosuchword"], "n": 1})
    assert status == 200
    assert [("results" in r, "nosuchword" in r.get("error", "")) for r in body["results"]] == [(True, False), (False, True), (False, True)]
    status, body = server.post("/vectors", {"words": ["queen", "nosuchword"]})
    assert status == 200 and "vector" in body["results"][0] and "nosuchword" in body["results"][1]["error"]


@pytest.mark.parametrize("path, body, status, words", [
    ("/similar", {"model": "nope", "words": ["king"]}, 404, "no model named 'nope'"),
    ("/predict", {"model": "vec", "texts": ["x"]}, 400, "needs a classifier"),
    ("/similar", {"words": "king"}, 422, "body.words"),
    ("/similar", {"words": ["king"], "n": "3"}, 422, "body.n"),
    ("/similar", {"words": ["king"], "n": 0}, 422, "body.n"),
    ("/predict", {"texts": ["x"], "threshold": 2}, 422, "body.threshold"),
    ("/predict", {"texts": ["x"], "kk": 2}, 422, "body.kk"),
    ("/vectors", {"words": ["king"], "texts": ["x"]}, 422, "either words or texts"),
    ("/predict", {"texts": ["x"] * 21}, 413, "at most 20"),
    ("/similar", [1, 2], 422, "body"),
    ("/similar", {"words": ["king"] * 20, "n": 9999}, 413, "split the request"),
])
def test_bad_requests_get_a_json_error(server, path, body, status, words):
    got, answer = server.post(path, body)
    assert got == status and words in answer["error"]


def test_malformed_json_and_oversized_bodies(server):
    got, answer = server.post("/similar", None, raw=b'{"words": ["king"')
    assert got == 422 and "JSON" in answer["error"]
    got, answer = server.post("/similar", None, raw=b"\xff\xfe not text")
    assert 400 <= got < 500 and answer["error"]
    big = json.dumps({"words": ["king"] * 1000}).encode()
    assert server.post("/similar", None, raw=big)[0] == 413
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)  # no Content-Length: chunks
    conn.request("POST", "/similar", body=iter([big[:3000], big[3000:]]), encode_chunked=True,
                 headers={"Authorization": f"Bearer {TOKEN}", "Transfer-Encoding": "chunked"})
    r = conn.getresponse()
    assert r.status == 413 and "larger than 4096" in json.loads(r.read())["error"]
    conn.close()


@pytest.mark.parametrize("token", [None, "wrong-token", ""])
def test_missing_or_wrong_token(server, token):
    got, answer = server.post("/similar", {"words": ["king"]}, token=token)
    assert got == 401 and "token" in answer["error"]


def test_concurrent_requests_get_their_own_answers(server):
    queries = [QUERIES[i % 3] for i in range(48)]
    want = {q: server.post("/similar", {"words": [q], "n": 3})[1] for q in QUERIES}
    got = [None] * len(queries)

    def ask(i):
        got[i] = server.post("/similar", {"words": [queries[i]], "n": 3})

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(queries))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert got == [(200, want[q]) for q in queries]
