"""The classifier model file: one `.npz` (allow_pickle=False) holding the parameters by dotted name and,
under `__meta__`, UTF-8 JSON with the architecture, vocabulary, label names and preprocessing options.

Written atomically (a temporary file beside the target, then os.replace); never pickle.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from seqkit.errors import ModelFormatError
from seqkit.fileio import atomic_path, check_format_version, check_readable_file
from seqkit.npzfile import load_npz, save_npz

KIND = "seqkit-classifier"
FORMAT_VERSION = 1
META_KEY = "__meta__"


def _json_array(obj: dict) -> np.ndarray:
    return np.frombuffer(json.dumps(obj, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)


def save_arrays(path, arrays: dict[str, np.ndarray], meta: dict) -> None:
    """Arrays and a JSON-able meta dict into one npz, atomically. `meta` gets kind and format_version."""
    meta = {"kind": KIND, "format_version": FORMAT_VERSION, **meta}
    payload = {k: np.asarray(v) for k, v in arrays.items()}
    payload[META_KEY] = _json_array(meta)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            save_npz(f, payload)


def load_arrays(path, what: str = "model", kind: str = KIND, skip=()) -> tuple[dict[str, np.ndarray], dict]:
    """(arrays, meta) of a file written by save_arrays; ModelFormatError for anything else. Members named
    in ``skip`` are checked but not read (the caller maps them, or needs only the metadata)."""
    p = check_readable_file(path, what)
    arrays = load_npz(p, "seqkit classifier model", skip=skip)
    raw = arrays.pop(META_KEY, None)
    if raw is None:
        raise ModelFormatError(f"{p} has no seqkit metadata: it is not a model written by `seqkit train-classifier`")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise ModelFormatError(f"{p}: its metadata is corrupted ({e}); train the model again") from None
    if not isinstance(meta, dict):
        raise ModelFormatError(f"{p}: its metadata is not a JSON object; train the model again")
    if meta.get("kind") != kind:
        raise ModelFormatError(f"{p} holds a {meta.get('kind')!r}, not a {kind!r}")
    check_format_version(p, meta, FORMAT_VERSION, "model", ModelFormatError)
    return arrays, meta


def default_checkpoint_path(model_path) -> Path:
    p = Path(model_path)
    return p.with_name(p.name + ".ckpt")
