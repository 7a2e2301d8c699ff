"""Conv1d and the fused ConvMaxPool: kernels against slow loops, backward passes against finite differences
in float64, and both against torch's conv1d (outputs and gradients) when torch is installed."""

import numpy as np
import pytest

from seqkit.nn import Pool, ReLU, lengths_to_mask
from seqkit.nn.conv import Conv1d, ConvMaxPool, distinct_rows
from seqkit.nn.gradcheck import check_layer

TOL = 1e-6
TOL_TORCH = {np.float32: 1e-6, np.float64: 1e-10}
CASES = [(1, 0), (2, 1), (3, 2), (4, 0), (5, 4), (5, 1)]  # (width, padding)


def slow_conv(x, mask, W, b, pad):
    """The definition, one output at a time."""
    B, T, E = x.shape
    K, M = W.shape[1], W.shape[2]
    y = np.empty((B, T + 2 * pad - K + 1, M))
    for i in range(B):
        for t in range(y.shape[1]):
            y[i, t] = b
            for k in range(K):
                s = t + k - pad
                if 0 <= s < T and mask[i, s]:
                    y[i, t] += x[i, s] @ W[:, k, :]
    return y


def data(r, B=3, T=6, E=4, lengths=(6, 3, 1), pre=False):
    x = r.standard_normal((B, T, E))
    return x, lengths_to_mask(np.array(lengths), T, pre)


@pytest.mark.parametrize("width,pad", CASES)
@pytest.mark.parametrize("pre", [False, True])
def test_conv_forward_matches_slow_loops(width, pad, pre):
    r = np.random.default_rng(width)
    x, mask = data(r, pre=pre)
    conv = Conv1d(4, 5, width, r, pad).astype(np.float64)
    conv.params["b"][:] = r.standard_normal(5)
    y, _ = conv.forward(x, mask=mask)
    np.testing.assert_allclose(y, slow_conv(x, mask, conv.params["W"], conv.params["b"], pad), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("width,pad", CASES)
def test_conv_gradients(width, pad):
    r = np.random.default_rng(width)
    x, mask = data(r)
    errors = check_layer(Conv1d(4, 5, width, r, pad), x, {"mask": mask})
    assert max(errors.values()) < TOL, errors


def test_output_mask_marks_windows_with_a_real_token():
    r = np.random.default_rng(0)
    x, mask = data(r, lengths=(6, 3, 1), pre=True)
    conv = Conv1d(4, 2, 3, r, 2)
    want = np.array([[mask[i, max(0, t - 2) : t + 1].any() for t in range(conv.out_len(6))] for i in range(3)])
    assert (conv.output_mask(mask) == want).all()


def composed(pool: ConvMaxPool, x, mask):
    """Conv1d -> ReLU -> max over the real outputs: what ConvMaxPool fuses."""
    y, _ = pool.conv.forward(x, mask=mask)
    z, _ = ReLU().forward(y)
    out, _ = Pool("max").forward(z, mask=pool.conv.output_mask(mask))
    return out


@pytest.mark.parametrize("width", [1, 3, 5])
@pytest.mark.parametrize("pre", [False, True])
def test_conv_max_pool_equals_composition_and_gradients(width, pre):
    r = np.random.default_rng(width)
    x, mask = data(r, lengths=(6, 2, 1), pre=pre)  # texts shorter than the width too
    pool = ConvMaxPool(4, 7, width, r).astype(np.float64)
    pool.conv.params["b"][:] = r.standard_normal(7) * 0.1
    y, _ = pool.forward(x, mask=mask)
    np.testing.assert_allclose(y, composed(pool, x, mask), rtol=1e-12, atol=1e-12)
    x[~mask] = 1e3  # padding never wins the max nor gets a gradient
    y2, _ = pool.forward(x, mask=mask)
    assert np.array_equal(y, y2)
    errors = check_layer(pool, x, {"mask": mask})
    assert max(errors.values()) < TOL, errors


def test_conv_max_pool_without_input_gradient_and_empty_text():
    r = np.random.default_rng(1)
    x, mask = data(r, lengths=(6, 0, 2))
    pool = ConvMaxPool(4, 3, 3, r).astype(np.float64)
    y, cache = pool.forward(x, mask=mask, need_dx=False)
    assert (y[1] == 0).all()
    dy = r.standard_normal(y.shape)
    assert pool.backward(dy, cache) is None
    dW = pool.conv.grads["W"].copy()
    pool.zero_grad()
    y, cache = pool.forward(x, mask=mask)
    dx = pool.backward(dy, cache)
    assert np.array_equal(pool.conv.grads["W"], dW) and (dx[~mask] == 0).all()


def test_conv_max_pool_over_distinct_rows_equals_every_token_its_own():
    r = np.random.default_rng(3)
    table = r.standard_normal((6, 4))
    ids = r.integers(1, 6, size=(3, 7))
    mask = lengths_to_mask(np.array([7, 4, 1]), 7)
    ids[~mask] = 0
    uniq, index = distinct_rows(ids)
    assert len(uniq) < ids.size and (uniq[index] == ids).all()
    pool = ConvMaxPool(4, 5, 3, r).astype(np.float64)
    dy = r.standard_normal((3, 5))
    out = []
    for x, kw in ((table[ids], {}), (table[uniq], {"index": index})):
        pool.zero_grad()
        y, cache = pool.forward(x, mask=mask, **kw)
        out.append((y, pool.backward(dy, cache), pool.conv.grads["W"].copy(), pool.conv.grads["b"].copy()))
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def _torch_reference(torch, conv, x, mask, dy, pooled):
    """torch's conv1d on x * mask (channels first), then ReLU + masked max when pooled: output, dx, dW, db."""
    F = torch.nn.functional
    W = torch.tensor(np.transpose(conv.params["W"], (2, 0, 1)).copy(), requires_grad=True)  # (M, E, K)
    b = torch.tensor(conv.params["b"].copy(), requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    xm = (xt * torch.tensor(mask, dtype=xt.dtype)[:, :, None]).transpose(1, 2)  # (B, E, T)
    y = F.conv1d(xm, W, b, padding=conv.padding).transpose(1, 2)  # (B, Tout, M)
    if pooled:
        valid = torch.tensor(conv.output_mask(mask))[:, :, None]
        y = F.relu(y).masked_fill(~valid, -torch.inf).amax(dim=1)  # (B, M)
    (y * torch.tensor(dy)).sum().backward()
    dW = W.grad.numpy().transpose(1, 2, 0)  # back to (E, K, M)
    return y.detach().numpy(), xt.grad.numpy(), dW, b.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("width,pad", CASES)
@pytest.mark.parametrize("pooled", [False, True])
def test_matches_torch(dtype, width, pad, pooled):
    torch = pytest.importorskip("torch")
    r = np.random.default_rng(width + 10 * pad)
    x, mask = data(r, B=4, T=9, E=6, lengths=(9, 5, 2, 1))
    x = x.astype(dtype)
    layer = (ConvMaxPool(6, 8, width, r, pad) if pooled else Conv1d(6, 8, width, r, pad)).astype(dtype)
    conv = layer.conv if pooled else layer
    conv.params["b"][:] = r.standard_normal(8) * 0.1
    y, cache = layer.forward(x, mask=mask)
    dy = r.standard_normal(y.shape).astype(dtype)
    if pooled:
        empty = ~conv.output_mask(mask).any(axis=1)  # texts with no real output: torch gives -inf, seqkit 0
        assert not empty.any()
    dx = layer.backward(dy, cache)
    ty, tdx, tdW, tdb = _torch_reference(torch, conv, x, mask, dy, pooled)
    tol = TOL_TORCH[dtype]
    for ours, theirs in ((y, ty), (dx, tdx), (conv.grads["W"], tdW), (conv.grads["b"], tdb)):
        assert ours.dtype == dtype
        np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol)
