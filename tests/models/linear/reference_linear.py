"""A slow, obvious linear classifier in plain Python and NumPy, doing the kernels' arithmetic in the
kernels' order (float32 vectors updated element-wise, float64 dot products summed in order), so a
one-thread kernel run must produce bit-identical weights."""

from __future__ import annotations

import math

import numpy as np

from seqkit.models.linear.tokenize import fasttext_hash

EOS_HASH = fasttext_hash("</s>")  # the word fastText ends every line with
MASK64 = (1 << 64) - 1
NGRAM_MUL = 116049371
SOFTMAX, HIERARCHICAL, ONE_VS_ALL = 0, 1, 2


def feature_rows(ids, row_of, hash_of, bucket_row, n_words, buckets, ngrams, eos_row=-1) -> list[int]:
    """Word rows, "</s>"'s row (eos_row >= 0), then each n-gram's bucket row, as fastText hashes them
    (uint64 arithmetic) over the words and "</s>"."""
    rows = [int(row_of[i]) for i in ids if row_of[i] >= 0]
    hashes = [int(hash_of[i]) for i in ids]
    if eos_row >= 0:
        rows.append(eos_row)
        hashes.append(EOS_HASH)
    for i in range(len(hashes)):
        h = hashes[i] & MASK64  # the int32 hash sign-extended to 64 bits
        for j in range(i + 1, min(len(hashes), i + ngrams)):
            h = (h * NGRAM_MUL + (hashes[j] & MASK64)) & MASK64
            r = int(bucket_row[h % buckets])
            if r >= 0:
                rows.append(n_words + r)
    return rows


def text_vector(W, rows) -> np.ndarray:
    h = np.zeros(W.shape[1], np.float32)
    for r in rows:
        h += W[r]
    h *= np.float32(1.0) / np.float32(len(rows))
    return h


def dot(a, b) -> float:
    s = 0.0
    for x, y in zip(a, b):
        s += float(x) * float(y)
    return s


def sigmoid(f: float) -> float:
    return 1.0 / (1.0 + math.exp(-f))


def softmax(hidden, Wo) -> list[float]:
    z = [dot(hidden, Wo[c]) for c in range(Wo.shape[0])]
    m = max(z)
    e = [math.exp(v - m) for v in z]
    total = 0.0
    for v in e:
        total += v
    return [v / total for v in e]


def output_step(hidden, grad, Wo, r, alpha) -> None:
    a = np.float32(alpha)
    grad += a * Wo[r]
    Wo[r] += a * hidden


def logistic_step(hidden, grad, Wo, r, positive, lr) -> float:
    p = sigmoid(dot(hidden, Wo[r]))
    output_step(hidden, grad, Wo, r, lr * ((1.0 if positive else 0.0) - p))
    return -math.log(max(p if positive else 1.0 - p, 1e-12))


def text_step(hidden, grad, Wo, labels, tree, loss_kind, n_labels, lr) -> float:
    codes, points, lengths = tree
    loss, k = 0.0, len(labels)
    if loss_kind == SOFTMAX:
        probs = softmax(hidden, Wo)
        for y in labels:
            loss -= math.log(max(probs[y], 1e-12)) / k
        for c in range(n_labels):
            target = 0.0
            for y in labels:
                if y == c:
                    target += 1.0 / k
            output_step(hidden, grad, Wo, c, lr * (target - probs[c]))
    elif loss_kind == HIERARCHICAL:
        for y in labels:
            for s in range(lengths[y]):
                loss += logistic_step(hidden, grad, Wo, points[y, s], codes[y, s] == 1, lr)
    else:
        for c in range(n_labels):
            loss += logistic_step(hidden, grad, Wo, c, c in labels, lr)
    return loss


def train_reference(texts, labels, lookup, tree, order, W, Wo, cfg, done) -> tuple[float, float]:
    """One kernel call's work with one shard: texts order[...] in turn. Updates W and Wo in place."""
    ids, offsets = texts
    label_ptr, label_ids = labels
    row_of, hash_of, bucket_row = lookup
    loss, seen = 0.0, 0
    for t in order:
        a, b = offsets[t], offsets[t + 1]
        rows = feature_rows(ids[a:b], row_of, hash_of, bucket_row, cfg.n_words, cfg.buckets, cfg.ngrams, cfg.eos_row)
        if rows:
            lr = cfg.lr * max(0.0, 1.0 - (done + seen * 1) / cfg.total_tokens)
            hidden = text_vector(W, rows)
            grad = np.zeros(W.shape[1], np.float32)
            ys = [int(y) for y in label_ids[label_ptr[t]: label_ptr[t + 1]]]
            loss += text_step(hidden, grad, Wo, ys, tree, cfg.loss, cfg.n_labels, lr)
            grad *= np.float32(1.0) / np.float32(len(rows))
            for r in rows:
                W[r] += grad
        seen += b - a
    return loss, float(seen)


def predict_reference(texts, lookup, tree, W, Wo, cfg) -> np.ndarray:
    ids, offsets = texts
    row_of, hash_of, bucket_row = lookup
    codes, points, lengths = tree
    out = np.zeros((len(offsets) - 1, cfg.n_labels))
    for t in range(len(offsets) - 1):
        rows = feature_rows(ids[offsets[t]: offsets[t + 1]], row_of, hash_of, bucket_row, cfg.n_words, cfg.buckets, cfg.ngrams, cfg.eos_row)
        hidden = text_vector(W, rows) if rows else np.zeros(W.shape[1], np.float32)
        if cfg.loss == SOFTMAX:
            out[t] = softmax(hidden, Wo)
        elif cfg.loss == HIERARCHICAL:
            for y in range(cfg.n_labels):
                p = 1.0
                for s in range(lengths[y]):
                    f = sigmoid(dot(hidden, Wo[points[y, s]]))
                    p *= f if codes[y, s] == 1 else 1.0 - f
                out[t, y] = p
        else:
            out[t] = [sigmoid(dot(hidden, Wo[c])) for c in range(cfg.n_labels)]
    return out
