"""Reading raw text inputs: plain, gzip or bzip2 (told by their first bytes, not their names),
or '-' for stdin. Undecodable bytes become U+FFFD and are counted; binary files are refused;
every byte read is hashed on the way, so meta.json can name its sources without a second pass.

`iter_pieces` streams one document per line in bounded memory: a line longer than `max_chars`
(text8 is one 100 MB line) comes out in pieces cut at whitespace, flagged as not ending a document.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import hashlib
import io
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from seqkit.errors import EmptyInputError, InputError
from seqkit.fileio import check_readable_file

_ERRORS = "seqkit-count-replace"
_replaced = [0]  # undecodable bytes seen by the decoder, across all sources


def _count_and_replace(exc: UnicodeDecodeError):
    _replaced[0] += exc.end - exc.start
    return "\ufffd", exc.end


codecs.register_error(_ERRORS, _count_and_replace)


class _HashingReader(io.RawIOBase):
    """A raw stream that hashes and counts the bytes read through it."""

    def __init__(self, raw):
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self.raw.read(len(b))
        n = len(data)
        b[:n] = data
        self.sha256.update(data)
        self.bytes_read += n
        return n


@dataclass
class SourceInfo:
    """What meta.json records of one input."""

    path: str
    size: int = 0
    sha256: str = ""
    compression: str = "none"
    undecodable_bytes: int = 0
    column: str | None = None
    _reader: _HashingReader | None = field(default=None, repr=False)

    def finish(self) -> None:
        if self._reader is not None:
            self.size = self._reader.bytes_read
            self.sha256 = self._reader.sha256.hexdigest()

    def to_dict(self) -> dict:
        d = {"path": self.path, "size": self.size, "sha256": self.sha256, "compression": self.compression}
        d["undecodable_bytes"] = self.undecodable_bytes
        if self.column:
            d["column"] = self.column
        return d


def _open_binary(path: str) -> tuple[io.BufferedReader, _HashingReader, str]:
    if path == "-":
        raw = sys.stdin.buffer
        name = "stdin"
    else:
        check_readable_file(path)
        raw = open(path, "rb")
        name = path
    hashing = _HashingReader(raw)
    buffered = io.BufferedReader(hashing, buffer_size=1 << 16)
    head = buffered.peek(4)[:4]
    if not head:
        raise EmptyInputError(f"{name} is empty" if path != "-" else "no input on stdin")
    if head[:2] == b"\x1f\x8b":
        return io.BufferedReader(gzip.GzipFile(fileobj=buffered), 1 << 16), hashing, "gzip"
    if head[:3] == b"BZh":
        return io.BufferedReader(bz2.BZ2File(buffered), 1 << 16), hashing, "bzip2"
    return buffered, hashing, "none"


def open_text(path: str) -> tuple[io.TextIOWrapper, SourceInfo]:
    """A text stream over ``path`` (UTF-8, BOM dropped, bad bytes replaced and counted) and its SourceInfo."""
    binary, hashing, compression = _open_binary(path)
    try:
        head = binary.peek(8192)[:8192]
    except (OSError, EOFError) as e:
        raise InputError(f"{path} is not a valid {compression} file: {e}") from None
    if not head:
        raise InputError(f"{path} is empty (after {compression} decompression)")
    if b"\x00" in head:
        raise InputError(f"{path} looks like binary data (it contains NUL bytes), not text")
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors=_ERRORS, newline=None)
    return text, SourceInfo(path, compression=compression, _reader=hashing)


def _tsv_column(header: str, column: str | None, path: str) -> int | None:
    """The index of the text column in a TSV header, or None when the file is plain text."""
    fields = header.rstrip("\n").split("\t")
    if column is not None:
        if column not in fields:
            raise InputError(f"{path} has no column '{column}'; its header has: {', '.join(fields)}")
        return fields.index(column)
    return fields.index("text") if "text" in fields and len(fields) > 1 else None


def _is_tsv_name(path: str) -> bool:
    name = path.lower()
    for ext in (".gz", ".bz2"):
        name = name.removesuffix(ext)
    return name.endswith(".tsv")


def iter_pieces(
    path: str, column: str | None = None, max_chars: int = 1 << 20, info_out: list | None = None
) -> Iterator[tuple[str, bool]]:
    """Yield (text, ends_document) for one input. A TSV file (by name, or when ``column`` is given)
    yields its text column, one document per row after the header."""
    stream, info = open_text(path)
    if info_out is not None:
        info_out.append(info)
    before = _replaced[0]
    try:
        with stream:
            if column is not None or _is_tsv_name(path):
                header = stream.readline()
                col = _tsv_column(header, column, path)
                if col is not None:
                    info.column = header.rstrip("\n").split("\t")[col]
                    for n, line in enumerate(stream, 2):
                        fields = line.rstrip("\n").split("\t")
                        if len(fields) <= col:
                            raise InputError(f"{path}:{n}: row has {len(fields)} fields, the text column is field {col + 1}")
                        yield fields[col], True
                    return
                yield header, True
            yield from _split_lines(stream, max_chars)
    except (OSError, EOFError, ValueError) as e:  # gzip/bz2 corruption, truncated archives
        raise InputError(f"{path}: cannot read past {info._reader.bytes_read} bytes: {e}") from None
    finally:
        info.undecodable_bytes = _replaced[0] - before
        info.finish()


def _split_lines(stream: io.TextIOWrapper, max_chars: int) -> Iterator[tuple[str, bool]]:
    carry = ""
    while True:
        chunk = stream.read(max_chars)
        if not chunk:
            break
        lines = (carry + chunk).split("\n")
        carry = lines.pop()
        for line in lines:
            yield line, True
        if len(carry) > max_chars:
            cut = max(carry.rfind(" ", 0, max_chars), carry.rfind("\t", 0, max_chars))
            if cut <= 0:
                cut = max_chars
            yield carry[:cut], False
            carry = carry[cut:]
    if carry:
        yield carry, True


def iter_documents(path: str, column: str | None = None) -> Iterator[str]:
    """One string per document (line, or TSV row's text column). Huge lines are joined whole."""
    parts: list[str] = []
    for text, ends in iter_pieces(path, column):
        parts.append(text)
        if ends:
            yield "".join(parts) if len(parts) > 1 else parts[0]
            parts = []
    if parts:
        yield "".join(parts)


def input_size(path: str) -> int | None:
    """Bytes on disk, for progress; None for stdin."""
    return None if path == "-" else os.path.getsize(path)
