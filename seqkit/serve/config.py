"""The server's settings, built once by the CLI (seqkit/cli/serve.py)."""

from __future__ import annotations

from dataclasses import dataclass

from seqkit.errors import OptionError


@dataclass(frozen=True)
class ServeConfig:
    models: tuple[str, ...]  # model files, each PATH or NAME=PATH (name: the file's stem)
    host: str = "127.0.0.1"  # loopback unless the user opens it up
    port: int = 8000
    workers: int = 1  # processes serving one socket; forked after loading, so they share the models' pages
    token: str | None = None  # bearer token every request but /health and the docs must carry
    max_body: int = 1 << 20  # bytes of request body (413 above)
    max_batch: int = 1000  # queries or texts in one request (413 above)
    graceful_seconds: float = 30.0  # on SIGTERM, how long requests in flight may take to finish

    def __post_init__(self):
        checks = (
            (len(self.models) >= 1, "give at least one model"),
            (0 <= self.port <= 65535, f"--port must be in 0..65535, got {self.port}"),
            (self.workers >= 1, f"--workers must be at least 1, got {self.workers}"),
            (self.max_body >= 1024, f"--max-body must be at least 1024 bytes, got {self.max_body}"),
            (self.max_batch >= 1, f"--max-batch must be at least 1, got {self.max_batch}"),
            (self.token is None or len(self.token) >= 8, "--token must be at least 8 characters"),
        )
        for ok, message in checks:
            if not ok:
                raise OptionError(message)
