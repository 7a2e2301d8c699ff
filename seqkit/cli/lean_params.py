"""Typer 0.2x converts every command-line value through a pydantic TypeAdapter: importing pydantic and
building one adapter per parameter cost a one-shot `seqkit similar` a fifth of its run (profiled: 0.47 of
2.3 s on the loaded machine). seqkit's options are plain: str, int, float, bool, Enum and lists of them.
Those are converted here directly, with Typer's checks (min, max, choices) and its messages; any other
type (paths, files, parsers, clamped ranges) and any other Typer keep Typer's own conversion."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable, get_args, get_origin

_TRUE, _FALSE = {"1", "true", "t", "yes", "y", "on"}, {"0", "false", "f", "no", "n", "off"}


def _bound(m: float) -> str:
    return str(int(m)) if float(m).is_integer() else str(m)


def _ranged(convert: Callable, low, high) -> Callable:
    def check(value, ctx):
        x = convert(value, ctx)
        if low is not None and x < low:
            raise ValueError(f"Input should be greater than or equal to {_bound(low)}")
        if high is not None and x > high:
            raise ValueError(f"Input should be less than or equal to {_bound(high)}")
        return x

    return check


def _number(kind: type, what: str) -> Callable:
    def convert(value, ctx):
        if isinstance(value, kind) and not isinstance(value, bool):
            return value
        try:
            return kind(str(value).strip())
        except ValueError:
            raise ValueError(f"Input should be a valid {what}, unable to parse string as {'an' if kind is int else 'a'} {what}") from None

    return convert


def _boolean(value, ctx):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ValueError("Input should be a valid boolean, unable to interpret input")


def _text(value, ctx):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if value is None:
        raise ValueError("None is not a valid string")
    return str(value)


def _leaf(annotation, info) -> Callable | None:
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        from typer._param_types import coerce_cli_choice

        choices = list(annotation)

        def choice(value, ctx):
            try:
                return coerce_cli_choice(value, choices=choices, case_sensitive=info.case_sensitive, ctx=ctx)
            except ValueError as e:
                raise ValueError(str(e)) from None

        return choice
    if annotation is int or annotation is float:
        convert = _number(annotation, "integer" if annotation is int else "number")
        return _ranged(convert, info.min, info.max) if info.min is not None or info.max is not None else convert
    return {bool: _boolean, str: _text}.get(annotation)


def _converter(descriptor) -> Callable | None:
    """A direct conversion for the descriptor's type, or None to leave it to Typer."""
    info, annotation = descriptor.parameter_info, descriptor.annotation
    if descriptor.file_annotation is not None or info.parser is not None or getattr(info, "clamp", False):
        return None
    if get_origin(annotation) is list:
        (item,) = get_args(annotation) or (None,)
        leaf = _leaf(item, info)
        if leaf is None:
            return None
        return lambda value, ctx: [leaf(v, ctx) for v in (value if isinstance(value, (list, tuple)) else [value])]
    return _leaf(annotation, info)


def install() -> None:
    """Put the direct conversions in front of Typer's (once; a Typer without this hook is left alone)."""
    try:
        from typer import _coercion, core
        from typer._click.exceptions import BadParameter
    except ImportError:
        return
    original = getattr(core, "build_runtime_param", None)
    base = getattr(_coercion, "RuntimeParam", None)
    if original is None or base is None or getattr(original, "_seqkit", False):
        return

    @dataclass(frozen=True)
    class LeanParam(base):
        convert: Any = None

        def _coerce_value(self, value, param, ctx):
            try:
                return self.convert(value, ctx)
            except ValueError as e:
                raise BadParameter(str(e), ctx=ctx, param=param) from None

    def build(descriptor):
        convert = _converter(descriptor)
        if convert is None:
            return original(descriptor)
        return LeanParam(parameter_info=descriptor.parameter_info, annotation=descriptor.annotation, convert=convert)

    build._seqkit = True
    core.build_runtime_param = build
