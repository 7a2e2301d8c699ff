"""The gradient checker itself: it passes right gradients and catches wrong ones; a whole small classifier."""

import numpy as np

from seqkit.nn import Embedding, Linear, Module, Pool, RecurrentConfig, RecurrentEncoder, softmax_cross_entropy
from seqkit.nn.gradcheck import check_layer, compare, relative_error


class BrokenLinear(Linear):
    def backward(self, dy, cache):
        dx = super().backward(dy, cache)
        self.grads["W"] *= 1.01  # a 1% mistake
        return dx


def test_checker_catches_a_wrong_gradient():
    r = np.random.default_rng(0)
    x = r.standard_normal((3, 4))
    assert max(check_layer(Linear(4, 2, r), x).values()) < 1e-7
    errors = check_layer(BrokenLinear(4, 2, r), x)
    assert errors["W"] > 1e-3 and errors["x"] < 1e-7


def test_relative_error():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert abs(relative_error(np.array([1.0]), np.array([3.0])) - 0.5) < 1e-12


class Classifier(Module):
    """Embedding -> bidirectional 2-layer GRU -> mean pool -> linear, as issue 6 composes it."""

    def __init__(self, r):
        super().__init__()
        self.emb = Embedding(7, 3, r)
        self.enc = RecurrentEncoder(RecurrentConfig("gru", 3, 4, layers=2, bidirectional=True), r)
        self.pool = Pool("mean")
        self.head = Linear(8, 3, r)

    def loss(self, ids, mask, labels):
        x, ce = self.emb.forward(ids)
        (h, _), cr = self.enc.forward(x, False, mask)
        z, cp = self.pool.forward(h, False, mask)
        logits, ch = self.head.forward(z)
        loss, dz = softmax_cross_entropy(logits, labels)
        return loss, lambda: self.emb.backward(
            self.enc.backward((self.pool.backward(self.head.backward(dz, ch), cp), None), cr), ce
        )


def test_whole_classifier_gradients():
    r = np.random.default_rng(0)
    model = Classifier(r).astype(np.float64)
    ids = np.array([[1, 2, 3, 0], [4, 5, 0, 0], [6, 1, 2, 3]])
    mask = ids != 0
    labels = np.array([0, 2, 1])
    model.zero_grad()
    _, backward = model.loss(ids, mask, labels)
    backward()
    arrays = {n: p for n, p, _ in model.named_parameters()}
    analytic = {n: g.copy() for n, _, g in model.named_parameters()}
    errors = compare(lambda: model.loss(ids, mask, labels)[0], arrays, analytic, eps=1e-5, max_entries=15)
    assert max(errors.values()) < 1e-6, errors
    assert not analytic["emb.W"][0].any()  # padding row gets nothing
