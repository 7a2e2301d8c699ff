"""RNN/LSTM/GRU: gradients (uni/bi, stacked, padded), Numba loops against the NumPy reference,
padding semantics, and outputs/gradients against torch.nn when torch is installed."""

import numpy as np
import pytest

from seqkit import runtime
from seqkit.nn import RecurrentConfig, RecurrentEncoder, RecurrentLayer, lengths_to_mask
from seqkit.nn.gradcheck import check_layer

CELLS = ["rnn", "lstm", "gru"]


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_gradients_stacked_padded(cell, bidirectional):
    r = np.random.default_rng(1)
    enc = RecurrentEncoder(RecurrentConfig(cell, 3, 4, layers=2, bidirectional=bidirectional), r)
    x = r.standard_normal((3, 5, 3))
    mask = lengths_to_mask(np.array([5, 3, 2]), 5)
    mask[2] = lengths_to_mask(np.array([2]), 5, pre_padded=True)[0]  # one pre-padded row too
    errors = check_layer(enc, x, {"mask": mask}, max_entries=25)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("cell", CELLS)
def test_gradients_single_layer_without_mask(cell):
    r = np.random.default_rng(2)
    errors = check_layer(RecurrentLayer(cell, 2, 3, r, reverse=True), r.standard_normal((4, 2, 2)))
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("threads", [1, 2])
def test_numba_loops_match_numpy_reference(cell, dtype, threads):
    """A batch of 19 rows: with 2 threads the kernels split it into uneven row blocks (10 and 9), each
    thread running the whole time loop for its rows. One thread and two must match the NumPy reference."""
    from seqkit.nn import kernels

    B = 19
    r = np.random.default_rng(3)
    x = r.standard_normal((6, B, 3)).astype(dtype)
    mask = lengths_to_mask(r.integers(1, 7, size=B), 6).T.astype(dtype)  # (T, B)
    dy = r.standard_normal((6, B, 5)).astype(dtype)
    dlast = r.standard_normal((B, 5)).astype(dtype)
    results = []
    with runtime.threads(threads):
        if threads > 1 and runtime.numba_threads() < threads:
            pytest.skip(f"Numba's pool has fewer than {threads} threads")
        assert kernels.n_blocks(B) == threads
        for backend in ["numba", "numpy"]:
            for reverse in [False, True]:
                layer = RecurrentLayer(cell, 3, 5, np.random.default_rng(0), reverse=reverse, backend=backend).astype(dtype)
                (y, last), cache = layer.forward(x, mask=mask)
                dx = layer.backward((dy, dlast), cache)
                results.append([y, last, dx] + [g.copy() for g in layer.grads.values()])
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for a, b in zip(results[:2], results[2:]):
        for u, v in zip(a, b):
            assert u.dtype == dtype
            np.testing.assert_allclose(u, v, atol=tol, rtol=tol)


@pytest.mark.parametrize("cell", CELLS)
def test_final_state_is_the_last_valid_one_whatever_the_padding(cell):
    r = np.random.default_rng(4)
    enc = RecurrentEncoder(RecurrentConfig(cell, 3, 4, bidirectional=True), r).astype(np.float64)
    seq = r.standard_normal((1, 3, 3))
    (_, alone), _ = enc.forward(seq)
    post = np.concatenate([seq, r.standard_normal((1, 2, 3))], axis=1)
    pre = np.concatenate([r.standard_normal((1, 2, 3)), seq], axis=1)
    (_, last_post), _ = enc.forward(post, mask=lengths_to_mask(np.array([3]), 5))
    (_, last_pre), _ = enc.forward(pre, mask=lengths_to_mask(np.array([3]), 5, pre_padded=True))
    np.testing.assert_allclose(last_post, alone, atol=1e-12)
    np.testing.assert_allclose(last_pre, alone, atol=1e-12)


def test_forget_bias_and_orthogonal_init():
    layer = RecurrentLayer("lstm", 3, 4, np.random.default_rng(0), forget_bias=1.0)
    assert np.all(layer.params["b"][4:8] == 1.0) and np.all(layer.params["b"][:4] == 0)
    block = layer.params["W_h"][:, :4]
    np.testing.assert_allclose(block.T @ block, np.eye(4), atol=1e-5)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_matches_torch(cell, bidirectional):
    torch = pytest.importorskip("torch")
    D, H, L, B, T = 3, 4, 2, 3, 5
    ref = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](
        D, H, num_layers=L, bidirectional=bidirectional, batch_first=True
    ).double()
    enc = RecurrentEncoder(RecurrentConfig(cell, D, H, layers=L, bidirectional=bidirectional), np.random.default_rng(0))
    enc.astype(np.float64)
    for layer in range(L):
        for suffix in (["", "_reverse"] if bidirectional else [""]):
            ours = getattr(enc, f"{cell}{layer}{suffix}").params
            get = lambda n: getattr(ref, f"{n}_l{layer}{suffix}").detach().numpy()
            ours["W_x"][...] = get("weight_ih").T
            ours["W_h"][...] = get("weight_hh").T
            if cell == "gru":
                ours["b"][...] = get("bias_ih")
                ours["b_h"][...] = get("bias_hh")
            else:
                ours["b"][...] = get("bias_ih") + get("bias_hh")
    r = np.random.default_rng(5)
    x = r.standard_normal((B, T, D))
    lengths = np.array([5, 2, 4])
    mask = lengths_to_mask(lengths, T)
    (out, last), cache = enc.forward(x, mask=mask)
    xt = torch.tensor(x, requires_grad=True)
    packed = torch.nn.utils.rnn.pack_padded_sequence(xt, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    out_p, hn = ref(packed)
    out_t, _ = torch.nn.utils.rnn.pad_packed_sequence(out_p, batch_first=True, total_length=T)
    hn = hn[0] if cell == "lstm" else hn
    last_t = torch.cat([hn[-2], hn[-1]], dim=1) if bidirectional else hn[-1]
    m = mask[:, :, None]
    np.testing.assert_allclose(out * m, out_t.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(last, last_t.detach().numpy(), atol=1e-10)
    dout = r.standard_normal(out.shape) * m
    dlast = r.standard_normal(last.shape)
    dx = enc.backward((dout, dlast), cache)
    ((out_t * torch.tensor(dout)).sum() + (last_t * torch.tensor(dlast)).sum()).backward()
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=1e-10)
    g = getattr(enc, f"{cell}0").grads
    np.testing.assert_allclose(g["W_h"], ref.weight_hh_l0.grad.numpy().T, atol=1e-10)
    np.testing.assert_allclose(g["W_x"], ref.weight_ih_l0.grad.numpy().T, atol=1e-10)


def test_fast_float32_tanh_is_accurate():
    import numba

    from seqkit.nn.kernels import tanh_f32

    apply = numba.njit(lambda a: np.array([tanh_f32(v) for v in a]))
    x = np.linspace(-12, 12, 20001).astype(np.float32)
    y = apply(x)
    assert y.dtype == np.float32
    assert np.abs(y.astype(np.float64) - np.tanh(x.astype(np.float64))).max() < 1e-6
