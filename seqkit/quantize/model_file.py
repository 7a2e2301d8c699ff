"""seqkit's quantized classifier file: a `.npz` holding the model's fastText `.ftz` bytes (one stored,
memory-mapped member) and, in its JSON metadata, the text normalization the model was trained with.
`seqkit predict` normalizes each text as training did, then predicts as fastText does."""

from __future__ import annotations

import io
import zipfile

import numpy as np

from seqkit import __version__
from seqkit.errors import ModelFormatError
from seqkit.fileio import check_readable_file
from seqkit.models import io as model_io

ARCH = "fasttext-quantized"
MEMBER = "ftz"


def save(path, f, normalize, info: dict) -> None:
    """f: a FastTextFile (quantized); normalize: the NormalizeOptions of the model's tokenizer."""
    from seqkit.formats.fasttext.writer import write_to

    buf = io.BytesIO()
    write_to(buf, f.head, f.input, f.output)
    meta = {"seqkit_version": __version__, "architecture": {"arch": ARCH, "normalize": normalize.to_dict()},
            "labels": [w.decode("utf-8")[len("__label__"):] for w in f.head.words[f.head.nwords:]], "info": info}
    model_io.save_arrays(path, {MEMBER: np.frombuffer(buf.getbuffer(), np.uint8)}, meta)


def load(path, meta: dict):
    """The FastTextClassifier of a seqkit quantized model, its .ftz bytes mapped from the file."""
    from seqkit.formats.fasttext.model import FastTextClassifier, read_model_file
    from seqkit.npzfile import map_members
    from seqkit.text.normalize import NormalizeOptions

    p = check_readable_file(path, "model")
    try:
        normalize = NormalizeOptions(**meta["architecture"]["normalize"])
        member = map_members(p, [MEMBER], "seqkit quantized model").get(MEMBER)
        if member is None:
            raise ValueError(f"it has no {MEMBER} member")
        if member.dtype != np.uint8 or member.ndim != 1:
            raise ValueError("its fastText member is not bytes")
    except (KeyError, TypeError, ValueError, AttributeError, zipfile.BadZipFile, OSError) as e:
        raise ModelFormatError(f"{p} is not a complete seqkit quantized model ({e}); quantize it again") from None
    return FastTextClassifier(read_model_file(p, member.offset, member.size), normalize)

