"""A subword model served: words outside the vocabulary from their n-grams, named in `oov`, as the commands
do; `no_oov` turns them into errors of their item."""

from __future__ import annotations

from tests.embed.test_fasttext_bin import WORDS, native_model  # noqa: F401 (fixture)
from tests.serve.conftest import Server
from tests.serve.test_server import cli_json, flat


def test_out_of_vocabulary_words_as_the_commands(native_model):  # noqa: F811
    oov = WORDS[0] + "zq"
    server = Server([native_model])
    try:
        queries = [f"{WORDS[1]} {oov}", WORDS[2]]
        status, body = server.post("/similar", {"words": queries, "n": 3}, token=None)
        assert status == 200 and flat(body["results"]) == cli_json(["similar", native_model, "-n", "3", "--json"], "\n".join(queries) + "\n")
        assert body["results"][0]["results"][0]["oov"] == [oov]
        status, body = server.post("/vectors", {"words": [oov, WORDS[1]]}, token=None)
        assert status == 200 and body["results"] == cli_json(["vectors", native_model, oov, WORDS[1], "--format", "jsonl"])
        status, body = server.post("/similar", {"words": queries, "no_oov": True}, token=None)
        refused = cli_json(["similar", native_model, "--no-oov", "--json"], "\n".join(queries) + "\n")
        assert status == 200 and "error" in body["results"][0] and flat(body["results"]) == refused
        assert server.post("/similar", {"words": [oov]}, token=None)[1]["results"][0]["results"][0]["oov"] == [oov]
    finally:
        server.stop()
