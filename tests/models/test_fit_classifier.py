"""`run_training` from typed configs, without the command line: callbacks, checkpoints, the warm-up fraction."""

import random

import pytest

from seqkit.datasets.labeled import LabeledFormat
from seqkit.errors import OptionError
from seqkit.models.bundle import TrainedClassifier
from seqkit.models.classifier import ClassifierConfig
from seqkit.models.data import TextOptions
from seqkit.models.fit_classifier import ClassifierJob, DataConfig, _schedule, run_training
from seqkit.nn import optim
from seqkit.train import NoCallbacks, TrainConfig


def _tsv(path, n, seed):
    rng = random.Random(seed)
    with open(path, "w") as f:
        f.write("label\ttext\n")
        for _ in range(n):
            label = rng.choice(["pos", "neg"])
            cue = "good" if label == "pos" else "bad"
            words = [rng.choice(["the", "a", "film", "plot"]) for _ in range(rng.randint(2, 6))] + [cue]
            f.write(f"{label}\t{' '.join(words)}\n")
    return str(path)


class _Recorder(NoCallbacks):
    def __init__(self):
        self.starts, self.ends = [], []

    def on_epoch_start(self, epoch, n_batches):
        self.starts.append(epoch)

    def on_epoch_end(self, s, state):
        self.ends.append((s.epoch, state.epoch))


def _job(tmp_path, **train):
    data = DataConfig(train=_tsv(tmp_path / "t.tsv", 80, 0), input=LabeledFormat(format="tsv"), min_count=1)
    model = ClassifierConfig(arch="gru", embed_dim=4, hidden=4)
    return ClassifierJob(data=data, text=TextOptions(max_len=12, padding="pre"), model=model,
                         train=TrainConfig(**{"lr": 0.02, "epochs": 2, "patience": 0, **train}),
                         output=str(tmp_path / "m.npz"))


def test_job_takes_max_len_and_padding_from_the_text_options(tmp_path):
    job = _job(tmp_path)
    assert job.model.max_len == 12 and job.model.padding == "pre" and job.train.padding == "pre"


def test_callbacks_see_every_epoch_and_a_checkpoint_is_written(tmp_path):
    rec = _Recorder()
    job = _job(tmp_path)
    summary = run_training(job, rec)
    assert rec.starts == [1, 2] and rec.ends == [(1, 1), (2, 2)]
    assert summary.saved and summary.epochs == 2 and summary.stopped == "completed"
    assert (tmp_path / "m.npz.ckpt").exists()
    clf = TrainedClassifier.load(job.output)
    assert clf.model.config.vocab_size == len(clf.encoder.words) and clf.model.config.n_classes == 2
    assert clf.model.config.max_len == 12


def test_warmup_schedule_uses_the_configured_fraction():
    steps = 200
    for fraction in (0.05, 0.25):
        got = _schedule(TrainConfig(schedule="warmup", warmup=fraction, lr=1.0), steps)
        want = optim.warmup_decay(1.0, int(steps * fraction), steps)
        assert [got(s) for s in range(steps)] == [want(s) for s in range(steps)]
    # the default (5%) is the old hard-coded steps // 20
    default = _schedule(TrainConfig(schedule="warmup", lr=1.0), steps)
    assert default(steps // 20 - 1) == 1.0 and default(0) == pytest.approx(1.0 / (steps // 20))
    with pytest.raises(OptionError, match="warmup"):
        TrainConfig(warmup=1.5)
