"""The Huffman tree of word counts for hierarchical softmax: frequent words get short codes.
Inner nodes are numbered 0..V-2 in the order they are made (rows of syn1); the root is V-2.

Words of equal count are merged in a fixed pseudo-random order (a hash of their id), not in id
order. Ids follow first appearance among equal counts, so id order would make siblings of rare
words first seen together (in one review), and siblings share every output row but the last. On
full IMDB, CBOW HS over 12 seeds (benchmarks/ablate_w2v.py), id order scored 0.012 below gensim on
WordSim353 (gensim's heap breaks ties in heap order); hashed order 0.005 above (README). Every
tie order gives an optimal tree: the same code lengths, the same expected code length.
"""

from __future__ import annotations

import heapq

import numpy as np

_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def tie_keys(n: int) -> np.ndarray:
    """(n,) uint64: splitmix64's finalizer of 1..n, the order in which nodes of equal count merge."""
    with np.errstate(over="ignore"):
        z = np.arange(1, n + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
        return z ^ (z >> np.uint64(31))


def huffman_codes(counts: np.ndarray, ties: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(codes (V, L) uint8, points (V, L) int32, lengths (V,) int32) for V >= 2 words.

    Word w's path from the root: inner nodes points[w, :lengths[w]] and the branch taken at each,
    codes[w, :lengths[w]] (0 for the lighter child, as word2vec.c and gensim). ``ties``: (2V-1,) the
    order among nodes of equal count (leaves, then inner nodes as made); default tie_keys."""
    v = len(counts)
    if v < 2:
        codes = np.zeros((v, 1), np.uint8)
        return codes, np.zeros((v, 1), np.int32), np.zeros(v, np.int32)
    keys = (tie_keys(2 * v - 1) if ties is None else np.asarray(ties)).tolist()
    heap = list(zip(np.asarray(counts, dtype=np.int64).tolist(), keys[:v], range(v)))
    heapq.heapify(heap)
    parent = np.zeros(2 * v - 1, dtype=np.int32)
    branch = np.zeros(2 * v - 1, dtype=np.uint8)
    pop, push = heapq.heappop, heapq.heappush
    for node in range(v, 2 * v - 1):
        c1, _, a = pop(heap)
        c2, _, b = pop(heap)
        parent[a], parent[b], branch[b] = node, node, 1
        push(heap, (c1 + c2, keys[node], node))
    return leaf_paths(parent, branch, v)


def leaf_paths(parent: np.ndarray, branch: np.ndarray, v: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """huffman_codes' result from a tree of 2V-1 nodes (leaves 0..V-1, root 2V-2): each node's
    ``parent`` and ``branch`` (its code bit). All leaves walk up to the root at once, a level a step."""
    root = 2 * v - 2
    node = np.arange(v, dtype=np.int32)
    up_points, up_codes = [], []  # level k: each word's k-th node above it (bottom up)
    lengths = np.zeros(v, dtype=np.int32)
    while True:
        active = node != root
        if not active.any():
            break
        up_codes.append(np.where(active, branch[node], 0).astype(np.uint8))
        node = np.where(active, parent[node], node)
        up_points.append((node - v).astype(np.int32))
        lengths += active
    depth = len(up_points)
    up_p, up_c = np.stack(up_points), np.stack(up_codes)  # (depth, V)
    codes = np.zeros((v, depth), dtype=np.uint8)
    points = np.zeros((v, depth), dtype=np.int32)
    words = np.arange(v)
    for j in range(depth):  # root first: position j of a path of length n is level n-1-j
        level = lengths - 1 - j
        has = level >= 0
        codes[has, j] = up_c[level[has], words[has]]
        points[has, j] = up_p[level[has], words[has]]
    return codes, points, lengths
