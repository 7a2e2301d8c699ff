"""Layers, activations, pooling, losses and the module mechanism; every backward checked in float64."""

import numpy as np
import pytest

from seqkit.errors import ModelFormatError
from seqkit.nn import (
    Dropout, Embedding, LayerNorm, Linear, Module, Pool, Sequential, activation, lengths_to_mask,
    softmax_cross_entropy,
)
from seqkit.nn.activations import ACTIVATIONS
from seqkit.nn.gradcheck import check_layer, compare

TOL = 1e-6


def rng():
    return np.random.default_rng(0)


def test_linear_gradients_any_leading_shape():
    r = rng()
    errors = check_layer(Linear(4, 3, r), r.standard_normal((2, 5, 4)))
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_gradients(name):
    x = rng().standard_normal((3, 7)) * 2
    x[np.abs(x) < 0.05] = 0.3  # keep away from the kinks of relu / leaky relu
    errors = check_layer(activation(name), x)
    assert errors["x"] < TOL, errors


def test_activation_values():
    x = np.array([-2.0, 0.0, 3.0])
    assert np.allclose(activation("relu").forward(x)[0], [0, 0, 3])
    assert np.allclose(activation("leaky_relu").forward(x)[0], [-0.02, 0, 3])
    assert np.allclose(activation("elu").forward(x)[0], [np.expm1(-2), 0, 3])
    assert np.allclose(activation("sigmoid").forward(np.array([-1000.0, 0.0, 1000.0]))[0], [0, 0.5, 1])
    assert np.allclose(activation("gelu").forward(x)[0], [-0.0454023, 0.0, 2.9963627], atol=1e-6)


def test_layernorm_gradients_and_normalises():
    r = rng()
    ln = LayerNorm(6)
    ln.params["gamma"][:] = r.standard_normal(6)
    ln.params["beta"][:] = r.standard_normal(6)
    assert max(check_layer(ln, r.standard_normal((2, 3, 6))).values()) < TOL
    y, _ = LayerNorm(6).forward(r.standard_normal((4, 6)) * 5 + 3)
    assert np.allclose(y.mean(-1), 0, atol=1e-6) and np.allclose(y.std(-1), 1, atol=1e-3)


@pytest.mark.parametrize("kind", ["last", "mean", "max"])
@pytest.mark.parametrize("pre_padded", [False, True])
def test_pool_gradients_and_ignores_padding(kind, pre_padded):
    r = rng()
    x = r.standard_normal((3, 5, 4))
    mask = lengths_to_mask(np.array([5, 3, 1]), 5, pre_padded)
    errors = check_layer(Pool(kind), x, {"mask": mask})
    assert errors["x"] < TOL, errors
    # changing padded positions changes nothing
    x2 = x.copy()
    x2[~mask] = 100.0
    assert np.allclose(Pool(kind).forward(x, mask=mask)[0], Pool(kind).forward(x2, mask=mask)[0])


def test_pool_last_takes_the_last_valid_step():
    x = np.arange(2 * 4 * 1, dtype=float).reshape(2, 4, 1)
    y, _ = Pool("last").forward(x, mask=lengths_to_mask(np.array([2, 4]), 4))
    assert y[:, 0].tolist() == [1.0, 7.0]
    y, _ = Pool("last").forward(x, mask=lengths_to_mask(np.array([2, 4]), 4, pre_padded=True))
    assert y[:, 0].tolist() == [3.0, 7.0]


def test_embedding_gradient_padding_and_frozen():
    r = rng()
    emb = Embedding(6, 3, r, padding_idx=0)
    assert np.all(emb.weight[0] == 0)
    ids = np.array([[1, 2, 2, 0], [5, 0, 0, 0]])
    y, cache = emb.forward(ids)
    dy = r.standard_normal(y.shape).astype(np.float32)
    emb.backward(dy, cache)
    expected = np.zeros((6, 3), np.float32)
    for (b, t), i in np.ndenumerate(ids):
        if i != 0:
            expected[i] += dy[b, t]
    assert np.allclose(emb.grads["W"], expected)
    vectors = r.standard_normal((6, 3)).astype(np.float32)
    frozen = Embedding(6, 3, r, padding_idx=None, weights=vectors, frozen=True)
    assert frozen.parameters() == [] and np.allclose(frozen.forward(ids)[0], vectors[ids])
    assert set(frozen.state_dict()) == {"W"}


def test_dropout_is_inverted_and_backward_uses_the_same_mask():
    d = Dropout(0.5, np.random.default_rng(1))
    x = np.ones((200, 50), np.float32)
    y, cache = d.forward(x, train=True)
    assert set(np.unique(y)) <= {0.0, 2.0} and abs(y.mean() - 1.0) < 0.05
    assert np.array_equal(d.backward(np.ones_like(x), cache), y)
    assert d.forward(x, train=False)[0] is x


@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_gradient_and_stability(weighted):
    r = rng()
    logits = r.standard_normal((5, 4))
    labels = np.array([0, 3, 1, 1, 2])
    w = r.uniform(0.5, 2, 5) if weighted else None
    loss, d = softmax_cross_entropy(logits, labels, w)
    errors = compare(lambda: softmax_cross_entropy(logits, labels, w)[0], {"z": logits}, {"z": d})
    assert errors["z"] < TOL
    big = np.array([[1000.0, -1000.0, 0.0]])
    loss, d = softmax_cross_entropy(big, np.array([1]))
    assert np.isfinite(loss) and abs(loss - 2000.0) < 1e-6 and np.all(np.isfinite(d))


class Tiny(Module):
    def __init__(self, r):
        super().__init__()
        self.seq = Sequential(Linear(3, 4, r), activation("tanh"), Linear(4, 2, r))
        self.norm = LayerNorm(2)


def test_named_parameters_state_dict_roundtrip_and_mismatch():
    r = rng()
    m = Tiny(r)
    names = [n for n, _, _ in m.named_parameters()]
    assert names == ["seq.layers.0.W", "seq.layers.0.b", "seq.layers.2.W", "seq.layers.2.b", "norm.gamma", "norm.beta"]
    state = m.state_dict()
    other = Tiny(np.random.default_rng(5))
    other.load_state_dict(state)
    x = r.standard_normal((2, 3)).astype(np.float32)
    assert np.array_equal(m.seq.forward(x)[0], other.seq.forward(x)[0])
    state["seq.layers.0.W"] = np.zeros((5, 4))
    with pytest.raises(ModelFormatError, match="shape"):
        other.load_state_dict(state)
    with pytest.raises(ModelFormatError, match="missing"):
        other.load_state_dict({"norm.gamma": np.ones(2)})
    m.astype(np.float64)
    assert all(p.dtype == np.float64 and g.dtype == np.float64 for _, p, g in m.named_parameters())
    for _, _, g in m.named_parameters():
        g += 1
    m.zero_grad()
    assert all(not g.any() for _, _, g in m.named_parameters())


def test_sequential_gradients():
    r = rng()
    errors = check_layer(Sequential(Linear(3, 5, r), activation("gelu"), LayerNorm(5), Linear(5, 2, r)), r.standard_normal((4, 3)))
    assert max(errors.values()) < TOL, errors


def test_weighted_mean_gradients_and_zero_weight_rows():
    from seqkit.nn import WeightedMean

    r = rng()
    x = r.standard_normal((3, 4, 5))
    w = np.array([[1.0, 2.0, 0.0, 0.5], [0.0, 0.0, 0.0, 0.0], [3.0, 1.0, 1.0, 1.0]])
    errors = check_layer(WeightedMean(), x, {"weights": w})
    assert errors["x"] < TOL, errors
    y, _ = WeightedMean().forward(x, weights=w)
    assert np.allclose(y[0], (x[0, 0] + 2 * x[0, 1] + 0.5 * x[0, 3]) / 3.5) and not y[1].any()
