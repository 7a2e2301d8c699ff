"""BatchNorm: gradients by finite differences in float64 in both modes, running averages, saving, and
outputs/gradients/running statistics against torch.nn.BatchNorm1d when torch is installed."""

import numpy as np
import pytest

from seqkit.errors import OptionError
from seqkit.nn.batchnorm import BatchNorm
from seqkit.nn.gradcheck import check_layer

TOL = 1e-6


def _bn(D=5, seed=0, steps=0):
    """A BatchNorm with non-trivial gamma/beta and, after `steps` training batches, non-trivial running stats."""
    r = np.random.default_rng(seed)
    bn = BatchNorm(D)
    bn.params["gamma"][:] = r.standard_normal(D)
    bn.params["beta"][:] = r.standard_normal(D)
    for _ in range(steps):
        bn.forward((r.standard_normal((8, D)) * 3 + 1).astype(np.float32), train=True)
    return bn


@pytest.mark.parametrize("train", [True, False])
def test_gradients_in_both_modes(train):
    x = np.random.default_rng(1).standard_normal((6, 5)) * 2 + 0.5
    errors = check_layer(_bn(steps=3), x, train=train)
    assert max(errors.values()) < TOL, errors


def test_training_normalises_with_the_batch_and_evaluation_with_running_averages():
    bn = BatchNorm(3)
    x = np.random.default_rng(2).standard_normal((50, 3)) * [1.0, 5.0, 0.1] + [0.0, 10.0, -3.0]
    y, _ = bn.forward(x, train=True)
    assert np.allclose(y.mean(axis=0), 0, atol=1e-6) and np.allclose(y.std(axis=0), 1, atol=1e-3)
    # momentum 0.1 from (0, 1): one step moves the averages a tenth of the way, variance unbiased
    assert np.allclose(bn.buffers["running_mean"], 0.1 * x.mean(axis=0), rtol=1e-5)
    assert np.allclose(bn.buffers["running_var"], 0.9 + 0.1 * x.var(axis=0, ddof=1), rtol=1e-5)
    # evaluation: each row on its own, by the running averages; the same row gives the same output in any batch
    y_one, _ = bn.forward(x[:1], train=False)
    y_all, _ = bn.forward(x, train=False)
    expect = (x[:1] - bn.buffers["running_mean"]) / np.sqrt(bn.buffers["running_var"] + 1e-5)
    assert np.allclose(y_one, expect, rtol=1e-5) and np.allclose(y_all[:1], y_one)


def test_a_training_batch_of_one_is_a_clear_error():
    with pytest.raises(OptionError, match="at least 2 examples"):
        BatchNorm(4).forward(np.ones((1, 4), np.float32), train=True)
    BatchNorm(4).forward(np.ones((1, 4), np.float32), train=False)  # evaluation: fine


def test_running_averages_are_saved_and_loaded():
    bn = _bn(steps=4)
    state = bn.state_dict()
    assert {"gamma", "beta", "running_mean", "running_var"} <= set(state)
    fresh = BatchNorm(5)
    fresh.load_state_dict(state)
    x = np.random.default_rng(3).standard_normal((4, 5)).astype(np.float32)
    assert np.array_equal(fresh.forward(x)[0], bn.forward(x)[0])
    assert [n for n, _, _ in bn.named_parameters()] == ["gamma", "beta"]  # the averages are not trained


@pytest.mark.parametrize("train", [True, False])
def test_matches_torch(train):
    torch = pytest.importorskip("torch")
    D = 5
    ours = _bn(D, steps=0).astype(np.float64)
    ref = torch.nn.BatchNorm1d(D, momentum=0.1, eps=1e-5).double()
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(ours.params["gamma"]))
        ref.bias.copy_(torch.tensor(ours.params["beta"]))
    r = np.random.default_rng(4)
    for _ in range(3):  # a few training steps move the running statistics of both
        xb = r.standard_normal((7, D)) * 2 + 1
        ours.forward(xb, train=True)
        ref.train()
        ref(torch.tensor(xb))
    assert np.allclose(ours.buffers["running_mean"], ref.running_mean.numpy(), rtol=1e-12, atol=1e-12)
    assert np.allclose(ours.buffers["running_var"], ref.running_var.numpy(), rtol=1e-12, atol=1e-12)

    x = r.standard_normal((6, D)) * 2 + 1
    dy = r.standard_normal((6, D))
    ref.train(train)
    xt = torch.tensor(x, requires_grad=True)
    yt = ref(xt)
    (yt * torch.tensor(dy)).sum().backward()
    ours.zero_grad()
    y, cache = ours.forward(x, train=train)
    dx = ours.backward(dy, cache)
    assert np.allclose(y, yt.detach().numpy(), atol=1e-10)
    assert np.allclose(dx, xt.grad.numpy(), atol=1e-10)
    assert np.allclose(ours.grads["gamma"], ref.weight.grad.numpy(), atol=1e-10)
    assert np.allclose(ours.grads["beta"], ref.bias.grad.numpy(), atol=1e-10)
    assert np.allclose(ours.buffers["running_var"], ref.running_var.numpy(), rtol=1e-12)
