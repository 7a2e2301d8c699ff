"""Documents out to the workers in blocks, results back in input order (`vectors --docs`,
`predict`, `evaluate` with --cluster).

The client reads the input and sends blocks of texts; at most `in_flight` blocks are out at a
time, so memory stays bounded and results stream. Each worker process loads the model once, by
path (the path must be the same on every worker: a shared file system), and keeps it for the
following blocks.
"""

from __future__ import annotations

import os
from collections import deque
from typing import Callable, Iterable, Iterator

import numpy as np

from seqkit.cluster.session import n_workers, on_worker

_cache: dict = {}  # on a worker: (loader, path, mtime, size) -> loaded model


def _cached(loader: Callable, path: str):
    """``loader(path)``, once per worker process and version of the file."""
    from seqkit.fileio import check_readable_file

    st = os.stat(check_readable_file(path, "model"))
    key = (loader.__module__, loader.__qualname__, path, st.st_mtime_ns, st.st_size)
    if key not in _cache:
        _cache.clear()  # one model at a time per worker
        _cache[key] = loader(path)
    return _cache[key]


def ordered_map(client, fn: Callable, blocks: Iterable, *args, in_flight: int | None = None) -> Iterator:
    """``fn(block, *args)`` on the workers for each block, results in block order; at most
    ``in_flight`` blocks (default: twice the workers) submitted and not yet read."""
    in_flight = in_flight or 2 * n_workers(client)
    window: deque = deque()
    try:
        for block in blocks:
            window.append(client.submit(fn, block, *args, pure=False))
            if len(window) >= in_flight:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()
    finally:
        if window:
            client.cancel(list(window))


def chunks(items: Iterable, size: int) -> Iterator[list]:
    buf: list = []
    for x in items:
        buf.append(x)
        if len(buf) == size:
            yield buf
            buf = []
    if buf:
        yield buf


# -- document vectors ------------------------------------------------------------------------------
def _load_keyed(path: str):
    from seqkit.embed.keyed import document_tokenizer, load_vectors

    kv = load_vectors(path)
    return kv, document_tokenizer(kv)


@on_worker
def _frequencies_block(texts: list[str], model: str) -> tuple[int, np.ndarray, np.ndarray]:
    """On a worker: (documents, word rows, how many documents hold each) for one block."""
    from seqkit.embed.docvec import document_frequencies, known_ids

    kv, tokenize = _cached(_load_keyed, model)
    df = document_frequencies(known_ids(kv, [tokenize(t) for t in texts]), len(kv))
    rows = np.flatnonzero(df)
    return len(texts), rows, df[rows]


@on_worker
def _vectors_block(texts: list[str], model: str, weight: str, idf) -> tuple[np.ndarray, int, list[int]]:
    from seqkit.embed.docvec import document_vectors

    kv, tokenize = _cached(_load_keyed, model)
    return document_vectors(kv, [tokenize(t) for t in texts], weight, idf)


def document_vectors(client, model: str, read_texts: Callable[[], Iterable[str]], vocab_size: int,
                     weight: str, block: int = 2000) -> Iterator[tuple[np.ndarray, int, list[int]]]:
    """((b, d) vectors, documents without a known word, words built from n-grams per document) per block of the texts, in input order.
    TF-IDF reads the texts twice (``read_texts`` is called again): document frequencies first."""
    from seqkit.embed.docvec import idf_weights

    model = os.path.abspath(model)
    idf = None
    if weight == "tfidf":
        df, n = np.zeros(vocab_size, np.int64), 0
        for count, rows, freq in ordered_map(client, _frequencies_block, chunks(read_texts(), block), model):
            df[rows] += freq
            n += count
        idf = client.scatter(idf_weights(df, n), broadcast=True)  # to each worker once
    yield from ordered_map(client, _vectors_block, chunks(read_texts(), block), model, weight, idf)


def document_vectors_on_cluster(address: str, model: str, kv, read_texts: Callable[[], Iterable[str]],
                                from_stdin: bool, weight: str) -> Iterator[tuple[np.ndarray, int, list[int]]]:
    """`vectors --docs --cluster`: ((b, d) vectors, documents without a known word, words built from
    n-grams per document) per block, in
    input order, as the blocks come back (the cluster is held while the caller reads)."""
    from seqkit.cluster.session import connect
    from seqkit.errors import OptionError

    if weight == "tfidf" and from_stdin:
        raise OptionError("--weight tfidf with --cluster reads the documents twice: give a file, not stdin")
    with connect(address) as client:
        yield from document_vectors(client, model, read_texts, len(kv), weight)


# -- classifiers -----------------------------------------------------------------------------------
def _load_classifier(path: str):
    from seqkit.models.loading import load_classifier

    return load_classifier(path)


@on_worker
def _proba_block(texts: list[str], model: str) -> np.ndarray:
    return _cached(_load_classifier, model).predict_proba(texts)


def predict_proba(client, model: str, blocks: Iterable[list[str]]) -> Iterator[np.ndarray]:
    """(n, C) class probabilities per block of texts, in input order."""
    yield from ordered_map(client, _proba_block, blocks, os.path.abspath(model))
