"""The MLP over document vectors: gradients in float64 (embedding rows through the weighted mean, batch
norm in training mode), the same document vector as `vectors --docs`, word weights, learning, files."""

import numpy as np
import pytest

from seqkit.embed.docvec import document_vectors, smoothed_idf
from seqkit.embed.keyed import KeyedVectors
from seqkit.errors import OptionError
from seqkit.models.bundle import TrainedClassifier
from seqkit.models.classifier import ClassifierConfig, build_model
from seqkit.models.data import EncodedSet, TextOptions
from seqkit.models.mlp import MLPClassifier, text_word_weights
from seqkit.nn.gradcheck import compare
from seqkit.nn.losses import softmax_cross_entropy
from seqkit.nn.optim import make_optimizer
from seqkit.train import NoCallbacks, TrainConfig, fit
from tests.models.test_train import _toy

TOL = 1e-6
WORDS = ["<pad>", "<unk>", "good", "bad", "the", "film", "a", "plot"]
IDS = np.array([[2, 3, 4, 4, 0], [6, 1, 0, 0, 0], [7, 5, 4, 2, 6], [1, 1, 0, 0, 0]])  # the last: no known word
LENGTHS = np.array([4, 2, 5, 2])


def _cfg(**kw):
    base = dict(vocab_size=len(WORDS), n_classes=3, arch="mlp", embed_dim=6, hidden=5, layers=2, dropout=0.0,
                doc_weight="tfidf")
    return ClassifierConfig(**{**base, **kw})


def _weights(cfg):
    return text_word_weights(cfg, [row[:n] for row, n in zip(IDS, LENGTHS)])


@pytest.mark.parametrize("act", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("batch_norm", [False, True])
def test_gradients_match_finite_differences(act, batch_norm):
    """Every parameter, the embedding rows (trained through the weighted mean) included, in training mode."""
    cfg = _cfg(activation=act, batch_norm=batch_norm)
    model = MLPClassifier(cfg, np.random.default_rng(1), word_weight=_weights(cfg)).astype(np.float64)
    for lin in model.linears:  # off zero, so the text without a known word sits off relu's kink
        if "b" in lin.params:
            lin.params["b"][:] = np.random.default_rng(2).uniform(0.1, 0.5, lin.params["b"].shape)
    labels = np.array([0, 2, 1, 1])

    def loss():
        logits, _ = model.forward((IDS, LENGTHS), train=True)
        return softmax_cross_entropy(logits, labels)[0]

    model.zero_grad()
    logits, cache = model.forward((IDS, LENGTHS), train=True)
    model.backward(softmax_cross_entropy(logits, labels)[1], cache)
    arrays = {n: p for n, p, _ in model.named_parameters()}
    assert "embedding.W" in arrays and any(n.startswith("norms.") for n in arrays) == batch_norm
    errors = compare(loss, arrays, {n: g.copy() for n, _, g in model.named_parameters()}, max_entries=60)
    assert max(errors.values()) < TOL, errors
    rows = model.embedding.grads["W"]
    assert rows[[0, 1]].any(axis=1).tolist() == [False, False]  # <pad> and <unk> are left out of the mean
    assert rows[[2, 3, 4, 5, 6, 7]].any(axis=1).all()


def test_frozen_vectors_get_no_gradient_and_are_not_parameters():
    cfg = _cfg(freeze_embeddings=True)
    E = np.random.default_rng(0).standard_normal((len(WORDS), 6)).astype(np.float32)
    model = MLPClassifier(cfg, np.random.default_rng(1), embeddings=E, word_weight=_weights(cfg))
    assert all(not n.startswith("embedding") for n, _, _ in model.named_parameters())
    logits, cache = model.forward((IDS, LENGTHS), train=True)
    model.backward(softmax_cross_entropy(logits, np.array([0, 1, 2, 0]))[1], cache)
    assert np.array_equal(model.embedding.weight[1:], E[1:])  # <pad> is zeroed, nothing else changes


def test_document_vector_is_the_one_vectors_docs_computes():
    """The network's weighted mean equals seqkit.embed.docvec.document_vectors for mean and tfidf weights."""
    words = WORDS[2:]  # a word-vector model without <pad>/<unk>; ids shift by 2
    vecs = np.random.default_rng(2).standard_normal((len(words), 6)).astype(np.float32)
    docs = [[WORDS[i] for i in row[:n] if i > 1] for row, n in zip(IDS, LENGTHS)]
    for weight in ("mean", "tfidf"):
        expected, empty, _ = document_vectors(KeyedVectors(words, vecs), docs, weight)
        cfg = _cfg(doc_weight=weight, freeze_embeddings=True)
        E = np.vstack([np.zeros((2, 6), np.float32), vecs])
        model = MLPClassifier(cfg, np.random.default_rng(1), embeddings=E, word_weight=_weights(cfg))
        w = model.buffers["word_weight"][IDS]
        got, _ = model.mean.forward(model.embedding.weight[IDS], weights=w)
        np.testing.assert_allclose(got, expected, atol=1e-6)
        assert empty == 1 and not got[3].any()


def test_word_weights_are_idf_of_the_training_texts_and_skip_unknown():
    cfg = _cfg()
    seqs = [np.array([2, 4]), np.array([4, 5]), np.array([4, 1])]
    w = text_word_weights(cfg, seqs, known=np.array([True] * 5 + [False] * 3))
    idf = smoothed_idf(seqs, len(WORDS))
    assert idf[4] == pytest.approx(np.log(4 / 4) + 1) and idf[2] == pytest.approx(np.log(4 / 2) + 1)
    np.testing.assert_allclose(w, [0, 0, idf[2], idf[3], idf[4], 0, 0, 0], rtol=1e-6)
    assert text_word_weights(_cfg(doc_weight="mean"), seqs).tolist() == [0, 0, 1, 1, 1, 1, 1, 1]


def test_bad_options():
    with pytest.raises(OptionError, match="--activation"):
        _cfg(activation="softplus")
    with pytest.raises(OptionError, match="--doc-weight"):
        _cfg(doc_weight="bm25")
    with pytest.raises(OptionError, match="--batch-norm is for --arch mlp"):
        ClassifierConfig(vocab_size=8, n_classes=2, arch="gru", batch_norm=True)
    with pytest.raises(OptionError, match="--embed-dim"):
        _cfg(embed_dim=0)
    with pytest.raises(OptionError, match="at least 2 texts per batch"):
        TrainConfig(batch_size=1, min_batch=2)


class _Sizes(NoCallbacks):
    def __init__(self):
        self.examples = []

    def on_batch(self, p):
        self.examples.append(p.examples)


@pytest.mark.parametrize("act,batch_norm", [("sigmoid", False), ("relu", False), ("relu", True), ("tanh", True)])
def test_learns_a_planted_word_and_skips_a_batch_of_one_with_batch_norm(act, batch_norm):
    train = _toy(321, 0)  # 20 batches of 16 and one of 1
    cfg = _cfg(n_classes=2, activation=act, batch_norm=batch_norm, dropout=0.1, hidden=16, layers=1, embed_dim=8)
    model = build_model(cfg, np.random.default_rng(0), word_weight=text_word_weights(cfg, train.seqs))
    tc = TrainConfig(lr=0.02, batch_size=16, epochs=8, patience=0, min_batch=2 if batch_norm else 1)
    seen = _Sizes()
    res = fit(model, train, _toy(100, 1), tc, make_optimizer("adam", model.parameters(), tc.lr), seen)
    assert res.state.best_score >= 0.9, res.state.history
    per_epoch = len(seen.examples) // 8
    assert per_epoch == (20 if batch_norm else 21) and max(seen.examples) == (320 if batch_norm else 321)


def test_model_file_keeps_word_weights_and_running_averages(tmp_path):
    cfg = _cfg(n_classes=2, batch_norm=True, hidden=8, layers=1, embed_dim=8)
    train = _toy(200, 0)
    model = build_model(cfg, np.random.default_rng(0), word_weight=text_word_weights(cfg, train.seqs))
    tc = TrainConfig(lr=0.02, batch_size=16, epochs=2, patience=0, min_batch=2)
    fit(model, train, None, tc, make_optimizer("adam", model.parameters(), tc.lr))
    assert not np.allclose(model.norms[0].buffers["running_var"], 1.0)
    clf = TrainedClassifier(model, WORDS, ["neg", "pos"], TextOptions(max_len=16))
    clf.save(tmp_path / "m.npz")
    back = TrainedClassifier.load(tmp_path / "m.npz")
    assert isinstance(back.model, MLPClassifier) and back.model.config == cfg
    np.testing.assert_array_equal(back.model.buffers["word_weight"], model.buffers["word_weight"])
    np.testing.assert_array_equal(back.model.norms[0].buffers["running_mean"], model.norms[0].buffers["running_mean"])
    texts = ["good film", "the plot was bad", "never seen words", ""]
    np.testing.assert_allclose(back.predict_proba(texts), clf.predict_proba(texts))
    # one text alone is classified as in a batch: evaluation uses the running averages
    np.testing.assert_allclose(back.predict_proba(texts[:1]), back.predict_proba(texts)[:1], atol=1e-6)
