"""A slow, obvious word2vec in plain Python and NumPy, drawing the same random numbers as
seqkit.embed.kernels, so a one-thread kernel run must make the same updates."""

from __future__ import annotations

import math

import numpy as np

MASK = (1 << 64) - 1


class LCG:
    def __init__(self, state: int):
        self.state = int(state)

    def next_hi32(self) -> int:
        self.state = (self.state * 25214903917 + 11) & MASK
        return self.state >> 32


def table_slot(f: float) -> int:
    """The kernels' sigmoid table slot: (f + 6) * 1024 / 12, clamped to the table."""
    return min(max(int((f + 6.0) * (1024 / 12.0)), 0), 1023)


def sigmoid(f: float) -> float:
    """The sigmoid at the centre of f's table slot (the kernels use a table, as word2vec.c does)."""
    centre = (table_slot(f) + 0.5) / 1024 * 12.0 - 6.0
    return 1.0 / (1.0 + math.exp(-centre))


def output_step(l1, targets_labels, out, alpha):
    """Logistic-regression step of l1 against rows of ``out``; returns (gradient for l1, loss).
    Every dot product is taken before any row changes (as the kernels do; it matters only when a
    noise word is drawn twice); then the rows take their updates in order. Rows whose dot product
    is outside (-6, 6) take no update, as in gensim."""
    neu1e = np.zeros_like(l1)
    loss = 0.0
    dots = [float(np.dot(l1.astype(np.float64), out[t].astype(np.float64))) for t, _ in targets_labels]
    for (target, label), f in zip(targets_labels, dots):
        p = sigmoid(f)
        loss -= math.log(p) if label else math.log(1.0 - p)
        if abs(f) >= 6.0:  # saturated: no update, as gensim does
            continue
        g = np.float32((label - np.float32(p)) * alpha)
        neu1e += g * out[target]
        out[target] = out[target] + g * l1
    return neu1e, loss


def draw_negatives(rng, word, negative, alias_prob, alias_idx):
    pairs = [(word, 1.0)]
    for _ in range(negative):
        j = (rng.next_hi32() * len(alias_prob)) >> 32
        target = j if rng.next_hi32() < alias_prob[j] else int(alias_idx[j])
        if target != word:
            pairs.append((target, 0.0))
    return pairs


def batch_window(syn0, syn1neg, sent, context, pairs, alpha):
    """Every context against the output rows as they were before the window; the rows take the sum
    of all the contexts' updates after it. Returns (loss, examples)."""
    rows = {t: syn1neg[t].copy() for t, _ in pairs}
    summed = {t: np.zeros_like(syn1neg[t]) for t, _ in pairs}
    loss = 0.0
    for j in context:
        l1 = syn0[sent[j]].copy()
        neu1e = np.zeros_like(l1)
        for target, label in pairs:
            p = sigmoid(float(np.dot(l1.astype(np.float64), rows[target].astype(np.float64))))
            loss -= math.log(p) if label else math.log(1.0 - p)
            if abs(float(np.dot(l1.astype(np.float64), rows[target].astype(np.float64)))) >= 6.0:
                continue
            g = np.float32((label - np.float32(p)) * alpha)
            neu1e += g * rows[target]
            summed[target] += g * l1
        syn0[sent[j]] += neu1e
    for target in summed:
        syn1neg[target] += summed[target]
    return loss, len(context)


def train_reference(syn0, syn1neg, syn1, ids, offsets, shards, tables, settings, alphas, states):
    keep, alias_prob, alias_idx, codes, points, lengths = tables
    skipgram, hs, window, negative, cbow_mean, _, batch_neg = settings
    total_loss, total_examples = 0.0, 0
    for t, (d0, d1) in enumerate(shards):
        rng = LCG(states[t])
        words_total = offsets[d1] - offsets[d0]
        seen = 0
        for d in range(d0, d1):
            alpha = alphas[t, 0] + (alphas[t, 1] - alphas[t, 0]) * (seen / words_total)
            doc = ids[offsets[d] : offsets[d + 1]]
            sent = [int(w) for w in doc if rng.next_hi32() < keep[w]]
            for i, word in enumerate(sent):
                b = rng.next_hi32() % window
                context = [j for j in range(max(0, i - window + b), min(len(sent), i + window - b + 1)) if j != i]

                def step(l1):
                    if hs:
                        path = [(int(points[word, k]), 1.0 - codes[word, k]) for k in range(lengths[word])]
                        return output_step(l1, path, syn1, np.float32(alpha))
                    pairs = draw_negatives(rng, word, negative, alias_prob, alias_idx)
                    return output_step(l1, pairs, syn1neg, np.float32(alpha))

                if skipgram and batch_neg:  # HogBatch: the window's contexts share the output rows
                    if hs:
                        path = [(int(points[word, k]), 1.0 - codes[word, k]) for k in range(lengths[word])]
                        loss, n = batch_window(syn0, syn1, sent, context, path, np.float32(alpha))
                    else:
                        pairs = draw_negatives(rng, word, negative, alias_prob, alias_idx)
                        loss, n = batch_window(syn0, syn1neg, sent, context, pairs, np.float32(alpha))
                    total_loss += loss
                    total_examples += n
                elif skipgram:
                    for j in context:
                        neu1e, loss = step(syn0[sent[j]].copy())
                        syn0[sent[j]] += neu1e
                        total_loss += loss
                        total_examples += 1
                elif context:
                    neu1 = np.sum([syn0[sent[j]] for j in context], axis=0, dtype=np.float32)
                    if cbow_mean:
                        neu1 = neu1 * np.float32(1.0 / len(context))
                    neu1e, loss = step(neu1)
                    if not cbow_mean:
                        neu1e = neu1e * np.float32(1.0 / len(context))
                    for j in context:
                        syn0[sent[j]] += neu1e
                    total_loss += loss
                    total_examples += 1
            seen += len(doc)
        states[t] = rng.state
    return total_loss, total_examples
