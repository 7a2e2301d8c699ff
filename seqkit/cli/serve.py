"""`seqkit serve`: word-vector queries and classifiers over HTTP (seqkit/serve/). Imports nothing of the
server here: FastAPI and uvicorn load when the command runs."""

from __future__ import annotations

import os
from typing import List, Optional

import typer

app = typer.Typer()

INSTALL = "seqkit serve needs FastAPI and uvicorn: pip install 'seqkit[serve]'"


@app.command("serve")
def serve(
    models: List[str] = typer.Argument(..., help="Models to serve: word vectors (any file `seqkit similar` reads) or classifiers (`seqkit predict`), each PATH or NAME=PATH (default name: the file's stem)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback by default; 0.0.0.0 opens it to the network)."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port (0: a free one, printed on stderr)."),
    workers: int = typer.Option(1, "--workers", min=1, help="Processes serving the socket, sharing the loaded models."),
    token: Optional[str] = typer.Option(None, "--token", envvar="SEQKIT_SERVE_TOKEN", help="Require 'Authorization: Bearer TOKEN' (also from $SEQKIT_SERVE_TOKEN, which `ps` does not show)."),
    max_body: int = typer.Option(1 << 20, "--max-body", min=1024, help="Largest request body in bytes (413 above)."),
    max_batch: int = typer.Option(1000, "--max-batch", min=1, help="Most queries or texts in one request (413 above)."),
) -> None:
    """Serve models over HTTP as a JSON API: POST /similar, /analogy, /vectors, /predict; GET /models, /health;
    documentation at /docs. Answers equal the commands' --json output.

    Example: seqkit serve vectors.w2v sentiment.npz --port 8000

    Then:    curl -s localhost:8000/predict -d '{"texts": ["a wonderful, moving film"]}'
    """
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        from seqkit.errors import OptionError

        raise OptionError(INSTALL) from None
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads: one product per request, workers fork
    from seqkit.cli.output import message, warning
    from seqkit.serve.config import ServeConfig
    from seqkit.serve.registry import parse_spec
    from seqkit.serve.server import serve as run

    config = ServeConfig(tuple(models), host, port, workers, token, max_body, max_batch)
    if token is None and host not in ("127.0.0.1", "localhost", "::1"):
        warning(f"--host {host} without --token: anyone who reaches this address can query the models")
    names = ", ".join(parse_spec(m)[0] for m in models)
    run(config, ready=lambda where: message(f"serving {names} on {where} (docs: {where}/docs); Ctrl-C or SIGTERM stops"))
