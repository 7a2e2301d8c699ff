"""Progress bars for long jobs: on stderr, and only when stderr is a terminal and --quiet is off."""

from __future__ import annotations

import sys

from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from seqkit.cli.output import err


def progress_bar(quiet: bool = False, fields: str = "") -> Progress:
    """A rich Progress on stderr. ``fields`` is a format string over the task's fields,
    e.g. "{task.fields[rate]} words/s"."""
    columns = [
        TextColumn("{task.description}", style="bold", markup=False),  # descriptions hold file names
        BarColumn(),
        TaskProgressColumn(),
    ]
    if fields:
        columns.append(TextColumn(fields))
    columns += [TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn()]
    return Progress(*columns, console=err, disable=quiet or not sys.stderr.isatty(), transient=False)
