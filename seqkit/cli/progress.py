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
from seqkit.fileio import raise_lost_interrupt


class _Progress(Progress):
    """A Progress that stops the job at its next update after a Ctrl-C that a finalizer swallowed
    (fileio.raise_lost_interrupt), rather than let it run to the end."""

    def update(self, *args, **kwargs) -> None:
        raise_lost_interrupt()
        super().update(*args, **kwargs)

    def advance(self, *args, **kwargs) -> None:
        raise_lost_interrupt()
        super().advance(*args, **kwargs)


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
    return _Progress(*columns, console=err, disable=quiet or not sys.stderr.isatty(), transient=False)
