"""The ASGI app: FastAPI routes over the registry, behind one guard (bearer token, body size) and a
fast path that answers well-formed queries without the framework's per-request machinery.

Work longer than a few tens of microseconds runs in the thread pool: the event loop stays free to
accept and read every request, so a SIGTERM finds them all in flight and lets them finish (a busy loop
would leave requests unread in the socket's queue, and uvicorn closes those). NumPy releases the GIL in its products; more
cores mean more worker processes (server.py). Errors are JSON: {"error": ...}."""

from __future__ import annotations

import copy
import hmac
import json

from fastapi import FastAPI, HTTPException
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from seqkit import __version__
from seqkit.serve import queries
from seqkit.serve.config import ServeConfig
from seqkit.serve.registry import CLASSIFIER, VECTORS, Served
from seqkit.serve.schemas import AnalogyRequest, PredictRequest, SimilarRequest, VectorsRequest

MAX_ROWS = 100_000  # rows in one answer (queries x n)
OPEN_PATHS = ("/health", "/docs", "/openapi.json", "/docs/oauth2-redirect")  # no token needed


def _reply(status: int, body: dict, headers: dict | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


class Guard:
    """ASGI middleware: the bearer token, then the body read whole up to max_body bytes (413 past it,
    whatever Content-Length says) and handed on to the app as JSON."""

    def __init__(self, app, config: ServeConfig):
        self.app, self.token, self.max_body = app, config.token, config.max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        if self.token and scope["path"] not in OPEN_PATHS and not self._authorized(headers.get(b"authorization", b"")):
            return await _reply(401, {"error": "missing or wrong bearer token"}, {"WWW-Authenticate": "Bearer"})(scope, receive, send)
        declared = headers.get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_body:
            return await self._too_large(scope, receive, send)
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_body:
                return await self._too_large(scope, receive, send)
        # Every body is JSON, whatever the client labelled it (`curl -d` says form data).
        scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != b"content-type"]
                 + [(b"content-type", b"application/json")]}
        await self.app(scope, _replay({"type": "http.request", "body": body, "more_body": False}, receive), send)

    def _authorized(self, header: bytes) -> bool:
        scheme, _, given = header.decode("latin-1").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.token.encode())

    async def _too_large(self, scope, receive, send):
        await _reply(413, {"error": f"request body larger than {self.max_body} bytes"})(scope, receive, send)


class Picker:
    """The request's model and the limits on its size, as HTTP errors."""

    def __init__(self, models: dict[str, Served], config: ServeConfig):
        self.models, self.config = models, config

    def model(self, name: str | None, kind: str) -> Served:
        if name is None:
            fit = [m for m in self.models.values() if m.kind == kind]
            if len(fit) != 1:
                raise HTTPException(400, f"name the model: {len(fit)} {kind} models are served ({', '.join(m.name for m in fit)})")
            return fit[0]
        served = self.models.get(name)
        if served is None:
            raise HTTPException(404, f"no model named {name!r} (served: {', '.join(self.models)})")
        if served.kind != kind:
            raise HTTPException(400, f"model {name!r} is a {served.kind} model; this endpoint needs a {kind} model")
        return served

    def vectors(self, req) -> tuple[Served, object]:
        served = self.model(req.model, VECTORS)
        if not req.no_oov or not served.model.has_subwords:
            return served, served.model
        kv = copy.copy(served.model)  # a view with its own setting: handlers run in threads
        kv.allow_oov = False
        return served, kv

    def bounded(self, items, field: str, per_item: int = 1) -> list:
        if len(items) > self.config.max_batch:
            raise HTTPException(413, f"{len(items)} {field} in one request; at most {self.config.max_batch}")
        if len(items) * per_item > MAX_ROWS:  # the answer's size: queries times neighbours
            raise HTTPException(413, f"{len(items)} {field} of {per_item} answers each is over {MAX_ROWS:,} rows; split the request")
        return items


def _similar(pick: Picker, req: SimilarRequest) -> dict:
    """Nearest words by cosine, one list per query (`seqkit similar`)."""
    served, kv = pick.vectors(req)
    with served.lock:
        out = queries.similar(kv, pick.bounded(req.words, "queries", req.n), req.minus, req.n, req.restrict)
    return {"model": served.name, "results": out}


def _analogy(pick: Picker, req: AnalogyRequest) -> dict:
    """A is to B as C is to ? (`seqkit analogy`)."""
    served, kv = pick.vectors(req)
    with served.lock:
        out = queries.analogy(kv, pick.bounded(req.words, "queries", req.n), req.n, req.method, req.restrict)
    return {"model": served.name, "results": out}


def _vectors(pick: Picker, req: VectorsRequest) -> dict:
    """Vectors of words, or of documents with `texts` (`seqkit vectors --format jsonl`)."""
    if (req.words is None) == (req.texts is None):
        raise HTTPException(422, "give either words or texts")
    served, kv = pick.vectors(req)
    words = req.words is not None
    items = pick.bounded(req.words if words else req.texts, "words" if words else "texts")
    with served.lock:
        out = queries.word_vectors(kv, items) if words else queries.document_vectors(kv, items, req.weight)
    return {"model": served.name, "results": out}


def _predict(pick: Picker, req: PredictRequest) -> dict:
    """Labels of texts (`seqkit predict --json`)."""
    served = pick.model(req.model, CLASSIFIER)
    texts = pick.bounded(req.texts, "texts")
    with served.lock:
        out = queries.predict(served.model, texts, req.k, req.threshold, req.probs)
    return {"model": served.name, "results": out}


# path -> (request schema, answer, how many items a request may hold to be answered on the event loop
# itself): a vector or a prediction is tens of microseconds, less than a hop to the thread pool; one
# similar or analogy query scans the vocabulary (about 2 ms on 100k words) and still beats the hop,
# more queries go to the pool so that the loop keeps reading requests
ENDPOINTS = {
    "/similar": (SimilarRequest, _similar, 1),
    "/analogy": (AnalogyRequest, _analogy, 1),
    "/vectors": (VectorsRequest, _vectors, 8),
    "/predict": (PredictRequest, _predict, 8),
}
INLINE_CHARS = 2000


def build_app(models: dict[str, Served], config: ServeConfig):
    """The FastAPI app behind its Guard and the fast path."""
    app = FastAPI(title="seqkit", version=__version__,
                  description="Word-vector queries and text classification over HTTP: `seqkit serve`.")
    pick = Picker(models, config)
    _query_routes(app, pick)
    _error_handlers(app)
    return Guard(FastPath(app, pick), config)


class FastPath:
    """ASGI: a well-formed query is validated by its schema and answered here, without the framework's
    routing and dependency machinery (a few hundred microseconds of Python per request); anything the
    schema refuses goes on to FastAPI, whose answer (422 with the fields at fault) is the reference."""

    def __init__(self, app, pick: Picker):
        self.app, self.pick = app, pick

    async def __call__(self, scope, receive, send):
        route = ENDPOINTS.get(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        if route is None:
            return await self.app(scope, receive, send)
        message = await receive()  # the Guard hands the whole body in one message
        schema, answer, on_loop = route
        try:
            req = schema.model_validate_json(message.get("body", b""))
        except ValueError:  # pydantic's ValidationError: FastAPI says what is wrong

            return await self.app(scope, _replay(message, receive), send)
        try:
            if _small(req, on_loop):
                body = answer(self.pick, req)
            else:
                from starlette.concurrency import run_in_threadpool

                body = await run_in_threadpool(answer, self.pick, req)
            status, headers = 200, None
        except HTTPException as e:
            status, body, headers = e.status_code, {"error": str(e.detail)}, e.headers
        await _reply(status, body, headers)(scope, receive, send)


def _replay(first: dict, receive):
    """An ASGI receive that gives `first` once, then the connection's own messages."""
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return first
        return await receive()

    return replay


def _small(req, most: int) -> bool:
    """Whether a request holds at most `most` items of INLINE_CHARS characters in all."""
    items = getattr(req, "texts", None) or getattr(req, "words", None) or ()
    return len(items) <= most and sum(map(len, items)) <= INLINE_CHARS


def _query_routes(app: FastAPI, pick: Picker) -> None:
    """The routes FastAPI documents (/docs) and answers when the fast path hands a request on."""
    @app.get("/health")
    async def health():
        return {"status": "ok", "models": len(pick.models)}

    @app.get("/models")
    async def list_models():
        return {"models": [m.describe() for m in pick.models.values()]}

    for path, (schema, answer, _) in ENDPOINTS.items():
        _post_route(app, pick, path, schema, answer)


def _post_route(app: FastAPI, pick: Picker, path: str, schema, answer) -> None:
    def route(req):  # a plain def: FastAPI runs it in the thread pool
        return _reply(200, answer(pick, req))

    route.__name__, route.__doc__ = answer.__name__.strip("_"), answer.__doc__
    route.__annotations__ = {"req": schema}  # the body's schema, for validation and /docs
    app.post(path)(route)


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request, exc):
        return _reply(exc.status_code, {"error": str(exc.detail)}, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request, exc):
        errors = [{"where": ".".join(map(str, e.get("loc", ()))), "problem": e.get("msg", "")} for e in exc.errors()]
        return _reply(422, {"error": "invalid request: " + "; ".join(f"{e['where']}: {e['problem']}" for e in errors),
                            "details": json.loads(json.dumps(errors, default=str))})
