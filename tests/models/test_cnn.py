"""The convolutional classifier (--arch cnn): gradients in float64 with one and two channels, padding
invariance, the state size a model file must hold, and its option checks."""

import numpy as np
import pytest

from seqkit.errors import OptionError
from seqkit.models.classifier import ClassifierConfig, build_model
from seqkit.models.cnn import CNNClassifier
from seqkit.nn.losses import softmax_cross_entropy
from tests.models.test_classifier import check_parameter_gradients


def _model(channels=1, padding="post", filters="1,3,4", frozen=False, embeddings=True):
    cfg = ClassifierConfig(vocab_size=12, n_classes=3, arch="cnn", embed_dim=5, maps=4, filters=filters,
                           channels=channels, dropout=0.0, padding=padding, freeze_embeddings=frozen)
    E = np.random.default_rng(2).standard_normal((12, 5)).astype(np.float32) if embeddings else None
    return build_model(cfg, np.random.default_rng(1), embeddings=E).astype(np.float64)


def _batch(padding):
    ids = np.array([[2, 3, 4, 5, 0], [6, 0, 0, 0, 0], [7, 8, 9, 10, 11]])  # the second shorter than any width > 1
    lengths = np.array([4, 1, 5])
    if padding == "pre":
        ids = np.stack([np.roll(r, 5 - n) for r, n in zip(ids, lengths)])
    return ids, lengths


@pytest.mark.parametrize("channels,padding,frozen", [(1, "post", False), (1, "pre", True), (2, "post", False)])
def test_gradients_match_finite_differences(channels, padding, frozen):
    model = _model(channels, padding, frozen=frozen)
    assert isinstance(model, CNNClassifier)
    names = [n for n, _, _ in model.named_parameters()]
    assert ("embedding.W" in names) is not frozen and not any(n.startswith("static") for n in names)
    ids, lengths = _batch(padding)
    check_parameter_gradients(model, ids, lengths, np.array([0, 2, 1]), n=8, sparse=("embedding.W",))


@pytest.mark.parametrize("padding", ["pre", "post"])
def test_padding_does_not_change_the_prediction(padding):
    model = _model(2, padding)
    alone, _ = model.forward((np.array([[2, 3, 4]]), np.array([3])))
    ids = np.array([[2, 3, 4, 0, 0], [5, 6, 7, 8, 9]]) if padding == "post" else np.array([[0, 0, 2, 3, 4], [5, 6, 7, 8, 9]])
    both, _ = model.forward((ids, np.array([3, 5])))
    np.testing.assert_allclose(both[0], alone[0], atol=1e-12)


@pytest.mark.parametrize("channels,filters", [(1, "3,4,5"), (2, "2"), (2, "1,7")])
def test_state_size_is_what_the_model_holds(channels, filters):
    model = _model(channels, filters=filters)
    held = sum(a.size for a in model.state_dict().values())
    assert held == model.config.state_size()
    assert model.static is None if channels == 1 else np.array_equal(model.static.weight, model.embedding.weight)


def test_two_channels_train_only_one_copy():
    model = _model(2)
    ids, lengths = _batch("post")
    logits, cache = model.forward((ids, lengths))
    model.backward(softmax_cross_entropy(logits, np.array([0, 1, 2]))[1], cache)
    assert np.abs(model.embedding.grads["W"][ids[0, :4]]).sum() > 0
    assert "W" in model.static.buffers and not model.static.params


@pytest.mark.parametrize("kw,needle", [
    ({"filters": "3,x"}, "--filters"), ({"filters": ""}, "--filters"), ({"filters": "0,3"}, "--filters"),
    ({"filters": "3,5000"}, "--filters"), ({"channels": 3}, "--channels"), ({"maps": 0}, "--maps"),
    ({"channels": 2, "freeze_embeddings": True}, "freeze"), ({"bidirectional": True}, "--bidirectional"),
    ({"channels": 2, "arch": "gru"}, "--arch cnn"),
])
def test_bad_options(kw, needle):
    base = {"vocab_size": 5, "n_classes": 2, "arch": "cnn", **kw}
    with pytest.raises(OptionError, match=needle):
        ClassifierConfig(**base)
