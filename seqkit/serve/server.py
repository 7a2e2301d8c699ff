"""The processes: models load once, the socket is bound, then `workers` processes fork from the loaded
parent and serve the one socket with uvicorn, sharing the models' pages (memory-mapped or copy-on-write).
SIGTERM or Ctrl-C: each worker stops taking connections and lets the requests in flight finish."""

from __future__ import annotations

import os
import signal
import socket
from typing import Callable

from seqkit.errors import OptionError
from seqkit.serve.config import ServeConfig


def _uvicorn_server(app, config: ServeConfig):
    import uvicorn

    return uvicorn.Server(uvicorn.Config(
        app, host=config.host, port=config.port, log_level="warning", access_log=False,
        timeout_graceful_shutdown=config.graceful_seconds, lifespan="off",
    ))


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket (uvicorn listens on it; forked workers share it)."""
    try:
        info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(info[0], socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(info[4])
    except OSError as e:
        raise OptionError(f"cannot listen on {host}:{port}: {e.strerror or e} (--port 0 picks a free port)") from None
    sock.set_inheritable(True)
    return sock


def serve(config: ServeConfig, ready: Callable[[str], None] = lambda where: None) -> None:
    """Load the models, bind, serve until SIGTERM/SIGINT. `ready(address)` is called once listening is possible."""
    from seqkit.serve.app import build_app
    from seqkit.serve.registry import load_all

    sock = _bind(config.host, config.port)  # before loading: a busy port fails at once
    app = build_app(load_all(config.models), config)
    server = _uvicorn_server(app, config)
    host, port = sock.getsockname()[:2]
    ready(f"http://{host}:{port}" if ":" not in host else f"http://[{host}]:{port}")
    if config.workers == 1:
        server.run(sockets=[sock])
        return
    children = []
    for _ in range(config.workers):
        pid = os.fork()
        if pid == 0:  # a worker: serve, then leave without running the parent's exit handlers
            code = 0
            try:
                server.run(sockets=[sock])
            except BaseException:
                code = 1
            os._exit(code)
        children.append(pid)
    sock.close()
    _wait(children)


def _wait(children: list[int]) -> None:
    """Pass SIGTERM/SIGINT on to the workers and wait for all of them."""
    def forward(signum, frame):
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for pid in children:
        while True:
            try:
                os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
            except ChildProcessError:
                break
