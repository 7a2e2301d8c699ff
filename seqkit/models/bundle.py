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
from seqkit.errors import ModelFormatError
from seqkit.models import io
from seqkit.models.classifier import ClassifierConfig, build_model
from seqkit.models.data import TextEncoder, TextOptions, pad_batch
from seqkit.train import TrainState

PARAM_PREFIX = "param/"
OPT_PREFIX = "optim/"
BEST_PREFIX = "best/"


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
    def _from(cls, arrays: dict, meta: dict, path) -> "TrainedClassifier":
        try:
            config = ClassifierConfig.from_dict(meta["architecture"])
            text = TextOptions.from_dict(meta["preprocessing"])
            words, labels = list(meta["vocab"]), list(meta["labels"])
        except (KeyError, TypeError) as e:
            raise ModelFormatError(f"{path}: its metadata lacks {e}; train the model again") from None
        model = build_model(config, np.random.default_rng(0))
        state = {k[len(PARAM_PREFIX):]: v for k, v in arrays.items() if k.startswith(PARAM_PREFIX)}
        model.load_state_dict(state)
        return cls(model, words, labels, text, meta.get("info", {}))

    @classmethod
    def load(cls, path) -> "TrainedClassifier":
        arrays, meta = io.load_arrays(path, "model")
        return cls._from(arrays, meta, path)

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
        ts = dict(meta["checkpoint"]["state"])
        ts["best_score"] = -np.inf if ts["best_score"] is None else ts["best_score"]
        state = TrainState(**ts, best_params=best)
        return clf, opt, state, meta["checkpoint"]["train_config"]

    # -- prediction -------------------------------------------------------------------------------
    def predict_proba(self, texts: list[str], batch_size: int = 128) -> np.ndarray:
        """Texts -> class probabilities (N, C). Unknown words map to <unk>; long texts are cut to max_len."""
        seqs = [self.encoder.encode(t) for t in texts]
        out = np.zeros((len(seqs), len(self.labels)), np.float64)
        order = np.argsort([len(s) for s in seqs], kind="stable")  # similar lengths together
        for i in range(0, len(order), batch_size):
            idx = order[i: i + batch_size]
            ids, lengths = pad_batch([seqs[j] for j in idx], self.text.padding)
            out[idx] = self.model.predict_proba(ids, lengths)
        return out

    def predict_stream(self, texts: Iterable[str], chunk: int = 512) -> Iterator[tuple[str, np.ndarray]]:
        """(text, probabilities (C,)) for each text, reading `chunk` texts at a time (constant memory)."""
        buf: list[str] = []
        for t in texts:
            buf.append(t)
            if len(buf) == chunk:
                yield from zip(buf, self.predict_proba(buf))
                buf = []
        if buf:
            yield from zip(buf, self.predict_proba(buf))

    def summary(self) -> str:
        c = self.model.config
        return json.dumps({"arch": c.arch, "vocab": len(self.words), "labels": self.labels})
