"""How commands print: data on stdout (a rich table on a terminal, TSV in a pipe, JSON lines with
--json), messages on stderr.

User text (words, paths, messages that quote them) is never read as rich markup: messages are
assembled from plain strings and (text, style) pairs, table cells are plain Text.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Iterable, Sequence

_err = None


def __getattr__(name: str):
    """`err`, the stderr console, made on first use: importing rich costs a one-line command tens of ms."""
    global _err
    if name == "err":
        if _err is None:
            from rich.console import Console

            _err = Console(stderr=True, highlight=False, emoji=False)
        return _err
    raise AttributeError(name)

Part = "str | tuple[str, str]"  # plain text, or (text, rich style)


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def message(*parts) -> None:
    """A note for the user on stderr (never on stdout, which carries data). Each part is plain text
    or a (text, style) pair: `message(("warning", "yellow"), ": ", text)`. Nothing is read as markup."""
    from rich.text import Text

    __getattr__("err").print(Text.assemble(*parts), soft_wrap=True)


def warning(text: str) -> None:
    message(("warning:", "yellow"), " ", str(text))


def note(text: str) -> None:
    message(("note:", "yellow"), " ", str(text))


def error_line(text: str) -> None:
    """The one way an error reaches the user: 'error: ' in red, then the text exactly as it is."""
    message(("error:", "red"), " ", str(text))


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 1e4 else f"{value:.0f}"
    return str(value)


def emit_rows(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    as_json: bool = False,
    title: str | None = None,
    header: bool = False,
) -> None:
    """Rows of data: JSON lines (--json), a rich table on a terminal, else TSV, with the column names as its
    first line where ``header`` (tables whose columns a reader could not tell apart: evaluate, crosscheck)."""
    if as_json:
        for row in rows:
            print(json.dumps(dict(zip(columns, row)), ensure_ascii=False))
        return
    if stdout_is_terminal():
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(title=None if title is None else Text(title))
        for c in columns:
            table.add_column(Text(c))
        for row in rows:
            table.add_row(*(Text(_cell(v)) for v in row))
        Console(emoji=False).print(table)
        return
    from seqkit.tsv import escape

    write = sys.stdout.write
    if header:
        write("\t".join(escape(c) for c in columns) + "\n")
    for row in rows:
        write("\t".join([escape(v if type(v) is str else _cell(v)) for v in row]) + "\n")  # escaped by the one rule (seqkit/tsv.py)


def emit_record(record: dict, as_json: bool = False, title: str | None = None) -> None:
    """One record of named figures: a JSON object (--json), a two-column table, or key<TAB>value lines."""
    if as_json:
        print(json.dumps(record, ensure_ascii=False))
        return
    emit_rows(["field", "value"], list(record.items()), title=title)
