"""A real `seqkit serve` on a free loopback port, spoken to over HTTP, stopped with SIGTERM."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

WORDS = ["king", "queen", "man", "woman", "prince", "paris", "france", "rome", "italy", "film", "good", "bad"]
TOKEN = "s3cret-token"


def vector_model(path, n_words: int = 0, dim: int = 16):
    """A native word-vector model: WORDS, then n_words more, random vectors (seeded)."""
    from seqkit.embed.formats import save_native

    words = WORDS + [f"w{i}" for i in range(n_words)]
    vectors = np.random.default_rng(0).standard_normal((len(words), dim)).astype(np.float32)
    save_native(path, words, np.arange(len(words), 0, -1), {"vectors": vectors}, {"training": {}})
    return path


def linear_model(path):
    from tests.models.linear.test_model import _fit, _sentiment

    _fit(_sentiment(100, 0), word_ngrams=2, buckets=50).save(path)
    return path


class Server:
    def __init__(self, args, env=None):
        self.proc = subprocess.Popen([sys.executable, "-m", "seqkit", "serve", *map(str, args), "--port", "0"],
                                     stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
        line = self.proc.stderr.readline()  # "serving ... on http://127.0.0.1:PORT ..." once bound
        found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if not found:
            self.proc.kill()
            raise AssertionError(f"the server did not start: {line}{self.proc.stderr.read()}")
        self.port = int(found.group(1))
        deadline = time.monotonic() + 60
        while self.request("GET", "/health")[0] != 200:  # bound before the workers listen: wait for them
            assert time.monotonic() < deadline and self.proc.poll() is None, "no answer on /health"
            time.sleep(0.05)

    def request(self, method, path, body=None, token=TOKEN, headers=None, raw=None):
        """(status, parsed JSON) of one request; status 0 where the connection failed."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        h = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})}
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            return r.status, json.loads(r.read() or b"null")
        except (ConnectionError, OSError):
            return 0, None
        finally:
            conn.close()

    def post(self, path, body, **kw):
        return self.request("POST", path, body, **kw)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        finally:
            self.proc.stderr.close()


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("serve")
    return {"vec": vector_model(d / "vec.w2v"), "clf": linear_model(d / "clf.npz"), "dir": d}


@pytest.fixture(scope="module")
def server(models):
    s = Server([models["vec"], models["clf"], "--max-body", 4096, "--max-batch", 20], env={"SEQKIT_SERVE_TOKEN": TOKEN})
    yield s
    s.stop()
