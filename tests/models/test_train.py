"""The training loop and the model file: learning, early stopping, Ctrl-C, checkpoints, format versions."""

import json

import numpy as np
import pytest

from seqkit.errors import ModelFormatError
from seqkit.models import io
from seqkit.models.bundle import TrainedClassifier
from seqkit.models.classifier import ClassifierConfig, SequenceClassifier
from seqkit.models.data import EncodedSet, TextOptions
from seqkit.nn.optim import make_optimizer
from seqkit.train import NoCallbacks, TrainConfig, fit

WORDS = ["<pad>", "<unk>", "good", "bad", "the", "film", "a", "plot"]


def _toy(n, seed):
    """Texts of filler words with one 'good' (class 1) or 'bad' (class 0) somewhere."""
    rng = np.random.default_rng(seed)
    seqs, labels = [], []
    for _ in range(n):
        y = int(rng.integers(2))
        s = list(rng.integers(4, 8, size=int(rng.integers(2, 9))))
        s.insert(int(rng.integers(len(s) + 1)), 2 if y else 3)
        seqs.append(np.array(s, np.int32))
        labels.append(y)
    return EncodedSet(seqs, np.array(labels))


def _model(arch="gru", seed=0):
    cfg = ClassifierConfig(vocab_size=len(WORDS), n_classes=2, arch=arch, embed_dim=8, hidden=8, heads=2, ffn=8,
                           dropout=0.0, pool="max" if arch == "transformer" else "last", max_len=16)
    return SequenceClassifier(cfg, np.random.default_rng(seed))


@pytest.mark.parametrize("arch", ["rnn", "lstm", "gru", "transformer"])
def test_every_architecture_learns_a_planted_word(arch):
    model = _model(arch)
    cfg = TrainConfig(lr=0.02, batch_size=16, epochs=6, patience=0)
    opt = make_optimizer("adam", model.parameters(), cfg.lr)
    res = fit(model, _toy(320, 0), _toy(100, 1), cfg, opt)
    assert res.stopped == "completed"
    assert res.state.best_score >= 0.9, res.state.history
    assert len(res.state.history) == 6


class _Recorder(NoCallbacks):
    def __init__(self, stop_at=None):
        self.batches, self.epochs, self.stop_at = [], [], stop_at

    def on_batch(self, p):
        self.batches.append(p)
        if self.stop_at and (p.epoch, p.batch) == self.stop_at:
            raise KeyboardInterrupt

    def on_epoch_end(self, s, state):
        self.epochs.append(s)


def test_early_stopping_keeps_the_best_weights():
    model = _model()
    cfg = TrainConfig(lr=0.02, batch_size=16, epochs=30, patience=1)
    opt = make_optimizer("adam", model.parameters(), cfg.lr)
    valid = _toy(60, 1)
    res = fit(model, _toy(200, 0), valid, cfg, opt)
    st = res.state
    assert res.stopped == "early_stopping" and st.epoch < 30
    assert st.epoch == st.best_epoch + 1  # stopped one epoch after the last improvement
    from seqkit.train import predict_set

    probs, _ = predict_set(model, valid)
    assert (probs.argmax(1) == valid.labels).mean() == pytest.approx(st.best_score)


def test_ctrl_c_returns_the_best_model_so_far():
    model = _model()
    cb = _Recorder(stop_at=(3, 2))
    cfg = TrainConfig(lr=0.02, batch_size=16, epochs=10, patience=0)
    res = fit(model, _toy(200, 0), _toy(60, 1), cfg, make_optimizer("adam", model.parameters(), cfg.lr), cb)
    assert res.stopped == "interrupted"
    assert res.state.epoch == 2 and len(cb.epochs) == 2
    best = res.state.best_params
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, best[name])


def test_progress_reports_loss_accuracy_and_speed():
    cb = _Recorder()
    model = _model()
    cfg = TrainConfig(batch_size=50, epochs=1)
    fit(model, _toy(120, 0), None, cfg, make_optimizer("adam", model.parameters(), 1e-3), cb)
    assert [p.batch for p in cb.batches] == [1, 2, 3] and cb.batches[-1].n_batches == 3
    assert cb.batches[-1].examples == 120
    assert all(p.tokens_per_s > 0 and 0 <= p.accuracy <= 1 and p.loss > 0 for p in cb.batches)
    assert cb.epochs[0].valid_accuracy is None


def _bundle(model):
    return TrainedClassifier(model, WORDS, ["neg", "pos"], TextOptions(max_len=16))


def test_model_file_round_trip_is_npz_with_json_metadata(tmp_path):
    clf = _bundle(_model("lstm"))
    path = tmp_path / "m.npz"
    clf.save(path)
    with np.load(path, allow_pickle=False) as z:  # never pickle
        meta = json.loads(z[io.META_KEY].tobytes())
    assert meta["format_version"] == io.FORMAT_VERSION and meta["architecture"]["arch"] == "lstm"
    assert meta["vocab"] == WORDS and meta["labels"] == ["neg", "pos"]
    assert meta["preprocessing"]["max_len"] == 16 and meta["preprocessing"]["normalize"]["lowercase"] is True
    back = TrainedClassifier.load(path)
    texts = ["good film", "the plot was bad", "never seen words", ""]
    np.testing.assert_allclose(back.predict_proba(texts), clf.predict_proba(texts))
    assert not list(tmp_path.glob(".*tmp"))  # nothing left behind by the atomic write


def test_newer_format_version_and_garbage_are_refused(tmp_path):
    clf = _bundle(_model())
    arrays = {"param/" + k: v for k, v in clf.model.state_dict().items()}
    newer = tmp_path / "newer.npz"
    io.save_arrays(newer, arrays, {**clf._meta(), "format_version": io.FORMAT_VERSION + 1})
    with pytest.raises(ModelFormatError, match="newer.*upgrade seqkit"):
        TrainedClassifier.load(newer)
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip at all")
    with pytest.raises(ModelFormatError, match="not a seqkit classifier"):
        TrainedClassifier.load(junk)
    plain = tmp_path / "plain.npz"
    np.savez(plain, a=np.zeros(3))
    with pytest.raises(ModelFormatError, match="no seqkit metadata"):
        TrainedClassifier.load(plain)


def test_checkpoint_resume_continues_with_the_optimizer_state(tmp_path):
    train, valid = _toy(160, 0), _toy(40, 1)
    cfg = TrainConfig(lr=0.01, batch_size=16, epochs=2, patience=0)
    model = _model()
    opt = make_optimizer("adam", model.parameters(), cfg.lr)
    res = fit(model, train, valid, cfg, opt)
    model.load_state_dict(model.state_dict())
    clf = _bundle(model)
    ck = tmp_path / "m.npz.ckpt"
    clf.save_checkpoint(ck, opt, res.state, cfg.to_dict())
    back, opt_state, state, tc = TrainedClassifier.load_checkpoint(ck)
    assert state.epoch == 2 and state.best_epoch == res.state.best_epoch and tc["lr"] == 0.01
    assert int(opt_state["t"]) == opt.t
    opt2 = make_optimizer("adam", back.model.parameters(), cfg.lr)
    opt2.load_state_dict(opt_state)
    cfg4 = TrainConfig(**{**tc, "epochs": 4})
    res2 = fit(back.model, train, valid, cfg4, opt2, state=state)
    assert [h["epoch"] for h in res2.state.history] == [1, 2, 3, 4]
    assert opt2.t == 2 * opt.t
    with pytest.raises(ModelFormatError, match="not a checkpoint"):
        clf.save(tmp_path / "final.npz")
        TrainedClassifier.load_checkpoint(tmp_path / "final.npz")
