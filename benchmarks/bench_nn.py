"""Training throughput of seqkit's NumPy engine against PyTorch on the CPU, same architecture, batch and threads.

Tokens per second for forward + backward + Adam step of a sentiment-classifier-shaped model:
embedding (vocab 20000) -> encoder -> pooling -> linear (2 classes) -> softmax cross-entropy.
LSTM and GRU: embedding 100, hidden 128, batch 64, length 256 (last-state pooling).
Transformer: d_model 100, 4 heads, FFN 256, 2 layers, pre-LN, batch 64, length 256 (mean pooling).
CNN (Kim 2014): embedding 100, filters 3, 4, 5 with 100 maps each, padding width - 1, ReLU, max over the
outputs whose window holds a real token; PyTorch takes the max before the ReLU (the same, cheaper).
Prints one JSON line per architecture: arch, seqkit_tokens_per_s, torch_tokens_per_s, ratio (of the best
runs) and ratio_per_round (the spread). Each tool
runs in its own process, interleaved (torch, seqkit, torch, seqkit), and its best run counts. PyTorch runs
its fastest equivalent: the recurrent layer over the padded batch, read at each sequence's last real step
(pack_padded_sequence gives the same result 6x slower on a CPU).

    flock /tmp/seqkit-bench.lock python benchmarks/bench_nn.py            # full run
    flock /tmp/seqkit-bench.lock python benchmarks/bench_nn.py --quick    # fewer steps, shorter sequences
    python benchmarks/bench_nn.py --threads 1 --clock process              # CPU time, one thread: a busy machine
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np

from seqkit import runtime
from seqkit.nn.conv import ConvMaxPool, distinct_rows
from seqkit.nn.layers import Embedding, Linear, Pool
from seqkit.nn.losses import softmax_cross_entropy
from seqkit.nn.module import Module
from seqkit.nn.optim import Adam
from seqkit.nn.recurrent import RecurrentConfig, RecurrentEncoder
from seqkit.nn.transformer import TransformerConfig, TransformerEncoder

VOCAB, EMB, HIDDEN, CLASSES = 20000, 100, 128, 2
WIDTHS, MAPS = (3, 4, 5), 100  # the CNN's filters
# --clock process: CPU seconds of the process instead of wall seconds; with --threads 1 a figure that a
# machine busy with other work disturbs far less (with more threads it would count spin-waiting)
CLOCK = [time.perf_counter]


class Classifier(Module):
    def __init__(self, arch: str, rng, T: int):
        super().__init__()
        self.arch = arch
        self.emb = Embedding(VOCAB, EMB, rng)
        if arch == "transformer":
            self.enc = TransformerEncoder(TransformerConfig(EMB, 4, 256, 2, 0.0, max_len=T), rng)
            self.pool = Pool("mean")
            out = EMB
        elif arch == "cnn":
            self.convs = [ConvMaxPool(EMB, MAPS, k, rng) for k in WIDTHS]
            out = MAPS * len(WIDTHS)
        else:
            self.enc = RecurrentEncoder(RecurrentConfig(arch, EMB, HIDDEN), rng)
            out = HIDDEN
        self.head = Linear(out, CLASSES, rng)

    def loss_and_backward(self, ids, mask, labels) -> float:
        if self.arch == "cnn":
            return self._cnn(ids, mask, labels)
        x, ce = self.emb.forward(ids, True)
        if self.arch == "transformer":
            h, cenc = self.enc.forward(x, True, mask)
            z, cp = self.pool.forward(h, True, mask)
        else:
            (_, z), cenc = self.enc.forward(x, True, mask)
        logits, ch = self.head.forward(z, True)
        loss, dlogits = softmax_cross_entropy(logits, labels)
        dz = self.head.backward(dlogits, ch)
        if self.arch == "transformer":
            dh = self.enc.backward(self.pool.backward(dz, cp), cenc)
        else:
            dh = self.enc.backward((None, dz), cenc)
        self.emb.backward(dh, ce)
        return loss


    def _cnn(self, ids, mask, labels) -> float:
        """As seqkit's CNNClassifier: each distinct word's vector goes through the filters once."""
        uniq, index = distinct_rows(ids)
        rows, _ = self.emb.forward(uniq, True)  # (U, E)
        feats, caches = zip(*(conv.forward(rows, True, mask=mask, index=index) for conv in self.convs))
        logits, ch = self.head.forward(np.concatenate(feats, axis=1), True)
        loss, dlogits = softmax_cross_entropy(logits, labels)
        dz = self.head.backward(dlogits, ch)
        dx = sum(conv.backward(np.ascontiguousarray(dz[:, k * MAPS : (k + 1) * MAPS]), c)
                 for k, (conv, c) in enumerate(zip(self.convs, caches)))
        self.emb.backward(dx, ids)
        return loss


def batch(rng, B, T):
    ids = rng.integers(1, VOCAB, size=(B, T))
    lengths = rng.integers(T // 2, T + 1, size=B)
    lengths[0] = T
    mask = np.arange(T)[None, :] < lengths[:, None]
    ids[~mask] = 0
    labels = rng.integers(0, CLASSES, size=B)
    return ids, mask, labels


def time_seqkit(arch, B, T, steps, warmup):
    rng = np.random.default_rng(0)
    model = Classifier(arch, rng, T)
    opt = Adam(model.parameters(), 1e-3)
    data = [batch(rng, B, T) for _ in range(steps + warmup)]
    for i, (ids, mask, labels) in enumerate(data):
        if i == warmup:
            t0 = CLOCK[0]()
        model.zero_grad()
        model.loss_and_backward(ids, mask, labels)
        opt.step()
    return steps * B * T / (CLOCK[0]() - t0)


def time_torch(arch, B, T, steps, warmup):
    import torch
    import torch.nn as tnn

    torch.manual_seed(0)

    class TorchClassifier(tnn.Module):
        def __init__(self):
            super().__init__()
            self.emb = tnn.Embedding(VOCAB, EMB, padding_idx=0)
            if arch == "transformer":
                layer = tnn.TransformerEncoderLayer(EMB, 4, 256, 0.0, batch_first=True, norm_first=True)
                self.enc = tnn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
                self.head = tnn.Linear(EMB, CLASSES)
            elif arch == "cnn":
                self.convs = tnn.ModuleList(tnn.Conv1d(EMB, MAPS, k, padding=k - 1) for k in WIDTHS)
                self.head = tnn.Linear(MAPS * len(WIDTHS), CLASSES)
            else:
                cls = {"lstm": tnn.LSTM, "gru": tnn.GRU, "rnn": tnn.RNN}[arch]
                self.enc = cls(EMB, HIDDEN, batch_first=True)
                self.head = tnn.Linear(HIDDEN, CLASSES)

        def forward(self, ids, mask, lengths):
            x = self.emb(ids)
            if arch == "transformer":
                h = self.enc(x, src_key_padding_mask=~mask)
                m = mask.unsqueeze(-1).float()
                z = (h * m).sum(1) / m.sum(1)
            elif arch == "cnn":  # outputs t < length + k - 1 hold a real token (post-padding)
                xt = x.transpose(1, 2)  # (B, E, T)
                feats = []
                for k, conv in zip(WIDTHS, self.convs):
                    y = conv(xt)  # (B, M, T + k - 1)
                    valid = torch.arange(y.shape[2])[None, :] < (lengths + k - 1)[:, None]  # (B, T + k - 1)
                    feats.append(torch.relu(y.masked_fill(~valid[:, None, :], -torch.inf).amax(2)))
                z = torch.cat(feats, 1)
            else:  # the output at each sequence's last real step: the same as packing, and 6x faster on a CPU
                out, _ = self.enc(x)
                z = out[torch.arange(len(lengths)), lengths - 1]
            return self.head(z)

    model = TorchClassifier()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    rng = np.random.default_rng(0)
    data = []
    for _ in range(steps + warmup):
        ids, mask, labels = batch(rng, B, T)
        data.append((torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(mask.sum(1)), torch.from_numpy(labels)))
    for i, (ids, mask, lengths, labels) in enumerate(data):
        if i == warmup:
            t0 = CLOCK[0]()
        opt.zero_grad()
        loss = tnn.functional.cross_entropy(model(ids, mask, lengths), labels)
        loss.backward()
        opt.step()
    return steps * B * T / (CLOCK[0]() - t0)


def _child(tool: str, arch: str, threads_n: int, B: int, T: int, steps: int) -> float:
    """One tool, one architecture, in this process: tokens per second."""
    if tool == "torch":
        import torch

        torch.set_num_threads(threads_n)
        return time_torch(arch, B, T, steps, warmup=1)
    with runtime.threads(threads_n, keep_freed_memory=True):
        return time_seqkit(arch, B, T, steps, warmup=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", nargs="*", default=["lstm", "gru", "transformer", "rnn", "cnn"])
    ap.add_argument("--quick", action="store_true", help="3 timed steps at length 128")
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2, help="runs of each tool, interleaved; the best counts")
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--clock", choices=["wall", "process"], default="wall", help="process: CPU time (use with --threads 1)")
    ap.add_argument("--child", nargs=2, metavar=("TOOL", "ARCH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    B, T = 64, 128 if args.quick else 256
    steps = args.steps or (3 if args.quick else 8)
    if args.clock == "process":
        CLOCK[0] = time.process_time
    if args.child:
        print(_child(args.child[0], args.child[1], args.threads, B, T, steps))
        return
    tools = ["seqkit"] if args.no_torch else ["torch", "seqkit"]
    for arch in args.arch:
        runs = {t: [] for t in tools}
        for _ in range(args.rounds):
            for tool in tools:  # each run in a fresh process: two thread pools in one would fight
                cmd = [sys.executable, __file__, "--child", tool, arch, "--threads", str(args.threads), "--steps", str(steps),
                       "--clock", args.clock]
                out = subprocess.run(cmd + (["--quick"] if args.quick else []), check=True, capture_output=True, text=True)
                runs[tool].append(float(out.stdout.split()[-1]))
        best = {t: max(r) for t, r in runs.items()}
        theirs = best.get("torch")
        # the spread: each round's ratio (torch and seqkit run back to back within a round)
        per_round = None if theirs is None else [round(a / b, 2) for a, b in zip(runs["seqkit"], runs["torch"])]
        print(json.dumps({
            "arch": arch, "batch": B, "length": T, "threads": args.threads, "clock": args.clock,
            "seqkit_tokens_per_s": round(best["seqkit"]),
            "torch_tokens_per_s": None if theirs is None else round(theirs),
            "ratio": None if theirs is None else round(best["seqkit"] / theirs, 2),
            "ratio_per_round": per_round,
        }), flush=True)

if __name__ == "__main__":
    main()
