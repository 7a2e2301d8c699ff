"""Line-aligned byte ranges of the inputs, and reading one range as the single-process reader
would read those lines.

A range [start, end) owns the lines that begin inside it: its reader skips the partial line at its
start (the previous range reads it) and reads on past `end` to the end of its last line. Cuts fall
after a b"\\n" byte, which never occurs inside a UTF-8 character, so decoding is unchanged.
Compressed inputs (gzip, bzip2) cannot be entered in the middle: each is one range, read whole.

One difference from a single pass remains: a line longer than 1 MB is read in pieces cut at
whitespace (`sources._split_lines`), and where those cuts fall depends on where the reading
began; tokens come out the same unless something the tokenizer joins (an HTML tag with a space
inside) straddles a cut.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import Iterator

from seqkit.errors import InputError
from seqkit.text import sources


@dataclass(frozen=True)
class Range:
    path: str
    start: int  # first byte (the body's start for a TSV file: after its header)
    end: int  # one past the last byte whose line this range owns; -1: a compressed file, read whole
    body_start: int  # where the file's lines begin (after a TSV header); no partial line before it
    tsv_column: int | None  # the text column of a TSV file, None for plain lines


@dataclass
class InputPlan:
    """What the client found out about one input before cutting it."""

    path: str
    compression: str
    column_name: str | None
    tsv_column: int | None
    body_start: int
    size: int


def plan_input(path: str, column: str | None) -> InputPlan:
    """Check ``path`` as the single-process reader does (exists, not empty, not binary) and find its
    compression and, for a TSV file, the text column and where its rows begin."""
    if path == "-":
        raise InputError("--cluster reads inputs where the workers can see them: name files, not stdin ('-')")
    stream, info = sources.open_text(path)  # raises InputError for a missing, empty or binary file
    with stream:
        col = name = None
        body_start = 0
        if column is not None or sources._is_tsv_name(path):
            header = stream.readline()
            col = sources._tsv_column(header, column, path)
            if col is not None:
                name = header.rstrip("\n").split("\t")[col]
                if info.compression == "none":
                    with open(path, "rb") as f:
                        body_start = len(f.readline())
    return InputPlan(path, info.compression, name, col, body_start, os.path.getsize(path))


def cut(plan: InputPlan, range_bytes: int) -> list[Range]:
    """The ranges of one input, about ``range_bytes`` each."""
    path = os.path.abspath(plan.path)  # workers may run elsewhere: the same absolute path on a shared file system
    if plan.compression != "none":
        return [Range(path, 0, -1, 0, plan.tsv_column)]
    starts = list(range(plan.body_start, plan.size, max(1, range_bytes))) or [plan.body_start]
    ends = starts[1:] + [plan.size]
    return [Range(path, a, e, plan.body_start, plan.tsv_column) for a, e in zip(starts, ends)]


def read_range_bytes(r: Range) -> bytes:
    """The bytes of the lines that begin in ``r``."""
    with open(r.path, "rb") as f:
        start = r.start
        if start > r.body_start:
            f.seek(start - 1)
            if f.read(1) != b"\n":
                start += len(f.readline())  # the partial line belongs to the previous range
        if start >= r.end:
            return b""
        f.seek(start)
        data = f.read(r.end - start)
        if data and not data.endswith(b"\n"):
            data += f.readline()
        return data


def iter_range_pieces(r: Range, max_chars: int = 1 << 20) -> Iterator[tuple[str, bool]]:
    """(text, ends_document) for the lines of a plain file's range ``r``, as `sources.iter_pieces`
    yields them (a compressed input goes through `sources.iter_pieces` itself). A UTF-8 BOM is
    dropped at the start of the file only."""
    data = read_range_bytes(r)
    if not data:
        return
    encoding = "utf-8-sig" if r.start == 0 else "utf-8"
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors=sources._ERRORS, newline=None)
    if r.tsv_column is None:
        yield from sources._split_lines(stream, max_chars)
        return
    for line in stream:
        fields = line.rstrip("\n").split("\t")
        if len(fields) <= r.tsv_column:
            raise InputError(f"{r.path}: a row after byte {r.start} has {len(fields)} fields, the text column is field {r.tsv_column + 1}")
        yield fields[r.tsv_column], True
