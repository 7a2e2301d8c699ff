"""Starting and stopping: SIGTERM lets requests in flight finish, workers share one socket, a bad model
or a missing extra is one error line."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import threading
import time

import pytest
from typer.testing import CliRunner

from seqkit.cli import app
from tests.serve.conftest import TOKEN, Server, vector_model


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_lets_requests_in_flight_finish(tmp_path, workers):
    model = vector_model(tmp_path / "big.w2v", n_words=20_000, dim=32)
    server = Server([model, "--workers", workers, "--max-batch", 5000])
    body = {"words": ["king", "queen -man"] * 1000, "n": 5}  # tens of milliseconds each
    first = server.post("/similar", body)
    assert first[0] == 200
    got, sent = [], threading.Semaphore(0)

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        conn.request("POST", "/similar", body=json.dumps(body).encode(),
                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"})
        sent.release()
        try:
            r = conn.getresponse()
            got.append((r.status, json.loads(r.read())))
        except (ConnectionError, OSError):
            got.append((0, None))
        finally:
            conn.close()

    threads = [threading.Thread(target=client) for _ in range(6)]
    for t in threads:
        t.start()
    for _ in threads:  # every request is on the wire, however slow this machine is today
        assert sent.acquire(timeout=60)
    deadline = time.monotonic() + 60
    while not got and time.monotonic() < deadline:  # the server is answering them one by one: it has
        time.sleep(0.01)  # read them all (its loop is free while the thread pool works); five are still in flight
    assert server.stop() in (0, -signal.SIGTERM)  # uvicorn ends by the signal once it has drained
    for t in threads:
        t.join(60)
    assert got == [first] * 6
    assert server.request("GET", "/health")[0] == 0  # nobody listens any more


def test_a_bad_model_is_one_error_line(tmp_path):
    (tmp_path / "bad.w2v").write_bytes(b"\x80\x04junk")
    r = subprocess.run([sys.executable, "-m", "seqkit", "serve", str(tmp_path / "bad.w2v"), "--port", "0"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and r.stderr.startswith("error:") and len(r.stderr.strip().splitlines()) == 1
    r = subprocess.run([sys.executable, "-m", "seqkit", "serve", str(tmp_path / "nope.npz"), "--workers", "0"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "--workers" in r.stderr


def test_two_models_of_one_name_are_refused(tmp_path):
    a = vector_model(tmp_path / "m.w2v")
    (tmp_path / "d").mkdir()
    b = vector_model(tmp_path / "d" / "m.w2v")
    r = subprocess.run([sys.executable, "-m", "seqkit", "serve", str(a), str(b), "--port", "0"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "two models are named 'm'" in r.stderr


def test_without_the_extra_the_command_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "fastapi", None)  # import fastapi -> ImportError
    r = CliRunner().invoke(app, ["serve", str(tmp_path / "m.w2v")])
    assert r.exit_code == 2 and "pip install 'seqkit[serve]'" in r.stderr


def test_a_busy_port_is_one_error_line(tmp_path):
    import socket

    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    model = vector_model(tmp_path / "m.w2v")
    r = subprocess.run([sys.executable, "-m", "seqkit", "serve", str(model), "--port", str(busy.getsockname()[1])],
                       capture_output=True, text=True, timeout=120)
    busy.close()
    assert r.returncode == 2 and r.stderr.startswith("error: cannot listen on 127.0.0.1") and len(r.stderr.strip().splitlines()) == 1
