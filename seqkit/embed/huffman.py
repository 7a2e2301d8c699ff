"""The Huffman tree of word counts for hierarchical softmax, as word2vec.c builds it:
frequent words get short codes. Inner nodes are numbered 0..V-2 (rows of syn1)."""

from __future__ import annotations

import heapq

import numpy as np


def huffman_codes(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(codes (V, L) uint8, points (V, L) int32, lengths (V,) int32) for V >= 2 words.

    Word w's path from the root: inner nodes points[w, :lengths[w]] and the branch taken at each,
    codes[w, :lengths[w]] (0 or 1)."""
    v = len(counts)
    if v < 2:
        codes = np.zeros((v, 1), np.uint8)
        return codes, np.zeros((v, 1), np.int32), np.zeros(v, np.int32)
    heap = [(int(c), i) for i, c in enumerate(counts)]
    heapq.heapify(heap)
    parent = np.zeros(2 * v - 1, dtype=np.int64)
    branch = np.zeros(2 * v - 1, dtype=np.uint8)
    next_id = v
    while len(heap) > 1:
        c1, a = heapq.heappop(heap)
        c2, b = heapq.heappop(heap)
        parent[a], branch[a] = next_id, 0
        parent[b], branch[b] = next_id, 1
        heapq.heappush(heap, (c1 + c2, next_id))
        next_id += 1
    root = next_id - 1
    paths_codes, paths_points = [], []
    for w in range(v):
        code, point, node = [], [], w
        while node != root:
            code.append(branch[node])
            node = parent[node]
            point.append(node - v)  # inner node index 0..V-2
        paths_codes.append(code[::-1])
        paths_points.append(point[::-1])
    lengths = np.array([len(c) for c in paths_codes], dtype=np.int32)
    depth = int(lengths.max())
    codes = np.zeros((v, depth), dtype=np.uint8)
    points = np.zeros((v, depth), dtype=np.int32)
    for w in range(v):
        codes[w, : lengths[w]] = paths_codes[w]
        points[w, : lengths[w]] = paths_points[w]
    return codes, points, lengths
