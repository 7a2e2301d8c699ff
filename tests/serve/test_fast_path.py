"""The fast path answers a well-formed query itself, exactly as the FastAPI route would, and hands anything
its schema refuses on to FastAPI (whose 422 names the fields at fault). Spoken to as ASGI, in process."""

from __future__ import annotations

import asyncio
import json

import pytest

pytest.importorskip("fastapi")

from seqkit.serve.app import ENDPOINTS, FastPath, Picker, build_app  # noqa: E402
from seqkit.serve.config import ServeConfig  # noqa: E402
from seqkit.serve.registry import load_all  # noqa: E402
from tests.serve.conftest import linear_model, vector_model  # noqa: E402


class Framework:
    """Stands in for FastAPI behind the fast path: counts what reaches it, answers 599."""

    def __init__(self):
        self.calls = 0

    async def __call__(self, scope, receive, send):
        self.calls += 1
        await send({"type": "http.response.start", "status": 599, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


def _call(app, path: str, body: bytes) -> tuple[int, dict]:
    sent = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "headers": [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")],
             "query_string": b"", "root_path": "", "scheme": "http", "server": ("127.0.0.1", 1), "http_version": "1.1"}
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, json.loads(b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("fast")
    return load_all([f"vec={vector_model(d / 'vec.w2v')}", f"clf={linear_model(d / 'clf.npz')}"])


REQUESTS = [("/predict", {"texts": ["a good film"], "k": 2}), ("/vectors", {"words": ["king", "nosuchword"]}),
            ("/similar", {"words": ["king"], "n": 3}), ("/analogy", {"words": ["man king woman"]}),
            ("/vectors", {"texts": ["good film"] * 20})]


@pytest.mark.parametrize("path, body", REQUESTS)
def test_a_well_formed_query_never_reaches_the_framework(models, path, body):
    framework = Framework()
    fast = FastPath(framework, Picker(models, ServeConfig(("x",))))
    status, answer = _call(fast, path, json.dumps(body).encode())
    assert status == 200 and framework.calls == 0
    assert answer == _call(build_app(models, ServeConfig(("x",), max_body=1 << 20)).app.app, path, json.dumps(body).encode())[1]


@pytest.mark.parametrize("body", [b'{"texts": "one"}', b'{"texts": ["x"], "k": 0}', b"{bad json", b"\xff\xfe"])
def test_what_the_schema_refuses_goes_on_to_the_framework(models, body):
    framework = Framework()
    assert _call(FastPath(framework, Picker(models, ServeConfig(("x",)))), "/predict", body)[0] == 599
    assert framework.calls == 1


def test_errors_of_the_request_are_answered_on_the_fast_path(models):
    framework = Framework()
    fast = FastPath(framework, Picker(models, ServeConfig(("x",), max_batch=2)))
    assert _call(fast, "/predict", b'{"model": "vec", "texts": ["x"]}') == (400, {"error": "model 'vec' is a vectors model; this endpoint needs a classifier model"})
    assert _call(fast, "/predict", b'{"texts": ["a", "b", "c"]}')[0] == 413
    assert framework.calls == 0


def test_every_query_endpoint_has_a_documented_route(models):
    paths = build_app(models, ServeConfig(("x",))).app.app.openapi()["paths"]
    assert set(ENDPOINTS) <= set(paths)


def test_fasttext_classifiers_are_served_as_classifiers():
    from pathlib import Path

    from seqkit.models.loading import load_classifier

    data = Path(__file__).parents[1] / "formats" / "data"
    models = load_all([str(data / "tiny.bin"), str(data / "tiny_hs.ftz")])
    assert {m.kind for m in models.values()} == {"classifier"}
    fast = FastPath(Framework(), Picker(models, ServeConfig(("x",))))
    status, answer = _call(fast, "/predict", json.dumps({"model": "tiny", "texts": ["w1 w2 w3"], "k": 2}).encode())
    p = load_classifier(data / "tiny.bin").predict_proba(["w1 w2 w3"])[0]
    assert status == 200 and answer["results"][0]["probs"] == [round(float(v), 6) for v in sorted(p)[::-1][:2]]
