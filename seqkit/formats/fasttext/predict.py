"""fastText's outputs and its top-k (loss.cc), in float32 as fastText computes them:

- softmax: exp(x - max) / sum; one-vs-all and negative sampling: its 512-entry sigmoid table over
  [-8, 8]; hierarchical softmax: the label tree built from the labels' counts (buildTree), a leaf's
  score the sum of log(sigmoid + 1e-5) on its path, searched depth-first with pruning (dfs);
- a prediction's log-probability is log(p + 1e-5) (std_log) and the probability printed is its exp;
- the k best are kept in a heap ordered by libstdc++'s push_heap/pop_heap and sorted by sort_heap,
  emulated here step by step so that ties come out in fastText's order.
"""

from __future__ import annotations

import numpy as np

F32 = np.float32
SIGMOID_TABLE = (1.0 / (1.0 + np.exp(-((np.arange(513) * 16).astype(F32) / F32(512) - F32(8)).astype(np.float64)))).astype(F32)


def std_log(x) -> np.ndarray:
    return np.log(np.asarray(x, np.float64) + 1e-5).astype(F32)


def table_sigmoid(x: np.ndarray) -> np.ndarray:
    """Loss::sigmoid: 0 below -8, 1 above 8, else the table entry at int((x + 8) * 512 / 8 / 2)."""
    x = x.astype(F32)
    i = ((np.clip(x, -8, 8) + F32(8)) * F32(512) / F32(8) / F32(2)).astype(np.int64)
    return np.where(x < -8, F32(0), np.where(x > 8, F32(1), SIGMOID_TABLE[np.clip(i, 0, 512)])).astype(F32)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp((z - z.max(axis=1, keepdims=True)).astype(F32))  # (N, C)
    return (e / e.sum(axis=1, keepdims=True, dtype=F32)).astype(F32)


def build_tree(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """buildTree: (left, right, parent) of the 2C-1 nodes, leaves 0..C-1 (counts sorted descending)."""
    osz = len(counts)
    n = 2 * osz - 1
    count = np.full(n, 1e15)
    count[:osz] = counts
    left, right, parent = np.full(n, -1), np.full(n, -1), np.full(n, -1)
    leaf, node = osz - 1, osz
    for i in range(osz, n):
        mini = [0, 0]
        for j in range(2):
            if leaf >= 0 and count[leaf] < count[node]:
                mini[j], leaf = leaf, leaf - 1
            else:
                mini[j], node = node, node + 1
        left[i], right[i] = mini
        count[i] = count[mini[0]] + count[mini[1]]
        parent[mini[0]] = parent[mini[1]] = i
    return left, right, parent


# -- libstdc++'s heap with comparePairs (l.first > r.first): the front is the smallest --------------------
def _push(a: list, value) -> None:
    a.append(value)
    hole = len(a) - 1
    parent = (hole - 1) // 2
    while hole > 0 and a[parent][0] > value[0]:
        a[hole] = a[parent]
        hole, parent = parent, (parent - 1) // 2
    a[hole] = value


def _pop(a: list, end: int) -> None:
    """pop_heap on a[:end]: the front goes to a[end - 1]."""
    value = a[end - 1]
    a[end - 1] = a[0]
    n, hole, child = end - 1, 0, 0
    while child < (n - 1) // 2:
        child = 2 * (child + 1)
        if a[child][0] > a[child - 1][0]:
            child -= 1
        a[hole] = a[child]
        hole = child
    if n % 2 == 0 and child == (n - 2) // 2:
        child = 2 * (child + 1)
        a[hole] = a[child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > 0 and a[parent][0] > value[0]:
        a[hole] = a[parent]
        hole, parent = parent, (parent - 1) // 2
    a[hole] = value


def _keep(heap: list, k: int, item) -> None:
    _push(heap, item)
    if len(heap) > k:
        _pop(heap, len(heap))
        heap.pop()


def sort_heap(heap: list) -> list:
    for end in range(len(heap), 1, -1):
        _pop(heap, end)
    return heap


def k_best(output: np.ndarray, k: int, threshold: float) -> list[tuple[float, int]]:
    """findKBest then sort_heap over one line's outputs (C,): [(log-probability, label)] best first."""
    logs = std_log(output).tolist()
    heap: list = []
    for i, p in enumerate(output.tolist()):
        if p < threshold or (len(heap) == k and logs[i] < heap[0][0]):
            continue
        _keep(heap, k, (logs[i], i))
    return sort_heap(heap)


def hs_best(f: np.ndarray, tree, k: int, threshold: float) -> list[tuple[float, int]]:
    """HierarchicalSoftmaxLoss::dfs over one line's inner-node sigmoids f (C-1,): best first."""
    left, right, _ = tree
    osz = len(f) + 1
    floor = float(std_log(threshold))
    up, down = std_log(f).tolist(), std_log(1.0 - f.astype(np.float64)).tolist()
    heap: list = []
    stack = [(2 * osz - 2, 0.0)]
    while stack:
        node, score = stack.pop()
        if score < floor or (len(heap) == k and score < heap[0][0]):
            continue
        if left[node] == -1 and right[node] == -1:
            _keep(heap, k, (score, node))
            continue
        stack.append((right[node], float(F32(score) + F32(up[node - osz]))))  # visited after the left
        stack.append((left[node], float(F32(score) + F32(down[node - osz]))))
    return sort_heap(heap)


def hs_all(f: np.ndarray, tree) -> np.ndarray:
    """(N, C) every leaf's score (log-probability) from the inner-node sigmoids f (N, C-1)."""
    left, right, parent = tree
    osz = f.shape[1] + 1
    up, down = std_log(f), std_log(1.0 - f.astype(np.float64))  # (N, C-1)
    score = np.zeros((f.shape[0], 2 * osz - 1), F32)
    for node in range(2 * osz - 2, osz - 1, -1):  # parents before children
        score[:, left[node]] = score[:, node] + down[:, node - osz]
        score[:, right[node]] = score[:, node] + up[:, node - osz]
    return score[:, :osz]
