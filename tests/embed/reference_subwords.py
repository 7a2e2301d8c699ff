"""A slow, obvious subword (fastText-style) word2vec in plain Python and NumPy, drawing the same
random numbers as seqkit.embed.subword_kernels, so a one-thread kernel run makes the same updates.

A word's input vector is the mean of its rows (own row + n-gram rows); the gradient of the mean
goes whole to every row. Skip-gram: the word's vector, taken once per window, predicts each context
word; the summed gradient goes back after the window. CBOW: the mean of all the context words' rows
predicts the word."""

from __future__ import annotations

import numpy as np

from tests.embed.reference_w2v import LCG, draw_negatives, output_step


def train_reference(syn0, out, ids, offsets, shards, tables, csr, settings, alphas, states):
    keep, alias_prob, alias_idx, codes, points, lengths = tables
    row_offsets, rows = csr
    skipgram, hs, window, negative, _ = settings
    total_loss, total_examples = 0.0, 0

    def rows_of(w):
        return [int(r) for r in rows[row_offsets[w] : row_offsets[w + 1]]]

    def step(l1, target, rng, alpha):
        if hs:
            path = [(int(points[target, k]), 1.0 - codes[target, k]) for k in range(lengths[target])]
            return output_step(l1, path, out, alpha)
        return output_step(l1, draw_negatives(rng, target, negative, alias_prob, alias_idx), out, alpha)

    for t, (d0, d1) in enumerate(shards):
        rng = LCG(states[t])
        words_total = offsets[d1] - offsets[d0]
        seen = 0
        for d in range(d0, d1):
            alpha = np.float32(alphas[t, 0] + (alphas[t, 1] - alphas[t, 0]) * (seen / words_total))
            doc = ids[offsets[d] : offsets[d + 1]]
            sent = [int(w) for w in doc if rng.next_hi32() < keep[w]]
            for i, word in enumerate(sent):
                b = rng.next_hi32() % window
                context = [j for j in range(max(0, i - window + b), min(len(sent), i + window - b + 1)) if j != i]
                if not context:
                    continue
                if skipgram:
                    own = rows_of(word)
                    hidden = np.mean(syn0[own], axis=0, dtype=np.float32)
                    grad = np.zeros_like(hidden)
                    for j in context:
                        neu1e, loss = step(hidden, sent[j], rng, alpha)
                        grad += neu1e
                        total_loss += loss
                        total_examples += 1
                    for r in own:
                        syn0[r] += grad
                else:
                    all_rows = [r for j in context for r in rows_of(sent[j])]
                    hidden = np.mean(syn0[all_rows], axis=0, dtype=np.float32)
                    neu1e, loss = step(hidden, word, rng, alpha)
                    for r in all_rows:
                        syn0[r] += neu1e
                    total_loss += loss
                    total_examples += 1
            seen += len(doc)
        states[t] = rng.state
    return total_loss, total_examples
