"""Optimizers, clipping and schedules: each optimizer minimises a quadratic; Adam/AdamW/SGD-Nesterov
step for step like torch.optim when torch is installed."""

import math

import numpy as np
import pytest

from seqkit.errors import OptionError
from seqkit.nn.optim import (
    OPTIMIZERS, clip_grad_norm, default_decay_filter, global_norm, linear_decay, make_optimizer, warmup_decay,
)

LRS = {"sgd": 0.1, "momentum": 0.05, "nesterov": 0.05, "adagrad": 0.5, "adadelta": 20.0, "rmsprop": 0.05,
       "adam": 0.1, "adamw": 0.1}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_minimises_a_quadratic(name):
    target = np.array([1.0, -2.0, 3.0])
    p = np.zeros(3)
    g = np.zeros(3)
    opt = make_optimizer(name, [("w", p, g)], LRS[name])
    start = float(((p - target) ** 2).sum())
    for _ in range(300):
        g[...] = 2 * (p - target)
        opt.step()
    assert ((p - target) ** 2).sum() < 0.05 * start


def test_unknown_optimizer():
    with pytest.raises(OptionError, match="adam"):
        make_optimizer("adamm", [("w", np.zeros(1), np.zeros(1))], 0.1)


def test_clip_grad_norm():
    gs = [np.array([3.0, 0.0]), np.array([4.0])]
    params = [(str(i), np.zeros_like(g), g) for i, g in enumerate(gs)]
    assert clip_grad_norm(params, 1.0) == pytest.approx(5.0)
    assert global_norm(params) == pytest.approx(1.0, rel=1e-5)
    assert gs[0][0] / gs[1][0] == pytest.approx(0.75)
    clip_grad_norm(params, 10.0)
    assert global_norm(params) == pytest.approx(1.0, rel=1e-5)


def test_schedules():
    lin = linear_decay(1.0, 10)
    assert lin(0) == 1.0 and lin(5) == 0.5 and lin(20) == 0.0
    wd = warmup_decay(1.0, 4, 14)
    assert [wd(s) for s in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert wd(9) == pytest.approx(0.5) and wd(100) == 0.0
    cos = warmup_decay(1.0, 0, 10, "cosine")
    assert cos(0) == 1.0 and cos(5) == pytest.approx(0.5) and cos(10) == pytest.approx(0.0)
    inv = warmup_decay(1.0, 4, 100, "inverse_sqrt")
    assert inv(15) == pytest.approx(math.sqrt(4 / 16))
    p, g = np.zeros(1), np.ones(1)
    opt = make_optimizer("sgd", [("w", p, g)], linear_decay(1.0, 2))
    opt.step()
    opt.step()
    opt.step()
    assert p[0] == pytest.approx(-1.5)


def test_decay_filter_spares_biases_and_norms():
    assert default_decay_filter("enc.lstm0.W_h") and not default_decay_filter("head.b")
    assert not default_decay_filter("blocks.0.ln1.gamma")


@pytest.mark.parametrize("name,kw,tname,tkw", [
    ("adam", {"weight_decay": 0.1}, "Adam", {"weight_decay": 0.1}),
    ("adamw", {"weight_decay": 0.1}, "AdamW", {"weight_decay": 0.1}),
    ("nesterov", {"momentum": 0.9}, "SGD", {"momentum": 0.9, "nesterov": True}),
    ("rmsprop", {}, "RMSprop", {"eps": 1e-8}),
    ("adagrad", {}, "Adagrad", {"eps": 1e-10}),
    ("adadelta", {}, "Adadelta", {}),
])
def test_matches_torch(name, kw, tname, tkw):
    torch = pytest.importorskip("torch")
    r = np.random.default_rng(0)
    p0 = r.standard_normal(5)
    grads = r.standard_normal((6, 5))
    p, g = p0.copy(), np.zeros(5)
    opt = make_optimizer(name, [("w", p, g)], 0.01, **kw)
    tp = torch.tensor(p0, requires_grad=True)
    topt = getattr(torch.optim, tname)([tp], lr=0.01, **tkw)
    for step_grad in grads:
        g[...] = step_grad
        opt.step()
        tp.grad = torch.tensor(step_grad)
        topt.step()
    np.testing.assert_allclose(p, tp.detach().numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("threads", [1, 2])
def test_fused_adam_kernel_matches_numpy_reference(dtype, threads):
    """The Numba Adam step against its NumPy formulas, over several steps of an array that spans more
    than one parallel chunk and ends in a partial one."""
    from seqkit import runtime
    from seqkit.nn.optim_kernels import _CHUNK, adam_reference, adam_update

    r = np.random.default_rng(5)
    n = 2 * _CHUNK + 123
    p0 = r.standard_normal(n).astype(dtype)
    p = p0.copy()
    p_ref, m, v = p.copy(), np.zeros(n, dtype), np.zeros(n, dtype)
    m_ref, v_ref = m.copy(), v.copy()
    with runtime.threads(threads):
        for t in range(1, 4):
            g = r.standard_normal(n).astype(dtype)
            coefs = np.array([0.9, 0.999, 0.01 * math.sqrt(1 - 0.999**t) / (1 - 0.9**t), 1e-8 * math.sqrt(1 - 0.999**t)], dtype)
            adam_update(p, g, m, v, coefs)
            adam_reference(p_ref, g, m_ref, v_ref, coefs)
    tol = 1e-6 if dtype == np.float32 else 1e-13
    for a, b in [(p, p_ref), (m, m_ref), (v, v_ref)]:
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
    assert np.abs(p - p0).min() > 0  # every parameter moved
