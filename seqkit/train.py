"""The one training loop: mini-batches, loss, backward, clipping, optimizer step, validation, early
stopping and the best weights kept. It never prints: progress goes to callbacks.

Ctrl-C (KeyboardInterrupt) during training stops the loop cleanly: the model gets the best weights seen
so far and `fit` returns with `stopped="interrupted"`, so the caller can still save them.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Literal, Protocol

import numpy as np

from seqkit.errors import OptionError, SeqkitError
from seqkit.nn.losses import softmax_cross_entropy
from seqkit.nn.optim import clip_grad_norm


@dataclass
class TrainConfig:
    optimizer: str = "adam"  # any of the engine's optimizers; Adam needs the least tuning
    lr: float = 1e-3  # step size (peak, when a schedule is used)
    batch_size: int = 32  # texts per step: small batches generalise better, large ones run faster
    epochs: int = 5  # passes over the training set (early stopping may end sooner)
    clip: float = 1.0  # global gradient-norm limit (0 = off): keeps recurrent nets from exploding
    weight_decay: float = 0.0  # L2 (decoupled for AdamW)
    schedule: Literal["constant", "linear", "warmup"] = "constant"  # learning rate over the run
    warmup: float = 0.05  # fraction of the steps spent warming up (schedule 'warmup')
    patience: int = 2  # stop after this many epochs without a better validation score (0 = never)
    seed: int = 0  # batches, dropout and initialisation are reproducible from it
    padding: Literal["pre", "post"] = "post"  # where pad tokens go in each batch
    min_batch: int = 1  # smaller training batches are skipped: batch norm needs 2 texts (a bucket's last batch may hold 1)

    def __post_init__(self):
        from seqkit.limits import MAX_BATCH, MAX_EPOCHS, MAX_LR, MAX_SEED, check_finite, check_range

        check_finite("--lr", self.lr, 0.0, MAX_LR)
        check_range("--seed", self.seed, 0, MAX_SEED)
        if self.batch_size < 1:
            raise OptionError(f"--batch-size must be at least 1, got {self.batch_size}")

        check_range("--batch-size", self.batch_size, 1, MAX_BATCH)
        check_range("--epochs", self.epochs, 1, MAX_EPOCHS)
        if self.epochs < 1:
            raise OptionError(f"--epochs must be at least 1, got {self.epochs}")
        if self.clip < 0:
            raise OptionError(f"--clip must be 0 (off) or positive, got {self.clip}")
        if self.patience < 0:
            raise OptionError(f"--patience must be 0 (off) or positive, got {self.patience}")
        if not 0.0 <= self.warmup <= 1.0:
            raise OptionError(f"warmup must be a fraction of the steps in [0, 1], got {self.warmup}")
        if self.batch_size < self.min_batch:
            raise OptionError(
                f"--batch-size {self.batch_size} is too small: this model needs at least {self.min_batch} texts per batch"
                " (batch normalisation has no variance in a batch of one)"
            )

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class BatchProgress:
    epoch: int  # 1-based
    batch: int  # batches done in this epoch
    n_batches: int
    examples: int  # examples done in this epoch
    loss: float  # running mean over the epoch
    accuracy: float  # running accuracy over the epoch
    tokens_per_s: float
    lr: float


@dataclass
class EpochSummary:
    epoch: int
    train_loss: float
    train_accuracy: float
    valid_loss: float | None
    valid_accuracy: float | None
    seconds: float
    tokens_per_s: float
    improved: bool  # a new best model


@dataclass
class TrainState:
    """Everything needed to continue a run (checkpoint) and its result."""

    epoch: int = 0  # epochs completed
    step: int = 0  # optimizer steps taken
    best_epoch: int = 0
    best_score: float = -np.inf  # validation accuracy (or -train loss without validation)
    bad_epochs: int = 0  # epochs since the last improvement
    history: list[dict] = field(default_factory=list)  # EpochSummary dicts
    best_params: dict[str, np.ndarray] | None = None  # state_dict of the best epoch
    train_seconds: float = 0.0  # time spent in epochs (not evaluation of the best model)


class Callbacks(Protocol):
    """The hooks `fit` calls. Progress display, checkpoints and anything else that acts between steps
    implement them; `CallbackList` runs several in order."""

    def on_epoch_start(self, epoch: int, n_batches: int) -> None: ...
    def on_batch(self, p: BatchProgress) -> None: ...
    def on_epoch_end(self, s: EpochSummary, state: TrainState) -> None: ...


class NoCallbacks:
    """Every hook does nothing: subclass it and override the hooks you need."""

    def on_epoch_start(self, epoch, n_batches):
        pass

    def on_batch(self, p):
        pass

    def on_epoch_end(self, s, state):
        pass


class CallbackList:
    """Several callbacks as one, called in the order given."""

    def __init__(self, callbacks: list[Callbacks]):
        self.callbacks = list(callbacks)

    def on_epoch_start(self, epoch, n_batches):
        for cb in self.callbacks:
            cb.on_epoch_start(epoch, n_batches)

    def on_batch(self, p):
        for cb in self.callbacks:
            cb.on_batch(p)

    def on_epoch_end(self, s, state):
        for cb in self.callbacks:
            cb.on_epoch_end(s, state)


class Checkpoint(NoCallbacks):
    """Calls ``save(state)`` after every epoch (the state holds the best weights so far)."""

    def __init__(self, save: Callable[[TrainState], None]):
        self.save = save

    def on_epoch_end(self, s, state):
        self.save(state)


@dataclass
class FitResult:
    state: TrainState
    stopped: Literal["completed", "early_stopping", "interrupted"]


def predict_set(model, data, batch_size: int = 256, padding: str = "post") -> tuple[np.ndarray, float]:
    """Class probabilities (N, C) in the data's order, and the mean cross-entropy against its labels."""
    probs = np.zeros((len(data.seqs), model.config.n_classes), np.float64)
    for ids, lengths, _, idx in data.batches(batch_size, padding, None):
        probs[idx] = model.predict_proba(ids, lengths)
    picked = probs[np.arange(len(probs)), data.labels]
    loss = float(-np.log(np.maximum(picked, 1e-12)).mean()) if len(probs) else 0.0
    return probs, loss


def fit(
    model,
    train,
    valid,
    config: TrainConfig,
    optimizer,
    callbacks: Callbacks | None = None,
    state: TrainState | None = None,
    rng: np.random.Generator | None = None,
) -> FitResult:
    """Train ``model`` (a SequenceClassifier) on ``train`` (an EncodedSet), choosing the best epoch on
    ``valid`` (an EncodedSet or None). ``optimizer`` is one of seqkit.nn.optim's (its learning-rate
    schedule runs on its own step count); ``state`` from
    a checkpoint resumes after its last completed epoch. Returns the state with the best weights loaded."""
    cb = callbacks or NoCallbacks()
    state = state or TrainState()
    rng = rng or np.random.default_rng(config.seed)
    stopped = "completed"
    try:
        for epoch in range(state.epoch + 1, config.epochs + 1):
            totals = _train_epoch(model, train, config, optimizer, state, cb, epoch, rng)
            summary = _end_epoch(model, valid, config, state, epoch, totals)
            cb.on_epoch_end(summary, state)
            if config.patience and state.bad_epochs >= config.patience and epoch < config.epochs:
                stopped = "early_stopping"
                break
    except KeyboardInterrupt:
        stopped = "interrupted"
    if state.best_params is not None:
        model.load_state_dict(state.best_params)
    return FitResult(state, stopped)


def _train_epoch(model, train, config: TrainConfig, optimizer, state: TrainState, cb, epoch: int, rng):
    """One pass over ``train``: returns (loss sum, correct, examples, tokens, seconds)."""
    params = [(n, p, g) for n, p, g in model.named_parameters()]
    n_batches = -(-len(train.seqs) // config.batch_size)
    cb.on_epoch_start(epoch, n_batches)
    t0 = time.perf_counter()
    loss_sum, correct, seen, tokens = 0.0, 0, 0, 0
    for b, (ids, lengths, labels, _) in enumerate(train.batches(config.batch_size, config.padding, rng), 1):
        if len(labels) < config.min_batch:
            continue
        model.zero_grad()
        logits, cache = model.forward((ids, lengths), train=True)  # (B, C)
        loss, dlogits = softmax_cross_entropy(logits, labels)
        if not np.isfinite(loss):
            raise SeqkitError(f"training diverged at epoch {epoch}, batch {b}: the loss is {loss}; "
                              "lower --lr (or use --clip)")
        model.backward(dlogits, cache)
        if config.clip > 0:
            clip_grad_norm(params, config.clip)
        lr = optimizer.lr
        optimizer.step()
        state.step += 1
        n = len(labels)
        loss_sum += loss * n
        correct += int((logits.argmax(axis=1) == labels).sum())
        seen += n
        tokens += int(lengths.sum())
        dt = time.perf_counter() - t0
        cb.on_batch(BatchProgress(epoch, b, n_batches, seen, loss_sum / seen, correct / seen, tokens / max(dt, 1e-9), lr))
    return loss_sum, correct, seen, tokens, time.perf_counter() - t0


def _end_epoch(model, valid, config: TrainConfig, state: TrainState, epoch: int, totals) -> EpochSummary:
    """Validation, the best weights kept, the epoch's summary appended to the history."""
    loss_sum, correct, seen, tokens, seconds = totals
    state.train_seconds += seconds
    v_loss = v_acc = None
    if valid is not None and len(valid.seqs):
        probs, v_loss = predict_set(model, valid, max(config.batch_size, 128), config.padding)
        v_acc = float((probs.argmax(axis=1) == valid.labels).mean())
        score = v_acc
    else:
        score = -loss_sum / max(seen, 1)
    improved = score > state.best_score
    state.epoch = epoch
    if improved:
        state.best_score, state.best_epoch, state.bad_epochs = score, epoch, 0
        state.best_params = model.state_dict()
    else:
        state.bad_epochs += 1
    summary = EpochSummary(
        epoch, loss_sum / max(seen, 1), correct / max(seen, 1), v_loss, v_acc, seconds, tokens / max(seconds, 1e-9), improved
    )
    state.history.append(asdict(summary))
    return summary
