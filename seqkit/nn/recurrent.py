"""Recurrent layers: Elman RNN (tanh), LSTM and GRU; stacked, bidirectional, with padding masks.

Equations and gate order follow PyTorch's nn.RNN / nn.LSTM (i, f, g, o) / nn.GRU (r, z, n, with the
reset gate applied after the hidden projection), with weights stored transposed for x @ W:
W_x (D, G*H), W_h (H, G*H). Torch's two biases are one here (b = b_ih + b_hh), except for the GRU,
which needs b_h apart because r multiplies the hidden projection of n.

Padding: at a masked step the state is carried unchanged, so the final state is the last *valid* one
whatever the padding side (pre or post), and a reverse layer starts at each sequence's last real token.

Speed: the input projections of all steps are one GEMM, the loop does only h @ W_h and the fused gate
arithmetic (Numba, seqkit/nn/kernels.py), and the weight gradients are one GEMM after the backward loop.
These GEMMs and the saved gates cover the real tokens only (packed, as pack_padded_sequence does), so
a batch with a quarter of padding costs a quarter less there.
The encoder orders each thread's rows longest first, so that a step skips the rows already finished
(what pack_padded_sequence does on a GPU); outputs come back in the caller's order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from seqkit.errors import OptionError
from seqkit import runtime
from seqkit.nn import init, parallel, recurrent_ref
from seqkit.nn.layers import Dropout
from seqkit.nn.module import Module

Cell = Literal["rnn", "lstm", "gru"]
N_GATES = {"rnn": 1, "lstm": 4, "gru": 3}


class RecurrentLayer(Module):
    """One layer, one direction, time-major: x (T, B, D) -> ((y (T, B, H), h_last (B, H)), cache)."""

    def __init__(
        self,
        cell: Cell,
        d_in: int,
        hidden: int,
        rng: np.random.Generator,
        reverse: bool = False,
        forget_bias: float = 1.0,
        recurrent_init: Literal["orthogonal", "uniform"] = "orthogonal",
        backend: Literal["numba", "numpy"] = "numba",
    ):
        super().__init__()
        if cell not in N_GATES:
            raise OptionError(f"recurrent cell must be one of rnn, lstm, gru, got {cell!r}")
        self.cell, self.hidden, self.reverse = cell, hidden, reverse
        self.backend = backend  # "numpy" runs the readable reference loops (slow; for tests)
        G = N_GATES[cell] * hidden
        bound = np.sqrt(6.0 / (d_in + hidden))  # Glorot per gate block
        self.add_param("W_x", init.uniform(rng, bound, (d_in, G)))  # (D, G*H)
        if recurrent_init == "orthogonal":
            W_h = init.orthogonal_blocks(rng, hidden, N_GATES[cell])
        else:
            W_h = init.uniform(rng, 1.0 / np.sqrt(hidden), (hidden, G))
        self.add_param("W_h", W_h)  # (H, G*H)
        b = np.zeros(G, np.float32)
        if cell == "lstm":
            b[hidden : 2 * hidden] = forget_bias  # remember by default early in training
        self.add_param("b", b)  # (G*H,) input bias (for the GRU: of the input projection only)
        if cell == "gru":
            self.add_param("b_h", np.zeros(G, np.float32))  # (3H,) bias of the hidden projection

    @property
    def _k(self):
        if self.backend == "numpy":
            return recurrent_ref
        from seqkit.nn import kernels  # here, not at the top: predict_numpy never imports Numba

        return kernels

    def forward(self, x, train=False, mask=None):
        runtime.single_thread_step_blas()
        return self._run(x, mask, self._k, parallel.matmul)

    def predict_numpy(self, x, mask=None):
        """forward's (y (T, B, H), h_last (B, H)) with recurrent_ref's loops and NumPy's product: no Numba
        and no BLAS settings to import, for a few short texts (TrainedClassifier.predict_proba)."""
        return self._run(x, mask, recurrent_ref, np.matmul)[0]

    def _run(self, x, mask, k, matmul):
        """forward with the time loops of module `k` (kernels or recurrent_ref) and the product `matmul`."""
        p = self.params
        dt = p["W_x"].dtype
        x = np.ascontiguousarray(x, dtype=dt)
        T, B, D = x.shape
        Hd, G = self.hidden, p["W_x"].shape[1]
        rows, rowpos = packed_rows(mask, T, B)
        xp = x.reshape(T * B, D) if rows is None else x.reshape(T * B, D)[rows]  # (N, D) real tokens only
        N = len(xp)
        xw = matmul(xp, p["W_x"])  # (N, G) all steps in one GEMM
        xw += p["b"]
        Hs = np.zeros((T + 1, B, Hd), dt)  # states; see kernels.py for the indexing
        if self.cell == "lstm":
            Cs = np.zeros((T + 1, B, Hd), dt)
            gates = self.take_scratch("gates", (N, G), dt)
            aux = np.empty((N, Hd), dt)  # tanh(c)
            k.lstm_forward(xw, p["W_h"], rowpos, Hs, Cs, gates, aux, self.reverse)
            state = (Cs, gates, aux)
        elif self.cell == "gru":
            gates = np.empty((N, G), dt)
            aux = np.empty((N, Hd), dt)  # h @ W_hn + b_hn
            k.gru_forward(xw, p["W_h"], p["b_h"], rowpos, Hs, gates, aux, self.reverse)
            state = (gates, aux)
        else:
            k.rnn_forward(xw, p["W_h"], rowpos, Hs, self.reverse)
            state = ()
        y = Hs[:-1] if self.reverse else Hs[1:]  # (T, B, H) view of the states
        h_last = Hs[0] if self.reverse else Hs[T]  # (B, H)
        return (y, h_last), (xp, rows, rowpos, Hs, state)

    def backward(self, dys, cache):
        dy, dh_last = dys
        xp, rows, rowpos, Hs, state = cache
        p, g = self.params, self.grads
        T, B = rowpos.shape
        N, D = xp.shape
        Hd, G = self.hidden, p["W_x"].shape[1]
        dt = Hs.dtype
        dout = np.zeros((T, B, Hd), dt) if dy is None else np.ascontiguousarray(dy, dtype=dt)
        dh = np.zeros((B, Hd), dt) if dh_last is None else np.array(dh_last, dtype=dt)  # (B, H) carried
        W_hT = np.ascontiguousarray(p["W_h"].T)  # (G, H)
        k = self._k
        if self.cell == "lstm":
            Cs, gates, aux = state
            dXW = self.take_scratch("dA", (N, G), dt)
            k.lstm_backward(dout, dh, np.zeros((B, Hd), dt), W_hT, rowpos, Cs, gates, aux, dXW, self.reverse)
            self.give_back_scratch("gates", gates)
            dHW = dXW
        elif self.cell == "gru":
            gates, aux = state
            dXW, dHW = np.empty((N, G), dt), np.empty((N, G), dt)
            k.gru_backward(dout, dh, W_hT, rowpos, Hs, gates, aux, dXW, dHW, self.reverse)
        else:
            dXW = np.empty((N, G), dt)
            k.rnn_backward(dout, dh, W_hT, rowpos, Hs, dXW, self.reverse)
            dHW = dXW
        prev = (Hs[1:] if self.reverse else Hs[:-1]).reshape(T * B, Hd)  # the state each step started from
        prev = prev if rows is None else prev[rows]  # (N, H)
        g["W_h"] += parallel.matmul_tn(prev, dHW)  # one GEMM for all steps
        g["W_x"] += parallel.matmul_tn(xp, dXW)
        g["b"] += dXW.sum(axis=0)
        if self.cell == "gru":
            g["b_h"] += dHW.sum(axis=0)
        dxp = parallel.matmul(dXW, p["W_x"].T)  # (N, D)
        if self.cell == "lstm":
            self.give_back_scratch("dA", dXW)
        if rows is None:
            return dxp.reshape(T, B, D)
        dx = np.zeros((T * B, D), dt)  # no gradient reaches the padding
        dx[rows] = dxp
        return dx.reshape(T, B, D)


def packed_rows(mask: np.ndarray | None, T: int, B: int) -> tuple[np.ndarray | None, np.ndarray]:
    """The real tokens of a time-major batch: rows (N,), their flat indices t * B + b in time order (None
    when every token is real), and rowpos (T, B) int64, each token's index among them, -1 at padding."""
    if mask is None or np.all(mask):
        return None, np.arange(T * B, dtype=np.int64).reshape(T, B)
    real = np.asarray(mask).reshape(T * B) != 0
    rows = np.flatnonzero(real)
    rowpos = np.full(T * B, -1, np.int64)
    rowpos[rows] = np.arange(len(rows))
    return rows, rowpos.reshape(T, B)


@dataclass
class RecurrentConfig:
    cell: Cell = "lstm"  # rnn (Elman, tanh), lstm or gru
    input_dim: int = 100  # features per token (the embedding size)
    hidden: int = 128  # state size per direction
    layers: int = 1  # stacked layers; each reads the previous one's outputs
    bidirectional: bool = False  # a reverse layer beside each forward one, outputs concatenated
    dropout: float = 0.0  # between stacked layers (not after the last), as in PyTorch
    forget_bias: float = 1.0  # LSTM forget-gate bias at init (Jozefowicz et al. 2015)
    recurrent_init: Literal["orthogonal", "uniform"] = "orthogonal"  # W_h init; orthogonal keeps gradients alive


class RecurrentEncoder(Module):
    """Batch-first stack: x (B, T, D), mask (B, T) bool -> ((out (B, T, H*dirs), last (B, H*dirs)), cache).

    `last` is the final valid state of the top layer (forward and reverse concatenated).
    backward takes (dout or None, dlast or None).
    """

    def __init__(self, config: RecurrentConfig, rng: np.random.Generator, backend: str = "numba"):
        super().__init__()
        self.config = config
        c = config
        cells = []
        d_in = c.input_dim
        for layer in range(c.layers):
            dirs = [False, True] if c.bidirectional else [False]
            row = []
            for rev in dirs:
                cell = RecurrentLayer(
                    c.cell, d_in, c.hidden, rng, rev, c.forget_bias, c.recurrent_init, backend
                )
                setattr(self, f"{c.cell}{layer}{'_reverse' if rev else ''}", cell)
                row.append(cell)
            cells.append(row)
            d_in = c.hidden * len(dirs)
        self._cells = cells
        self.dropout = Dropout(c.dropout, np.random.default_rng(rng.integers(2**63)))
        self.output_dim = d_in

    def forward(self, x, train=False, mask=None):
        B, T, _ = x.shape
        order = _row_order(mask)  # (B,) or None: rows as the kernels' threads take them
        if order is not None:
            x, mask = x[order], mask[order]
        h = np.ascontiguousarray(x.transpose(1, 0, 2))  # (T, B, D) time-major inside
        mask_t = None if mask is None else np.ascontiguousarray(mask.T)  # (T, B)
        caches = []
        lasts = None
        for layer, row in enumerate(self._cells):
            outs, lasts, row_caches = [], [], []
            for cell in row:
                (y, last), c = cell.forward(h, train, mask_t)
                outs.append(y)
                lasts.append(last)
                row_caches.append(c)
            h = outs[0] if len(outs) == 1 else np.concatenate(outs, axis=2)  # (T, B, H*dirs)
            drop_cache = None
            if layer < len(self._cells) - 1:
                h, drop_cache = self.dropout.forward(h, train)
            caches.append((row_caches, drop_cache))
        out = h.transpose(1, 0, 2)  # (B, T, H*dirs)
        last = lasts[0] if len(lasts) == 1 else np.concatenate(lasts, axis=1)  # (B, H*dirs)
        if order is not None:
            back = np.argsort(order)
            out, last = out[back], last[back]
        return (out, last), (caches, order)

    def predict_numpy(self, x, mask=None):
        """forward's (out, last) in evaluation, without Numba (RecurrentLayer.predict_numpy), for a few
        short texts: no dropout, rows in the caller's order (the kernels' thread order changes nothing)."""
        h = np.ascontiguousarray(x.transpose(1, 0, 2))  # (T, B, D) time-major inside
        mask_t = None if mask is None else np.ascontiguousarray(mask.T)  # (T, B)
        for row in self._cells:
            states = [cell.predict_numpy(h, mask_t) for cell in row]  # [(y (T, B, H), last (B, H))]
            h = np.concatenate([y for y, _ in states], axis=2)  # (T, B, H*dirs)
        last = np.concatenate([h_last for _, h_last in states], axis=1)  # (B, H*dirs)
        return h.transpose(1, 0, 2), last

    def backward(self, dys, cache):
        dout, dlast = dys
        cache, order = cache
        if order is not None:
            dout = None if dout is None else dout[order]
            dlast = None if dlast is None else dlast[order]
        Hd = self.config.hidden
        dh = None if dout is None else np.ascontiguousarray(dout.transpose(1, 0, 2))  # (T, B, H*dirs)
        for layer in range(len(self._cells) - 1, -1, -1):
            row = self._cells[layer]
            row_caches, drop_cache = cache[layer]
            if dh is not None and drop_cache is not None:
                dh = self.dropout.backward(dh, drop_cache)
            dx = None
            for k, (cell, c) in enumerate(zip(row, row_caches)):
                dy_k = None if dh is None else dh[:, :, k * Hd : (k + 1) * Hd]
                dlast_k = dlast[:, k * Hd : (k + 1) * Hd] if (dlast is not None and layer == len(self._cells) - 1) else None
                d = cell.backward((dy_k, dlast_k), c)
                dx = d if dx is None else dx + d
            dh = dx
        dx = dh.transpose(1, 0, 2)  # (B, T, D)
        return dx if order is None else dx[np.argsort(order)]


def _row_order(mask: np.ndarray | None) -> np.ndarray | None:
    """A batch order in which each of the kernels' blocks of rows runs longest first, the longest rows
    dealt round the blocks so that they finish together; None when every row has the same length."""
    if mask is None:
        return None
    lengths = mask.sum(axis=1)  # (B,)
    if (lengths == lengths[0]).all():
        return None
    from seqkit.nn.kernels import n_blocks

    n = n_blocks(len(lengths))
    longest_first = np.argsort(-lengths, kind="stable")
    return np.concatenate([longest_first[k::n] for k in range(n)])
