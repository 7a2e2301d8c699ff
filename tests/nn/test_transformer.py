"""Attention and the Transformer encoder: gradients (pre/post-LN, sinusoidal/learned, [CLS]),
padding masks, the sinusoidal table, and attention against torch when installed."""

import numpy as np
import pytest

from seqkit.nn import lengths_to_mask
from seqkit.nn.attention import MultiHeadSelfAttention
from seqkit.nn.gradcheck import check_layer
from seqkit.nn.transformer import FeedForward, TransformerConfig, TransformerEncoder, sinusoidal_table


def test_attention_gradients_with_padding():
    r = np.random.default_rng(0)
    x = r.standard_normal((2, 5, 8))
    errors = check_layer(MultiHeadSelfAttention(8, 2, r), x, {"mask": lengths_to_mask(np.array([5, 3]), 5)})
    assert max(errors.values()) < 1e-6, errors


def test_feed_forward_gradients():
    r = np.random.default_rng(0)
    assert max(check_layer(FeedForward(4, 6, r, "gelu"), r.standard_normal((2, 3, 4))).values()) < 1e-6


@pytest.mark.parametrize("norm", ["pre", "post"])
@pytest.mark.parametrize("positional", ["sinusoidal", "learned"])
@pytest.mark.parametrize("cls", [False, True])
def test_encoder_gradients(norm, positional, cls):
    r = np.random.default_rng(1)
    enc = TransformerEncoder(TransformerConfig(8, 2, 12, 2, 0.0, positional, norm, 10, "relu", cls), r)
    x = r.standard_normal((2, 5, 8))
    errors = check_layer(enc, x, {"mask": lengths_to_mask(np.array([5, 2]), 5)}, max_entries=20)
    assert max(errors.values()) < 1e-6, errors


def test_padding_does_not_change_real_positions():
    r = np.random.default_rng(2)
    enc = TransformerEncoder(TransformerConfig(8, 2, 12, 2, 0.0, max_len=10), r).astype(np.float64)
    x = r.standard_normal((1, 3, 8))
    alone, _ = enc.forward(x)
    padded = np.concatenate([x, r.standard_normal((1, 4, 8)) * 50], axis=1)
    out, _ = enc.forward(padded, mask=lengths_to_mask(np.array([3]), 7))
    np.testing.assert_allclose(out[:, :3], alone, atol=1e-10)


def test_dropout_only_in_training():
    r = np.random.default_rng(3)
    enc = TransformerEncoder(TransformerConfig(8, 2, 12, 1, 0.3, max_len=10), r)
    x = r.standard_normal((2, 4, 8)).astype(np.float32)
    a, _ = enc.forward(x)
    b, _ = enc.forward(x)
    c, _ = enc.forward(x, train=True)
    assert np.array_equal(a, b) and not np.allclose(a, c)


def test_sinusoidal_table_formula():
    pe = sinusoidal_table(50, 6)
    pos, i = 17, 1
    assert np.isclose(pe[pos, 2 * i], np.sin(pos / 10000 ** (2 * i / 6)))
    assert np.isclose(pe[pos, 2 * i + 1], np.cos(pos / 10000 ** (2 * i / 6)))


def test_too_long_input_is_a_clear_error():
    from seqkit.errors import OptionError

    enc = TransformerEncoder(TransformerConfig(8, 2, 12, 1, 0.0, max_len=4), np.random.default_rng(0))
    with pytest.raises(OptionError, match="max_len"):
        enc.forward(np.zeros((1, 6, 8), np.float32))


def test_attention_matches_torch():
    torch = pytest.importorskip("torch")
    r = np.random.default_rng(4)
    D, h = 8, 2
    ours = MultiHeadSelfAttention(D, h, r).astype(np.float64)
    ref = torch.nn.MultiheadAttention(D, h, batch_first=True).double()
    with torch.no_grad():
        ref.in_proj_weight.copy_(torch.tensor(ours.params["W_qkv"].T))
        ref.in_proj_bias.copy_(torch.tensor(ours.params["b_qkv"]))
        ref.out_proj.weight.copy_(torch.tensor(ours.params["W_o"].T))
        ref.out_proj.bias.copy_(torch.tensor(ours.params["b_o"]))
    x = r.standard_normal((2, 5, D))
    mask = lengths_to_mask(np.array([5, 3]), 5)
    y, _ = ours.forward(x, mask=mask)
    xt = torch.tensor(x)
    yt, _ = ref(xt, xt, xt, key_padding_mask=torch.tensor(~mask))
    np.testing.assert_allclose(y[mask], yt.detach().numpy()[mask], atol=1e-10)  # padded query rows are 0 here


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_attention_kernels_match_the_numpy_reference(dtype):
    r = np.random.default_rng(5)
    fused = MultiHeadSelfAttention(8, 2, np.random.default_rng(1)).astype(dtype)
    ref = MultiHeadSelfAttention(8, 2, np.random.default_rng(1), backend="numpy").astype(dtype)
    x = r.standard_normal((4, 6, 8)).astype(dtype)
    mask = lengths_to_mask(np.array([6, 3, 1, 6]), 6)
    mask[3] = [False, True, False, True, True, False]  # holes anywhere, pre-padding too
    dy = r.standard_normal(x.shape).astype(dtype) * mask[..., None]  # masked pooling sends padding nothing
    outs = []
    for layer in (fused, ref):
        layer.zero_grad()
        y, cache = layer.forward(x, True, mask)
        outs.append((y, layer.backward(dy, cache), {k: v.copy() for k, v in layer.grads.items()}))
    tol = 1e-12 if dtype == np.float64 else 2e-6
    np.testing.assert_allclose(outs[0][0][mask], outs[1][0][mask], atol=tol)  # padded rows: 0, as torch's nested path
    assert not outs[0][0][~mask].any()
    np.testing.assert_allclose(outs[0][1], outs[1][1], atol=tol)
    for k in outs[0][2]:
        np.testing.assert_allclose(outs[0][2][k], outs[1][2][k], atol=tol * 10)


def test_attention_dropout_gradients_and_rate():
    class FixedSeed:  # the same dropout mask on every forward pass, as finite differences need
        def integers(self, *_):
            return 12345

    r = np.random.default_rng(6)
    layer = MultiHeadSelfAttention(8, 2, r, dropout=0.3)
    layer.attn_dropout.rng = FixedSeed()
    x = r.standard_normal((2, 5, 8))
    errors = check_layer(layer, x, {"mask": lengths_to_mask(np.array([5, 4]), 5)}, train=True)
    assert max(errors.values()) < 1e-6, errors
    from seqkit.nn import attention_kernels as ak

    kept = [ak._keep(7, b, h, i, j, ak.drop_threshold(0.3)) for b in range(4) for h in range(4)
            for i in range(30) for j in range(30)]
    assert abs(np.mean(kept) - 0.7) < 0.02


@pytest.mark.parametrize("n_blocks", [1, 2, 3, 7])
def test_split_matrix_product_kernels_match_numpy(n_blocks):
    """The row-block kernels themselves, for block counts that do not divide the 1003 rows (whatever
    the number of threads: prange runs every block)."""
    from seqkit.nn import parallel_kernels

    r = np.random.default_rng(7)
    A, B, C = r.standard_normal((1003, 7)), r.standard_normal((7, 5)), r.standard_normal((1003, 5))
    out = np.full((1003, 5), np.nan)
    parallel_kernels.mm_rows(A, B, out, n_blocks)
    np.testing.assert_allclose(out, A @ B, atol=1e-12)
    parts = np.full((n_blocks, 7, 5), np.nan)
    parallel_kernels.mm_tn_partial(A, C, parts)
    np.testing.assert_allclose(parts.sum(axis=0), A.T @ C, atol=1e-10)


def test_split_matrix_products_take_the_split_path_and_match_numpy():
    import numba

    from seqkit import runtime
    from seqkit.nn import parallel

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("Numba's pool has one thread: nothing to split")
    r = np.random.default_rng(7)
    A, B, C = r.standard_normal((1003, 7)), r.standard_normal((7, 5)), r.standard_normal((1003, 5))
    with runtime.threads(2):
        assert parallel._blocks(len(A)) == 2  # the products below really run split
        np.testing.assert_allclose(parallel.matmul(A, B), A @ B, atol=1e-12)
        np.testing.assert_allclose(parallel.matmul_tn(A, C), A.T @ C, atol=1e-10)


def test_heads_that_do_not_divide_the_width_are_an_option_error():
    from seqkit.errors import OptionError

    with pytest.raises(OptionError, match="not divisible"):
        MultiHeadSelfAttention(10, 3, np.random.default_rng(0))
