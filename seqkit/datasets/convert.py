"""Turning a fetched archive (or a built-in file) into the files seqkit's commands read.

- imdb: `aclImdb_v1.tar.gz` (or the extracted `aclImdb/` folder) -> `train.tsv` and `test.tsv`
  (`label<TAB>rating<TAB>text` with a header; neg rows then pos rows, each by review id) and
  `unsup.txt` (one unlabelled review per line, by id). Newlines and tabs in a review become spaces.
- text8: `text8.zip` -> `text8` (streamed; the zip's CRC-32 checks the content).
- lines: a text file -> the same lines, `\\n`-terminated UTF-8.
- fasttext-tsv: `__label__X text` lines -> `label<TAB>text` with a header.

Every file is written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from seqkit.datasets.catalog import Entry
from seqkit.errors import InputError
from seqkit.fileio import atomic_open

Progress = Optional[Callable[[int, Optional[int]], None]]
CHUNK = 1 << 20


@dataclass(frozen=True)
class OutputFile:
    file: str  # name inside the output folder
    rows: int | None  # data rows (without a header); None where not counted
    bytes: int


def _written(folder: Path, name: str, rows: int | None) -> OutputFile:
    return OutputFile(name, rows, (folder / name).stat().st_size)


def _one_line(text: str) -> str:
    """A field that can sit in a TSV row or a one-document-per-line file."""
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def imdb(source: str | Path, out_dir: str | Path, on_progress: Progress = None, total: int | None = None) -> list[OutputFile]:
    """aclImdb (archive or folder) -> train.tsv, test.tsv, unsup.txt in OUT_DIR."""
    from seqkit.datasets.imdb import iter_reviews

    out_dir = Path(out_dir)
    labelled: dict[str, list] = {"train": [], "test": []}
    unsup: list[tuple[int, str]] = []
    n = 0
    for n, r in enumerate(iter_reviews(str(source)), 1):
        text = _one_line(r.text)
        if r.label == "unsup":
            unsup.append((r.id, text))
        else:
            labelled[r.split].append((r.label != "neg", r.id, r.label, r.rating, text))
        if on_progress and n % 1000 == 0:
            on_progress(n, total)
    if on_progress:
        on_progress(n, n)
    if n == 0:
        raise InputError(f"{source} holds no IMDB reviews (expected aclImdb/{{train,test}}/{{pos,neg}}/ID_RATING.txt)")
    files = []
    for split, rows in labelled.items():
        rows.sort(key=lambda row: row[:2])
        name = f"{split}.tsv"
        with atomic_open(out_dir / name, "w", encoding="utf-8", newline="\n") as f:
            f.write("label\trating\ttext\n")
            f.writelines(f"{label}\t{rating}\t{text}\n" for _, _, label, rating, text in rows)
        files.append(_written(out_dir, name, len(rows)))
    unsup.sort(key=lambda row: row[0])
    with atomic_open(out_dir / "unsup.txt", "w", encoding="utf-8", newline="\n") as f:
        f.writelines(f"{text}\n" for _, text in unsup)
    files.append(_written(out_dir, "unsup.txt", len(unsup)))
    return files


def text8(source: str | Path, out_dir: str | Path, on_progress: Progress = None, name: str = "text8") -> list[OutputFile]:
    """text8.zip -> OUT_DIR/text8, streamed."""
    out_dir = Path(out_dir)
    try:
        with zipfile.ZipFile(source) as z:
            members = [i for i in z.infolist() if not i.is_dir()]
            member = next((i for i in members if i.filename.rsplit("/", 1)[-1] == name), None)
            if member is None and len(members) == 1:
                member = members[0]
            if member is None:
                raise InputError(f"{source} holds no file '{name}' (it has: {', '.join(i.filename for i in members[:5]) or 'nothing'})")
            done = 0
            with z.open(member) as src, atomic_open(out_dir / name, "wb") as dst:
                while chunk := src.read(CHUNK):
                    dst.write(chunk)
                    done += len(chunk)
                    if on_progress:
                        on_progress(done, member.file_size)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError) as e:
        raise InputError(f"{source} is not a readable zip archive ({e}): download it again") from None
    return [_written(out_dir, name, None)]


def lines(source: str | Path, out_dir: str | Path, name: str) -> list[OutputFile]:
    """A text file -> OUT_DIR/NAME with \\n line ends and a final newline."""
    text = Path(source).read_bytes().decode("utf-8", errors="replace")
    rows = [line.rstrip() for line in text.splitlines() if line.strip()]
    with atomic_open(Path(out_dir) / name, "w", encoding="utf-8", newline="\n") as f:
        f.writelines(f"{_one_line(row)}\n" for row in rows)
    return [_written(Path(out_dir), name, len(rows))]


def fasttext_tsv(source: str | Path, out_dir: str | Path, name: str) -> list[OutputFile]:
    """`__label__X some text` lines -> OUT_DIR/NAME as `label<TAB>text` with a header."""
    prefix = "__label__"
    rows = []
    for n, line in enumerate(Path(source).read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        words = line.split()
        if not words:
            continue
        labels = [w[len(prefix):] for w in words if w.startswith(prefix)]
        if not labels:
            raise InputError(f"{source} line {n} has no {prefix}LABEL")
        rows.append((labels[0], " ".join(w for w in words if not w.startswith(prefix))))
    with atomic_open(Path(out_dir) / name, "w", encoding="utf-8", newline="\n") as f:
        f.write("label\ttext\n")
        f.writelines(f"{label}\t{text}\n" for label, text in rows)
    return [_written(Path(out_dir), name, len(rows))]


def expected_rows(entry: Entry) -> int | None:
    """The rows all outputs hold together, when the catalog gives every count."""
    counts = [o.get("rows") for o in entry.outputs]
    return sum(counts) if counts and all(isinstance(c, int) for c in counts) else None


def convert(entry: Entry, source: str | Path, out_dir: str | Path, on_progress: Progress = None) -> list[OutputFile]:
    """Run the entry's converter on SOURCE, writing into OUT_DIR."""
    first = entry.outputs[0]["file"] if entry.outputs else None
    if entry.converter == "imdb":
        return imdb(source, out_dir, on_progress, total=expected_rows(entry))
    if entry.converter == "text8":
        return text8(source, out_dir, on_progress, name=first or "text8")
    if entry.converter == "lines":
        return lines(source, out_dir, first or f"{entry.name}.txt")
    if entry.converter == "fasttext-tsv":
        return fasttext_tsv(source, out_dir, first or f"{entry.name}.tsv")
    raise InputError(f"corpus '{entry.name}': unknown converter {entry.converter!r}")


def row_mismatches(entry: Entry, files: list[OutputFile]) -> list[str]:
    """Where the row counts differ from the catalog's (a different release or a partial archive)."""
    want = {o["file"]: o.get("rows") for o in entry.outputs}
    return [
        f"{f.file} has {f.rows:,} rows where the catalog expects {want[f.file]:,}"
        for f in files
        if isinstance(want.get(f.file), int) and f.rows is not None and f.rows != want[f.file]
    ]
