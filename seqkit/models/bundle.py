"""A trained classifier with everything needed to use it: the network, the vocabulary, the label names
and the preprocessing options. Saved as one native model file (see seqkit/models/io.py); checkpoints
add the optimizer's state and the training state, so `--resume` continues where a run stopped.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Iterable, Iterator

import numpy as np

from seqkit import __version__
from seqkit.errors import ModelFormatError, OptionError
from seqkit.models import io
from seqkit.models.classifier import ClassifierConfig, build_model
from seqkit.models.data import TextEncoder, TextOptions, pad_batch
from seqkit.train import TrainState

PARAM_PREFIX = "param/"
OPT_PREFIX = "optim/"
BEST_PREFIX = "best/"


def _strings(value) -> bool:
    return isinstance(value, list) and all(isinstance(s, str) for s in value)


def _check_contents(path, config: ClassifierConfig, words, labels, state: dict) -> None:
    """ModelFormatError unless vocabulary, labels and arrays agree with the architecture."""
    def bad(msg: str):
        raise ModelFormatError(f"{path} is corrupted: {msg}; train the model again")

    if not _strings(words) or len(words) != config.vocab_size:
        bad(f"its vocabulary has {len(words) if isinstance(words, list) else 'no'} words, "
            f"its embedding {config.vocab_size} rows")
    if len(set(words)) != len(words) or words[:2] != ["<pad>", "<unk>"]:
        bad("its vocabulary does not start with <pad>, <unk> or has duplicate words")
    if not _strings(labels) or len(labels) != config.n_classes or len(set(labels)) != len(labels):
        bad(f"its labels {labels!r} do not name its {config.n_classes} classes (distinct strings)")
    held = sum(int(a.size) for a in state.values())
    if held != config.state_size():
        bad(f"its arrays hold {held:,} numbers, its architecture needs {config.state_size():,}")
    if any(a.dtype.kind != "f" for a in state.values()):
        bad("its parameters are not floating-point numbers")


def _checkpoint_state(ck, model, opt: dict, best: dict | None) -> tuple[TrainState, dict]:
    """The training state and train config a checkpoint records, every entry checked (TypeError,
    KeyError or ValueError otherwise): the optimizer's slots and the best weights must have the
    shapes of the model's parameters."""
    from dataclasses import fields

    from seqkit.train import TrainConfig

    ts, tc = dict(ck["state"]), ck["train_config"]
    TrainConfig(**tc)  # TypeError/OptionError for unknown or invalid entries
    names = {f.name for f in fields(TrainState)} - {"best_params"}
    if set(ts) != names:
        raise KeyError(f"training state entries {sorted(ts)}")
    for key in ("epoch", "step", "best_epoch", "bad_epochs"):
        if isinstance(ts[key], bool) or not isinstance(ts[key], int) or ts[key] < 0:
            raise TypeError(f"{key} is {ts[key]!r}")
    for key in ("best_score", "train_seconds"):
        if ts[key] is not None and (isinstance(ts[key], bool) or not isinstance(ts[key], (int, float))):
            raise TypeError(f"{key} is {ts[key]!r}")
    if not isinstance(ts["history"], list) or not all(isinstance(h, dict) for h in ts["history"]):
        raise TypeError("history is not a list of records")
    ts["best_score"] = -np.inf if ts["best_score"] is None else float(ts["best_score"])
    ts["train_seconds"] = float(ts["train_seconds"] or 0.0)
    shapes = {name: p.shape for name, p in model.state_dict().items()}
    if best is not None and {k: v.shape for k, v in best.items()} != shapes:
        raise ValueError("its best weights do not match the model")
    params = {name: p.shape for name, p, _ in model.named_parameters()}
    for key, value in opt.items():
        if key == "t":
            if value.size != 1 or value.dtype.kind not in "iuf":
                raise ValueError("the optimizer's step count is not a number")
            continue
        name, _, slot = key.rpartition("/")
        if params.get(name) != value.shape or value.dtype.kind != "f":
            raise ValueError(f"optimizer slot {key} does not match the model")
    if "t" not in opt:
        raise KeyError("the optimizer's step count")
    return TrainState(**ts, best_params=best), tc


class TrainedClassifier:
    def __init__(self, model, words: list[str], labels: list[str], text: TextOptions, info: dict | None = None):
        self.model = model
        self.labels = labels  # label names; class i is labels[i]
        self.text = text
        self.encoder = TextEncoder(words, text)
        self.info = info or {}  # training facts kept in the file (epochs, validation accuracy, ...)

    @property
    def words(self) -> list[str]:
        return self.encoder.words

    def _meta(self) -> dict:
        return {
            "seqkit_version": __version__,
            "architecture": self.model.config.to_dict(),
            "labels": self.labels,
            "preprocessing": self.text.to_dict(),
            "vocab": self.words,
            "info": self.info,
        }

    def save(self, path) -> None:
        arrays = {PARAM_PREFIX + k: v for k, v in self.model.state_dict().items()}
        io.save_arrays(path, arrays, self._meta())

    @classmethod
    def _from(cls, arrays: dict, meta: dict, path, rng=None) -> "TrainedClassifier":
        """The classifier a file describes. Everything the metadata claims is checked against the
        arrays actually present before the model is built, so a file cannot make it allocate more
        than the file holds. ``rng`` seeds the dropout layers (default: seed 0, for a checkpoint that
        trains on); the initial weights are overwritten by the file's."""
        try:
            config = ClassifierConfig.from_dict(meta["architecture"])
            text = TextOptions.from_dict(meta["preprocessing"])
            words, labels = meta["vocab"], meta["labels"]
        except KeyError as e:
            raise ModelFormatError(f"{path}: its metadata lacks {e}; train the model again") from None
        except ModelFormatError as e:
            raise ModelFormatError(f"{path}: {e}; train the model again") from None
        state = {k[len(PARAM_PREFIX):]: v for k, v in arrays.items() if k.startswith(PARAM_PREFIX)}
        _check_contents(path, config, words, labels, state)
        model = build_model(config, np.random.default_rng(0) if rng is None else rng)
        model.load_state_dict(state)
        info = meta.get("info", {})
        return cls(model, list(words), list(labels), text, info if isinstance(info, dict) else {})

    @classmethod
    def load(cls, path) -> "TrainedClassifier":
        from seqkit.nn.init import NoDraws

        arrays, meta = io.load_arrays(path, "model")
        return cls._from(arrays, meta, path, NoDraws())  # for prediction: no random weights to draw

    # -- checkpoints ------------------------------------------------------------------------------
    def save_checkpoint(self, path, optimizer, state: TrainState, train_config: dict) -> None:
        """Current weights, the best ones so far, the optimizer's slots and the training state."""
        arrays = {PARAM_PREFIX + k: v for k, v in self.model.state_dict().items()}
        arrays.update({OPT_PREFIX + k: v for k, v in optimizer.state_dict().items()})
        if state.best_params is not None:
            arrays.update({BEST_PREFIX + k: v for k, v in state.best_params.items()})
        ts = asdict(state)
        ts.pop("best_params")
        ts["best_score"] = None if not np.isfinite(state.best_score) else float(state.best_score)
        meta = self._meta()
        meta["checkpoint"] = {"state": ts, "train_config": train_config}
        io.save_arrays(path, arrays, meta)

    @classmethod
    def load_checkpoint(cls, path) -> tuple["TrainedClassifier", dict, TrainState, dict]:
        """(classifier with the current weights, optimizer state, training state, train config)."""
        arrays, meta = io.load_arrays(path, "checkpoint")
        if "checkpoint" not in meta:
            raise ModelFormatError(f"{path} is a finished model, not a checkpoint: pass the .ckpt file to --resume")
        clf = cls._from(arrays, meta, path)
        opt = {k[len(OPT_PREFIX):]: v for k, v in arrays.items() if k.startswith(OPT_PREFIX)}
        best = {k[len(BEST_PREFIX):]: v for k, v in arrays.items() if k.startswith(BEST_PREFIX)} or None
        try:
            state, train_config = _checkpoint_state(meta["checkpoint"], clf.model, opt, best)
        except (KeyError, TypeError, ValueError, OptionError) as e:
            raise ModelFormatError(f"{path} is not a valid checkpoint ({e}); start the training again") from None
        return clf, opt, state, train_config

    # -- prediction -------------------------------------------------------------------------------
    def predict_proba(self, texts: list[str], batch_size: int = 128) -> np.ndarray:
        """Texts -> class probabilities (N, C). Unknown words map to <unk>; long texts are cut to max_len.
        A few short texts take the model's NumPy path where it has one (no Numba to import: a one-line
        `seqkit predict` spends far longer importing Numba than predicting), as the linear model does;
        BLAS runs on one thread (the kernels split the big products: seqkit/nn/parallel.py)."""
        from seqkit import runtime
        from seqkit.models.linear.predict_numpy import is_small

        texts = list(texts)
        numpy = getattr(self.model, "has_numpy_path", False) and is_small(texts)
        predict = self.model.predict_proba_numpy if numpy else self.model.predict_proba
        seqs = [self.encoder.encode(t) for t in texts]
        out = np.zeros((len(seqs), len(self.labels)), np.float64)
        order = np.argsort([len(s) for s in seqs], kind="stable")  # similar lengths together
        with runtime.single_threaded_blas("numpy" if numpy else "all"):
            for i in range(0, len(order), batch_size):
                idx = order[i: i + batch_size]
                ids, lengths = pad_batch([seqs[j] for j in idx], self.text.padding)
                out[idx] = predict(ids, lengths)
        return out

    def predict_stream(self, texts: Iterable[str], chunk: int = 512) -> Iterator[tuple[str, np.ndarray]]:
        """(text, probabilities (C,)) for each text, reading `chunk` texts at a time (constant memory)."""
        from seqkit.chunks import chunked

        for buf in chunked(texts, chunk):
            yield from zip(buf, self.predict_proba(buf))

    def summary(self) -> str:
        c = self.model.config
        return json.dumps({"arch": c.arch, "vocab": len(self.words), "labels": self.labels})
