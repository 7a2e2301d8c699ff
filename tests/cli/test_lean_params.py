"""seqkit/cli/lean_params.py converts plain values without pydantic: the same values and the same
refusals as Typer's own conversion."""

from __future__ import annotations

import pytest

pytest.importorskip("typer._coercion")

from typer import _coercion, core  # noqa: E402
from typer.models import OptionInfo  # noqa: E402

from seqkit.cli.lean_params import _converter  # noqa: E402
from seqkit.cli.vectors import Method  # noqa: E402

original = core.build_runtime_param.__closure__ and next(
    c.cell_contents for c in core.build_runtime_param.__closure__ if callable(c.cell_contents)
    and getattr(c.cell_contents, "__name__", "") == "build_runtime_param")

CASES = [
    (int, OptionInfo(min=1), ["3", " 7 ", "0", "abc", "1.5", "-2"]),
    (float, OptionInfo(min=0.0, max=1.0), ["0.5", "1", "2", "-0.1", "x", "1e-3"]),
    (float, OptionInfo(), ["3.25", "nan", "inf", "two"]),
    (str, OptionInfo(), ["king", "", "-"]),
    (bool, OptionInfo(), ["true", "0", "Yes", "maybe"]),
    (Method, OptionInfo(), ["add", "mul", "MUL", "zz"]),
    (list[str], OptionInfo(), [["a", "b"], []]),
    (list[int], OptionInfo(min=1), [["1", "2"], ["1", "0"]]),
]


def _outcome(convert, value):
    try:
        return ("ok", convert(value))
    except Exception as e:  # noqa: BLE001  the message is what is compared
        return ("error", str(getattr(e, "message", e)))


@pytest.mark.parametrize("annotation, info, values", CASES)
def test_same_values_and_messages_as_typer(annotation, info, values):
    descriptor = _coercion.resolve_type_descriptor(annotation, info)
    lean = _converter(descriptor)
    assert lean is not None
    typer_own = original(descriptor)
    for value in values:
        want = _outcome(lambda v: typer_own._coerce_value(v, param=None, ctx=None), value)
        got = _outcome(lambda v: lean(v, None), value)
        if want[0] == "ok":
            assert got == want or (want[1] != want[1] and got[1] != got[1]), value  # nan equals nan here
        else:
            assert got[0] == "error" and got[1] in want[1], (value, got, want)
