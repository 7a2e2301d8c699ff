"""The composed classifier: gradients of every architecture and pooling, and save/load round trips."""

import numpy as np
import pytest

from seqkit.errors import ModelFormatError, OptionError
from seqkit.models.classifier import ClassifierConfig, SequenceClassifier
from seqkit.nn.losses import softmax_cross_entropy

CASES = [
    ("rnn", "last", False, "post"),
    ("lstm", "meanmax", True, "post"),
    ("gru", "last", True, "pre"),
    ("gru", "max", False, "post"),
    ("transformer", "mean", False, "post"),
    ("transformer", "cls", False, "post"),
]


def _model(arch, pool, bidirectional, padding, **kw):
    cfg = ClassifierConfig(
        vocab_size=12, n_classes=3, arch=arch, embed_dim=8, hidden=5, layers=2, bidirectional=bidirectional,
        pool=pool, dropout=0.0, heads=2, ffn=6, max_len=6, padding=padding, **kw,
    )
    return SequenceClassifier(cfg, np.random.default_rng(1)).astype(np.float64)


def _batch(padding):
    ids = np.array([[2, 3, 4, 5, 0], [6, 1, 0, 0, 0], [7, 8, 9, 10, 11]])
    lengths = np.array([4, 2, 5])
    if padding == "pre":
        ids = np.stack([np.roll(r, 5 - n) for r, n in zip(ids, lengths)])
    return ids, lengths


def check_parameter_gradients(model, ids, lengths, labels, n=6, sparse=()):
    """Each parameter's gradient of the cross-entropy against centred differences at n entries; for the
    parameters named in sparse, among the entries with a gradient (embedding rows the batch uses)."""
    def loss():
        logits, _ = model.forward((ids, lengths), train=False)
        return softmax_cross_entropy(logits, labels)[0]

    model.zero_grad()
    logits, cache = model.forward((ids, lengths), train=False)
    model.backward(softmax_cross_entropy(logits, labels)[1], cache)
    rng = np.random.default_rng(0)
    for name, p, g in model.named_parameters():
        flat, gflat = p.reshape(-1), g.reshape(-1)
        rows = np.flatnonzero(gflat) if name in sparse else np.arange(flat.size)
        for i in rng.choice(rows, size=min(n, rows.size), replace=False):
            old = flat[i]
            flat[i] = old + 1e-6
            up = loss()
            flat[i] = old - 1e-6
            down = loss()
            flat[i] = old
            num = (up - down) / 2e-6
            assert abs(num - gflat[i]) <= 1e-6 + 1e-5 * abs(num), (name, i, num, gflat[i])


@pytest.mark.parametrize("arch,pool,bidirectional,padding", CASES)
def test_gradients_match_finite_differences(arch, pool, bidirectional, padding):
    model = _model(arch, pool, bidirectional, padding)
    ids, lengths = _batch(padding)
    check_parameter_gradients(model, ids, lengths, np.array([0, 2, 1]))


def test_padding_does_not_change_the_prediction():
    """A text alone and the same text padded in a batch with a longer one get the same logits."""
    for padding in ("pre", "post"):
        for arch, pool in (("gru", "last"), ("lstm", "meanmax"), ("transformer", "mean")):
            if arch == "transformer" and padding == "pre":
                continue  # refused (see test_bad_architecture_options)
            model = _model(arch, pool, True, padding)
            alone, _ = model.forward((np.array([[2, 3, 4]]), np.array([3])))
            ids = np.array([[2, 3, 4, 0, 0], [5, 6, 7, 8, 9]]) if padding == "post" else np.array([[0, 0, 2, 3, 4], [5, 6, 7, 8, 9]])
            both, _ = model.forward((ids, np.array([3, 5])))
            np.testing.assert_allclose(both[0], alone[0], atol=1e-10)


def test_bad_architecture_options():
    with pytest.raises(OptionError, match="divisible"):
        ClassifierConfig(vocab_size=5, n_classes=2, arch="transformer", embed_dim=10, heads=3)
    with pytest.raises(OptionError, match="padding post"):
        ClassifierConfig(vocab_size=5, n_classes=2, arch="transformer", embed_dim=8, heads=2, padding="pre")
    with pytest.raises(OptionError, match="--arch"):
        ClassifierConfig(vocab_size=5, n_classes=2, arch="resnet")
    with pytest.raises(OptionError, match="transformer"):
        ClassifierConfig(vocab_size=5, n_classes=2, arch="gru", pool="cls")
    with pytest.raises(ModelFormatError, match="upgrade"):
        ClassifierConfig.from_dict({"vocab_size": 5, "n_classes": 2, "future_field": 1})
