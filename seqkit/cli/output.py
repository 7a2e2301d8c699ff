"""How commands print: data on stdout (a rich table on a terminal, TSV in a pipe, JSON lines with
--json), messages on stderr."""

from __future__ import annotations

import json
import sys
from typing import Any, Iterable, Sequence

from rich.console import Console

err = Console(stderr=True, highlight=False)


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def message(text: str) -> None:
    """A note for the user on stderr (never on stdout, which carries data)."""
    err.print(text, soft_wrap=True)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 1e4 else f"{value:.0f}"
    return str(value)


def emit_rows(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    as_json: bool = False,
    title: str | None = None,
) -> None:
    """Rows of data: JSON lines (--json), a rich table on a terminal, else TSV without a header."""
    if as_json:
        for row in rows:
            print(json.dumps(dict(zip(columns, row)), ensure_ascii=False))
        return
    if stdout_is_terminal():
        from rich.table import Table

        table = Table(title=title)
        for c in columns:
            table.add_column(c)
        for row in rows:
            table.add_row(*(_cell(v) for v in row))
        Console().print(table)
        return
    out = sys.stdout
    for row in rows:
        out.write("\t".join(_cell(v) for v in row) + "\n")


def emit_record(record: dict, as_json: bool = False, title: str | None = None) -> None:
    """One record of named figures: a JSON object (--json), a two-column table, or key<TAB>value lines."""
    if as_json:
        print(json.dumps(record, ensure_ascii=False))
        return
    emit_rows(["field", "value"], list(record.items()), title=title)
