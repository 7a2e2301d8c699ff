"""Option groups: Typer options that several commands share, each group defined once together with the
typed config it builds (sqlite-utils' `output_options` pattern).

    @app.command("train-w2v")
    @W2V_TRAINING.into("config")      # --model --loss --dim ... -> config: Word2VecConfig
    @NORMALIZE.into("normalize")      # --lowercase --strip-html ... -> normalize: NormalizeOptions
    def train_w2v(corpus: str, config, normalize, ...):

`into(name)` adds the group's options to the command's signature (Typer sees them as ordinary options)
and calls the command with one argument `name` holding the built config instead. Builders import the
library lazily, so `seqkit --help` imports neither numpy nor numba.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from typing import Any, Callable, Optional

from seqkit.cli import common


@dataclass(frozen=True)
class OptionGroup:
    options: dict[str, tuple[Any, Any]]  # parameter name -> (type, typer.Option(default, "--flag", ...))
    build: Callable[..., Any]  # the group's values, by parameter name -> the config the command gets

    def into(self, name: str):
        """Decorator: the command gets the built config as its parameter `name`."""

        def decorate(command):
            signature = inspect.signature(command, eval_str=True)
            kept = [p for p in signature.parameters.values() if p.name != name]
            added = [
                inspect.Parameter(opt, inspect.Parameter.KEYWORD_ONLY, default=info, annotation=kind)
                for opt, (kind, info) in self.options.items()
            ]

            @functools.wraps(command)
            def wrapper(*args, **kwargs):
                values = {opt: kwargs.pop(opt) for opt in self.options}
                kwargs[name] = self.build(**values)
                return command(*args, **kwargs)

            wrapper.__signature__ = signature.replace(parameters=_ordered(kept + added))
            return wrapper

        return decorate


def _ordered(params: list[inspect.Parameter]) -> list[inspect.Parameter]:
    """Positional parameters first, as Python requires; keyword-only ones after, order kept."""
    kw = inspect.Parameter.KEYWORD_ONLY
    return [p for p in params if p.kind != kw] + [
        p.replace(kind=kw) for p in params if p.kind == kw
    ]


# --- text normalisation (preprocess, train-w2v, crosscheck, train-classifier) -----------------------------

def _normalize(lowercase, html, urls, numbers, punct, symbols):
    return common.normalize_options(lowercase, html, urls, numbers, punct, symbols)


NORMALIZE = OptionGroup(
    {
        "lowercase": (bool, common.LOWERCASE),
        "html": (bool, common.HTML),
        "urls": (common.UrlMode, common.URLS),
        "numbers": (common.NumberMode, common.NUMBERS),
        "punct": (common.KeepDrop, common.PUNCT),
        "symbols": (common.KeepDrop, common.SYMBOLS),
    },
    _normalize,
)


# --- raw text into documents (preprocess, train-w2v, crosscheck): normalisation + how lines are read ---------

def _preprocess(column, max_doc_tokens, **normalize):
    """PreprocessOptions without the vocabulary limits: each command sets min_count/max_vocab from its own
    options (`dataclasses.replace`)."""
    from seqkit.text.preprocess import PreprocessOptions

    return PreprocessOptions(normalize=_normalize(**normalize), max_doc_tokens=max_doc_tokens, column=column)


PREPROCESS = OptionGroup(
    {
        **NORMALIZE.options,
        "column": (Optional[str], common.COLUMN),
        "max_doc_tokens": (int, common.MAX_DOC_TOKENS),
    },
    _preprocess,
)


# --- word2vec training (train-w2v, crosscheck): the one place that builds a Word2VecConfig --------------------

def _word2vec(model, loss, cbow_sum, **rest):
    from seqkit.embed.trainer import Word2VecConfig

    return Word2VecConfig(model=model.value, loss=loss.value, cbow_mean=not cbow_sum, **rest)  # checked when built


W2V_TRAINING = OptionGroup(
    {
        "model": (common.W2vModel, common.W2V_MODEL),
        "loss": (common.W2vLoss, common.W2V_LOSS),
        "dim": (int, common.DIM),
        "window": (int, common.WINDOW),
        "min_count": (int, common.MIN_COUNT),
        "max_vocab": (Optional[int], common.MAX_VOCAB),
        "sample": (float, common.SAMPLE),
        "negative": (int, common.NEGATIVE),
        "ns_exponent": (float, common.NS_EXPONENT),
        "alpha": (float, common.ALPHA),
        "min_alpha": (float, common.MIN_ALPHA),
        "epochs": (int, common.EPOCHS),
        "threads": (int, common.THREADS),
        "seed": (int, common.SEED),
        "cbow_sum": (bool, common.CBOW_SUM),
        "batch_negatives": (bool, common.BATCH_NEGATIVES),
        "deterministic": (bool, common.DETERMINISTIC),
    },
    _word2vec,
)


# --- labelled input (train-classifier, evaluate) ---------------------------------------------------------------

def _labeled(fmt, text_col, label_col):
    from seqkit.datasets.labeled import LabeledFormat

    return LabeledFormat(format=fmt.value, text_col=text_col, label_col=label_col)


LABELED_INPUT = OptionGroup(
    {
        "fmt": (common.DataFormat, common.DATA_FORMAT),
        "text_col": (Optional[str], common.TEXT_COL),
        "label_col": (Optional[str], common.LABEL_COL),
    },
    _labeled,
)


# --- subword vectors (train-w2v, crosscheck): the one place that builds a SubwordConfig -----------------------

SUBWORDS = OptionGroup(
    {
        "subwords": (bool, common.SUBWORDS),
        "minn": (int, common.MINN),
        "maxn": (int, common.MAXN),
        "buckets": (int, common.BUCKETS),
    },
    common.subword_config,  # None without --subwords; bad values exit 2 either way
)
