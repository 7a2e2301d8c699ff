"""Labelled texts for the classifiers, from the formats people keep them in:

- tsv: a header, then tab-separated fields (no quoting: tabs and newlines never occur inside a field);
- csv: a header, then RFC 4180 comma-separated fields (quotes allowed);
- jsonl: one JSON object per line;
- fasttext: `__label__pos some text`; `labels` holds each line's first label, `label_sets` all of them
  (filled when some line has several: multi-label data, for `--arch linear`);
- imdb: the aclImdb folder or `aclImdb_v1.tar.gz` (`PATH#test` picks the test split; default train).

Plain `.gz` and `.bz2` and stdin ('-') work for all but imdb. Errors name the file and line.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from seqkit.errors import EmptyInputError, InputError, OptionError
from seqkit.text.sources import open_text

FORMATS = ("tsv", "csv", "jsonl", "fasttext", "imdb")
FASTTEXT_PREFIX = "__label__"


@dataclass
class LabeledData:
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    source: str = ""
    format: str = ""
    label_sets: list[list[str]] = field(default_factory=list)  # fastText lines: every label of each text

    def all_labels(self) -> list[list[str]]:
        """Every label of each text (one each, except fastText lines with several)."""
        return self.label_sets if self.label_sets else [[x] for x in self.labels]


@dataclass(frozen=True)
class LabeledFormat:
    """How to read a labelled file (`--format`, `--text-col`, `--label-col`)."""

    format: str = "auto"  # detected from the name and first line, or one of FORMATS
    text_col: str | None = None  # TSV/CSV/JSON lines field with the text; None: 'text'
    label_col: str | None = None  # ... with the label; None: 'label'

    def read(self, path: str) -> LabeledData:
        return read_labeled(path, self.format, self.text_col, self.label_col)


def _bare_name(path: str) -> str:
    name = path.lower()
    for ext in (".gz", ".bz2"):
        name = name.removesuffix(ext)
    return name


def detect_format(path: str, first_line: str | None) -> str:
    """The format by the file's name, else by its first line."""
    from seqkit.datasets import imdb

    if path != "-" and imdb.looks_like_imdb(path):
        return "imdb"
    name = _bare_name(path)
    for ext, fmt in ((".tsv", "tsv"), (".csv", "csv"), (".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "jsonl"),
                     (".ft", "fasttext"), (".fasttext", "fasttext")):
        if name.endswith(ext):
            return fmt
    line = (first_line or "").lstrip()
    if line.startswith(FASTTEXT_PREFIX):
        return "fasttext"
    if line.startswith("{"):
        return "jsonl"
    if "\t" in line:
        return "tsv"
    if "," in line:
        return "csv"
    raise InputError(
        f"cannot tell the format of {path}: give --format tsv, csv, jsonl, fasttext or imdb"
    )


def _column(fields: list[str], wanted: str | None, default: str, option: str, path: str) -> int:
    name = wanted or default
    if name not in fields:
        hint = "" if wanted else f" (choose one with {option})"
        raise InputError(f"{path} has no column '{name}'{hint}; its columns are: {', '.join(fields) or '(none)'}")
    return fields.index(name)


def _rows_delimited(stream, path: str, fmt: str, text_col, label_col) -> Iterator[tuple[str, list[str]]]:
    if fmt == "csv":
        reader = csv.reader(stream)
        rows = ((reader.line_num, row) for row in reader)
    else:
        rows = ((i, line.rstrip("\r\n").split("\t")) for i, line in enumerate(stream, 1))
    try:
        _, header = next(rows)
    except StopIteration:
        return
    except csv.Error as e:
        raise InputError(f"{path}: not valid CSV ({e})") from None
    header = [h.strip() for h in header]
    ti = _column(header, text_col, "text", "--text-col", path)
    li = _column(header, label_col, "label", "--label-col", path)
    need = max(ti, li)
    try:
        for n, row in rows:
            if not row or row == [""]:
                continue
            if len(row) <= need:
                raise InputError(f"{path} line {n}: {len(row)} fields, but the header has {len(header)}")
            yield row[ti], [row[li].strip()]
    except csv.Error as e:
        raise InputError(f"{path}: not valid CSV ({e})") from None


def _rows_jsonl(stream, path: str, text_col, label_col) -> Iterator[tuple[str, list[str]]]:
    tk, lk = text_col or "text", label_col or "label"
    for n, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"{path} line {n} is not valid JSON ({e.msg})") from None
        except RecursionError:
            raise InputError(f"{path} line {n} nests too deeply to be a record") from None
        if not isinstance(rec, dict):
            raise InputError(f"{path} line {n} is not a JSON object")
        for key, option in ((tk, "--text-col"), (lk, "--label-col")):
            if key not in rec:
                raise InputError(f"{path} line {n} has no field '{key}' (choose one with {option}); "
                                 f"it has: {', '.join(map(str, rec)) or '(none)'}")
        label = rec[lk]
        yield ("" if rec[tk] is None else str(rec[tk])), ["" if label is None else str(label).strip()]


def _rows_fasttext(stream, path: str) -> Iterator[tuple[str, list[str]]]:
    for n, line in enumerate(stream, 1):
        words = line.split()
        if not words:
            continue
        labels = [w[len(FASTTEXT_PREFIX):] for w in words if w.startswith(FASTTEXT_PREFIX)]
        if not labels:
            raise InputError(f"{path} line {n} has no {FASTTEXT_PREFIX}LABEL")
        yield " ".join(w for w in words if not w.startswith(FASTTEXT_PREFIX)), list(dict.fromkeys(labels))


def _check_format(format: str) -> None:
    if format not in ("auto", *FORMATS):
        raise OptionError(f"--format must be auto or one of {', '.join(FORMATS)}, got {format!r}")


def iter_labeled(path: str, format: str = "auto", text_col: str | None = None,
                 label_col: str | None = None) -> Iterator[tuple[str, list[str]]]:
    """(text, labels) of each labelled text, streamed: one label, or several on fastText lines."""
    path = str(path)
    _check_format(format)
    from seqkit.datasets import imdb

    if format == "imdb" or (format == "auto" and path != "-" and imdb.looks_like_imdb(path)):
        for r in imdb.read_split(path):
            yield r.text, [r.label]
        return
    stream, _ = open_text(path)
    with stream:
        first = stream.readline()
        fmt = detect_format(path, first) if format == "auto" else format
        lines = _chain(first, stream)
        if fmt in ("tsv", "csv"):
            yield from _rows_delimited(lines, path, fmt, text_col, label_col)
        elif fmt == "jsonl":
            yield from _rows_jsonl(lines, path, text_col, label_col)
        else:
            yield from _rows_fasttext(lines, path)


def read_labeled(path: str, format: str = "auto", text_col: str | None = None,
                 label_col: str | None = None) -> LabeledData:
    """Every (text, label) of a file; labels as strings, stripped; texts as they are."""
    path = str(path)
    _check_format(format)
    from seqkit.datasets import imdb

    if format == "imdb" or (format == "auto" and path != "-" and imdb.looks_like_imdb(path)):
        reviews = imdb.read_split(path)
        return LabeledData([r.text for r in reviews], [r.label for r in reviews], path, "imdb")
    out = LabeledData(source=path, format=format)
    for text, labels in iter_labeled(path, format, text_col, label_col):
        out.texts.append(text)
        out.labels.append(labels[0])
        if len(labels) > 1 or out.label_sets:
            if not out.label_sets:
                out.label_sets = [[x] for x in out.labels[:-1]]
            out.label_sets.append(labels)
    return out


def _chain(first: str, rest) -> Iterator[str]:
    if first:
        yield first
    yield from rest


def iter_texts(path: str, format: str = "lines") -> Iterator[str]:
    """Unlabelled texts, streamed: one per line ('-' for stdin); an empty file gives none."""
    if format != "lines":
        raise OptionError(f"unlabelled input is one text per line, not {format!r}")
    if path != "-" and Path(path).is_file() and Path(path).stat().st_size == 0:
        return iter(())
    return _lines(path)


def _lines(path: str) -> Iterator[str]:
    try:
        stream, _ = open_text(path)
    except EmptyInputError:
        if path == "-":  # nothing piped in: no texts
            return
        raise
    with stream:
        for line in stream:
            yield line.rstrip("\r\n")
