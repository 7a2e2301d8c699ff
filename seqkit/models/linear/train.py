"""Training the linear classifier: encode the texts once (tokens -> ids), give words and the n-gram
buckets that occur their rows, then run the Numba kernel epoch by epoch, chunk by chunk, so that a
progress callback sees every chunk. Never prints."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from seqkit.chunks import chunked
from seqkit.errors import InputError
from seqkit.models.linear.config import LinearConfig
from seqkit.models.linear.model import LinearClassifier, label_tree
from seqkit.train import BatchProgress, Callbacks, EpochSummary, NoCallbacks

CHUNK = 4096  # texts per kernel call: progress and the learning rate are updated in between


Progress = Callbacks  # the training loop's events (epoch start, each kernel call, epoch end): one protocol


@dataclass
class Corpus:
    """Training texts as ids with their labels (CSR: label_ids[label_ptr[t]:label_ptr[t+1]] of text t)."""

    ids: np.ndarray  # (T,) int32 ids of `seen` words
    offsets: np.ndarray  # (N+1,) int64
    seen: list[str]  # every word of the texts, in order of first sight
    hash32: np.ndarray  # (len(seen),) fastText word hashes
    keys: np.ndarray  # (len(seen),) 64-bit identity keys
    counts: np.ndarray  # (len(seen),)
    label_ptr: np.ndarray  # (N+1,) int64
    label_ids: np.ndarray  # (L,) int32
    labels: list[str]
    skipped: int  # texts dropped for having no word


def encode_corpus(pairs: Iterable[tuple[str, list[str]]], config: LinearConfig, where: str) -> Corpus:
    """Tokenize and index (text, labels) pairs, streamed chunk by chunk (the raw texts are never all held).
    Texts without any word are dropped and counted in `skipped`."""
    from seqkit.models.linear.tokenize import CHUNK_TEXTS, TextEncoder

    label_sets: list[list[str]] = []

    def text_chunks():
        for chunk in chunked(pairs, CHUNK_TEXTS):
            label_sets.extend(labels for _, labels in chunk)
            yield [text for text, _ in chunk]

    e, seen = TextEncoder(config.normalize).encode_growing(text_chunks())
    lengths = np.diff(e.offsets)
    keep = np.flatnonzero(lengths > 0)
    if len(lengths) == 0:
        raise InputError(f"{where} has no labelled texts")
    if len(keep) == 0:
        raise InputError(f"every text in {where} is empty (no words after preprocessing): check --text-col and the file")
    names = sorted({x for s in label_sets for x in s})
    if any(n == "" for n in names):
        raise InputError(f"some texts in {where} have an empty label: every text needs a label")
    if len(names) < 2:
        raise InputError(f"{where} has {'only the label ' + repr(names[0]) if names else 'no labels'}: a classifier needs at least two classes")
    index = {n: i for i, n in enumerate(names)}
    kept_sets = [label_sets[t] for t in keep]
    label_ptr = np.zeros(len(keep) + 1, np.int64)
    label_ptr[1:] = np.cumsum([len(s) for s in kept_sets])
    label_ids = np.fromiter((index[x] for s in kept_sets for x in s), np.int32, int(label_ptr[-1]))
    offsets = e.offsets if len(keep) == len(lengths) else np.concatenate([[0], e.offsets[1:][keep]])  # empty texts collapse
    return Corpus(e.ids, offsets, seen, e.new_hash32, e.new_keys, e.counts, label_ptr, label_ids, names,
                  int(len(lengths) - len(keep)))


def _rows(c: Corpus, config: LinearConfig):
    """Words with at least min_count occurrences get rows, most frequent first; n-gram buckets that occur
    get rows after them. Returns (words, row_of (seen,), word order, bucket_ids, bucket_row)."""
    order = np.argsort(-c.counts, kind="stable")
    order = order[c.counts[order] >= config.min_count]
    if len(order) == 0:
        raise InputError(f"no word occurs --min-count={config.min_count} times in the training data")
    row_of = np.full(len(c.seen), -1, np.int32)
    row_of[order] = np.arange(len(order), dtype=np.int32)
    if config.word_ngrams > 1:
        from seqkit.models.linear.kernels import used_buckets

        bucket_ids = np.flatnonzero(used_buckets(c.ids, c.offsets, c.hash32, config.buckets, config.word_ngrams, config.eos))
        bucket_row = np.full(config.buckets, -1, np.int32)
        bucket_row[bucket_ids] = np.arange(len(bucket_ids), dtype=np.int32)
    else:
        bucket_ids, bucket_row = np.zeros(0, np.int64), np.full(1, -1, np.int32)
    return [c.seen[i] for i in order], row_of, order, bucket_ids, bucket_row


def _start_vectors(words: list[str], n_rows: int, config: LinearConfig, embeddings: str | None, rng, notes):
    """(rows, dim) uniform in [-1/dim, 1/dim] as fastText; word rows from --embeddings where given."""
    dim = config.dim
    kv = None
    if embeddings:
        from seqkit.embed.keyed import load_vectors

        kv = load_vectors(embeddings)
        dim = kv.dim
    W = rng.random((n_rows, dim), dtype=np.float32)  # (V + U, dim), drawn in float32: no float64 copy
    W *= np.float32(2.0 / dim)
    W -= np.float32(1.0 / dim)
    if kv is not None:
        found = np.array([kv.index.get(w, -1) for w in words], np.int64)
        hit = found >= 0
        if not hit.any():
            raise InputError(f"no word of the training vocabulary is in {embeddings}: were the vectors trained with the same preprocessing?")
        W[np.flatnonzero(hit)] = kv.vectors[found[hit]]
        if notes:
            notes(f"--embeddings {embeddings}: {int(hit.sum())} of {len(words)} words found ({dim} dimensions)")
    return W


def resolve_loss(config: LinearConfig, c: Corpus) -> str:
    if config.loss != "auto":
        return config.loss
    return "ova" if np.any(np.diff(c.label_ptr) > 1) else "softmax"


def fit_linear(c: Corpus, config: LinearConfig, embeddings: str | None = None,
               progress: Progress | None = None, notes: Callable[[str], None] | None = None) -> LinearClassifier:
    """Train on the encoded corpus with config.threads threads (0: all cores); returns the classifier
    (info holds the training facts)."""
    from seqkit import runtime

    with runtime.threads(config.threads, blas=False) as threads:  # only Numba's pool: no BLAS here
        return _fit(c, config, threads, embeddings, progress, notes)


def _fit(c: Corpus, config: LinearConfig, threads: int, embeddings, progress, notes) -> LinearClassifier:
    start = time.perf_counter()
    rng = np.random.default_rng(config.seed)
    words, row_of, order, bucket_ids, bucket_row = _rows(c, config)
    W = _start_vectors(words, len(words) + len(bucket_ids) + config.eos, config, embeddings, rng, notes)  # "</s>" last
    if W.shape[1] != config.dim:
        from dataclasses import replace

        config = replace(config, dim=int(W.shape[1]))
    loss = resolve_loss(config, c)
    label_counts = np.bincount(c.label_ids, minlength=len(c.labels)).astype(np.int64)
    n_out = len(c.labels) - 1 if loss == "hs" else len(c.labels)
    Wo = np.zeros((n_out, config.dim), np.float32)  # (C, dim), zero as fastText
    model = LinearClassifier(config, loss, words, c.hash32[order].astype(np.int32), c.keys[order].astype(np.int64),
                             bucket_ids.astype(np.int64), W, Wo, c.labels, label_counts)
    model._bucket_row = bucket_row
    history, compiling = train_epochs(model, c, row_of, threads, rng, progress, notes)
    model.info = {  # the kernels' first-run compilation is not training time
        "epochs": config.epochs, "train_seconds": round(time.perf_counter() - start - compiling, 2),
        "texts": len(c.offsets) - 1,
        "skipped_empty": c.skipped, "history": history, "words": len(words), "ngram_rows": int(len(bucket_ids)),
    }
    return model


def train_epochs(model: LinearClassifier, c: Corpus, row_of: np.ndarray, threads: int, rng,
                 progress: Progress | None = None,
                 notes: Callable[[str], None] | None = None) -> tuple[list[dict], float]:
    """Train `model`'s rows in place on the corpus for model.config.epochs epochs at model.config.lr
    (decayed linearly to 0); row_of (len(c.seen),): the row of each corpus word, -1 for none.
    Returns the per-epoch history and the seconds spent compiling (or loading) the kernels first."""
    from seqkit.models.linear import kernels

    config = model.config
    W, Wo = model.input, model.output
    bucket_row = model.bucket_row()
    n_texts = len(c.offsets) - 1
    total = float(len(c.ids)) * config.epochs
    shards = max(1, min(threads, n_texts))
    cfg = model.kernel_config(shards, total)
    texts, labels = (c.ids, c.offsets), (c.label_ptr, c.label_ids)
    lookup = (row_of, c.hash32.astype(np.int32), bucket_row)
    tree = model.tree()
    events = progress if progress is not None else NoCallbacks()
    step = CHUNK * shards
    n_calls = -(-n_texts // step)
    done, history = 0.0, []
    rounds = None
    if config.deterministic:  # rounds of chunks merged in order: the same model on any number of threads
        from seqkit.models.linear.deterministic import LinearRounds

        rounds = LinearRounds((W, Wo), np.diff(c.offsets), cfg, threads)
        n_calls = rounds.calls(n_texts)
    compiling = _warm_up(kernels, rounds, texts, labels, lookup, tree, (W, Wo), cfg, notes)
    for epoch in range(1, config.epochs + 1):
        perm = rng.permutation(n_texts)
        loss_sum, words_epoch, began = 0.0, 0.0, time.perf_counter()
        events.on_epoch_start(epoch, n_calls)
        steps = rounds.epoch(texts, labels, lookup, tree, perm, done) if rounds else _hogwild(
            kernels, texts, labels, lookup, tree, perm, (W, Wo), cfg, done, step)
        for call, (seen, l, w) in enumerate(steps, 1):
            done, loss_sum, words_epoch = done + w, loss_sum + l, words_epoch + w
            rate = words_epoch / max(time.perf_counter() - began, 1e-9)
            lr = config.lr * max(0.0, 1.0 - done / total)
            events.on_batch(BatchProgress(epoch, call, n_calls, seen, loss_sum / max(1, seen), float("nan"), rate, lr))
        seconds = time.perf_counter() - began
        history.append({"epoch": epoch, "train_loss": round(loss_sum / n_texts, 6)})
        events.on_epoch_end(EpochSummary(epoch, loss_sum / n_texts, float("nan"), None, None, seconds,
                                         words_epoch / max(seconds, 1e-9), False), None)
    return history, compiling


def _warm_up(kernels, rounds, texts, labels, lookup, tree, weights, cfg, notes) -> float:
    """Compile (or load from numba's cache) the epoch's kernels on no texts, before the first epoch's clock
    and bar start; returns the seconds it took."""
    from seqkit.fast.shards import warm_up_note

    began = time.perf_counter()
    note = warm_up_note(rounds.kernels() if rounds is not None else (kernels.train_chunk,),
                        "the linear classifier's kernels")
    if notes is not None and note is not None:
        notes(note)
    if rounds is not None:
        rounds.warm_up(texts, labels, lookup, tree)
    else:
        kernels.train_chunk(texts, labels, lookup, tree, np.zeros(0, np.int64), weights, cfg, 0.0)
    return time.perf_counter() - began


def _hogwild(kernels, texts, labels, lookup, tree, perm, weights, cfg, done, step):
    """Hogwild training of an epoch, ``step`` texts a kernel call; yields (texts so far, loss, words)."""
    for lo in range(0, len(perm), step):
        l, w = kernels.train_chunk(texts, labels, lookup, tree, perm[lo: lo + step], weights, cfg, done)
        done += w
        yield min(len(perm), lo + step), l, w
