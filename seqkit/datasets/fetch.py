"""Fetching a catalog corpus: download (or take a local archive), verify, convert.

Downloads stream through urllib into a temporary file beside the target, hashing as they go;
the size and SHA-256 are checked before the file gets its name, and everything lands in a
temporary folder that becomes the output folder only when complete: an interrupted or failed
fetch leaves nothing behind.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import http.client
import json
import os
import socket
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Optional

from seqkit import __version__
from seqkit.datasets.catalog import Copy, Entry
from seqkit.datasets.convert import OutputFile, convert, row_mismatches
from seqkit.errors import InputError, OptionError, SeqkitError
from seqkit.fileio import atomic_dir, atomic_open, atomic_path, check_output, check_readable_file

CHUNK = 1 << 20
TIMEOUT = 60.0  # seconds without a byte before a download gives up
SOURCE_FILE = "source.json"

# progress(stage, done, total): stage is 'download', 'verify' or 'convert'
StageProgress = Optional[Callable[[str, int, Optional[int]], None]]


class FetchError(InputError):
    """A download failed or a file does not match the catalog (exit 1)."""


@dataclass
class FetchResult:
    name: str
    output: str
    source: str  # the URL, the --from path, or the built-in file
    archive_bytes: int | None = None
    archive_sha256: str | None = None
    verified: str = "none"  # sha256 | size | none | skipped
    matched: str | None = None  # which known copy matched
    files: list[OutputFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        d = asdict(self)
        d["files"] = [asdict(f) for f in self.files]
        return d


def human_bytes(n: int | None) -> str:
    if n is None:
        return "?"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return str(n)


def sha256_file(path: str | os.PathLike, on_progress: Optional[Callable[[int, int], None]] = None) -> tuple[str, int]:
    """(hex SHA-256, size) of a file, streamed."""
    h = hashlib.sha256()
    total = os.path.getsize(path)
    done = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            done += len(chunk)
            if on_progress:
                on_progress(done, total)
    return h.hexdigest(), done


def match_copy(entry: Entry, size: int, sha256: str) -> Copy | None:
    """The known-good copy the file is, by SHA-256 where the catalog has one, else by size."""
    for c in entry.copies:
        if c.sha256 and c.sha256 == sha256:
            return c
    if not any(c.sha256 for c in entry.copies):
        for c in entry.copies:
            if c.size_bytes is not None and c.size_bytes == size:
                return c
    return None


def _expected(entry: Entry) -> str:
    c = entry.copies[0]
    parts = [f"size {c.size_bytes:,}" if c.size_bytes else "", f"SHA-256 {c.sha256}" if c.sha256 else ""]
    return ", ".join(p for p in parts if p) or "nothing"


def _check(entry: Entry, what: str, size: int, sha256: str, advice: str) -> Copy | None:
    if entry.verification == "none":
        return None
    found = match_copy(entry, size, sha256)
    if found is None:
        raise FetchError(
            f"{what} does not match the catalog entry '{entry.name}': size {size:,}, SHA-256 {sha256}; "
            f"expected {_expected(entry)}. {advice}"
        )
    return found


def _known_sizes(entry: Entry) -> set[int] | None:
    sizes = {c.size_bytes for c in entry.copies}
    return None if None in sizes else sizes


def _refuse_size(url: str, total: int | None, expected_sizes: set[int] | None) -> None:
    if total is not None and expected_sizes and total not in expected_sizes:
        raise FetchError(
            f"{url} offers {total:,} bytes, but the catalog expects "
            f"{' or '.join(f'{s:,}' for s in sorted(expected_sizes))}: the file on the server has changed "
            f"(download it yourself and pass --from FILE --no-verify if you trust it)"
        )


def _copy_body(response, tmp: Path, target: Path, h, counted: list[int], on_progress, total: int | None) -> None:
    """Stream the response into TMP, hashing it; counted[0] holds the bytes so far (for error lines)."""
    try:
        out = open(tmp, "wb")
    except OSError as e:
        raise SeqkitError(f"cannot write {target}: {e.strerror or e}") from None
    with out:
        while chunk := response.read(CHUNK):
            try:
                out.write(chunk)
            except OSError as e:
                raise SeqkitError(f"cannot write {target}: {e.strerror or e}") from None
            h.update(chunk)
            counted[0] += len(chunk)
            if on_progress:
                on_progress(counted[0], total)


def _network_error(url: str, e: BaseException, done: int) -> FetchError:
    """One FetchError line for what urllib, http.client or the socket raised."""
    if isinstance(e, urllib.error.HTTPError):
        return FetchError(f"cannot download {url}: the server answered HTTP {e.code} {e.reason}")
    if isinstance(e, urllib.error.URLError):
        reason = e.reason.strerror if isinstance(e.reason, OSError) and e.reason.strerror else e.reason
        return FetchError(f"cannot download {url}: {reason} (no network? download it by hand and pass --from FILE)")
    if isinstance(e, (socket.timeout, TimeoutError)):
        return FetchError(f"download of {url} timed out after {done:,} bytes ({e or 'no data'}): try again")
    return FetchError(f"download of {url} failed after {done:,} bytes ({type(e).__name__}: {e}): try again")


def download(
    url: str,
    target: str | os.PathLike,
    *,
    expected_sizes: set[int] | None = None,
    check: Optional[Callable[[int, str], None]] = None,
    on_progress: Optional[Callable[[int, Optional[int]], None]] = None,
    timeout: float = TIMEOUT,
) -> tuple[str, int]:
    """Download URL to TARGET atomically; returns (hex SHA-256, size).

    ``expected_sizes``: a server that announces another length is refused before any byte is
    written. ``check(size, sha256)`` runs before the file gets its name; if it raises, the
    temporary file is deleted. Network trouble raises one FetchError line.
    """
    target = Path(target)
    request = urllib.request.Request(url, headers={"User-Agent": f"seqkit/{__version__}"})
    h = hashlib.sha256()
    counted = [0]
    try:
        with atomic_path(target) as tmp:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                _refuse_size(url, total, expected_sizes)
                _copy_body(response, tmp, target, h, counted, on_progress, total)
                if total is not None and counted[0] != total:
                    raise FetchError(f"download of {url} stopped after {counted[0]:,} of {total:,} bytes: try again")
            if check:
                check(counted[0], h.hexdigest())
    except (urllib.error.URLError, socket.timeout, TimeoutError, http.client.HTTPException, ConnectionError) as e:
        raise _network_error(url, e, counted[0]) from None
    return h.hexdigest(), counted[0]


def _make_parents(folder: Path) -> list[Path]:
    """mkdir -p, returning the folders it created (deepest last)."""
    created = []
    for p in reversed([folder, *folder.parents]):
        if not p.exists():
            p.mkdir()
            created.append(p)
    return created


def _usual_modes(folder: Path) -> None:
    """Give the folder and its files the modes a plain mkdir and open would (the temporary
    names they were written under are private: 0700 and 0600)."""
    umask = os.umask(0o022)
    os.umask(umask)
    for p in folder.iterdir():
        if p.is_file():
            p.chmod(0o666 & ~umask)
    folder.chmod(0o777 & ~umask)


def _provenance(entry: Entry, result: FetchResult) -> dict:
    return {
        "name": entry.name,
        "title": entry.title,
        "url": entry.url,
        "homepage": entry.homepage,
        "licence": entry.licence,
        "citation": entry.citation,
        "source": result.source,
        "archive": {"bytes": result.archive_bytes, "sha256": result.archive_sha256,
                    "verified": result.verified, "matched": result.matched},
        "files": [asdict(f) for f in result.files],
        "fetched": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "seqkit": __version__,
    }


def _local_source(entry: Entry, out: Path, source: str | os.PathLike | None, verify: bool, stage) -> tuple:
    """(archive path or None when it is to be downloaded, the result so far)."""
    if entry.kind == "builtin":
        src = entry.builtin_file()
        return src, FetchResult(entry.name, str(out), str(src), archive_bytes=src.stat().st_size)
    if source is None:
        return None, FetchResult(entry.name, str(out), entry.url or "")
    src = Path(source)
    if src.is_dir() and entry.converter == "imdb":
        return src, FetchResult(entry.name, str(out), str(src), verified="none")
    src = check_readable_file(src, "archive")
    result = FetchResult(entry.name, str(out), str(src))
    result.archive_sha256, result.archive_bytes = sha256_file(src, stage("verify"))
    if verify:
        found = _check(entry, str(src), result.archive_bytes, result.archive_sha256,
                       "Download it again, or pass --no-verify if you trust this copy.")
        result.verified = entry.verification if found else "none"
        result.matched = found.note if found else None
    else:
        result.verified = "skipped"
    return src, result


def _download_into(entry: Entry, tmp: Path, result: FetchResult, verify: bool, timeout: float, stage) -> Path:
    """Download the entry's archive into the temporary folder TMP, checked against the catalog."""
    archive = tmp / (entry.archive_name or f"{entry.name}.download")
    checked: dict = {}

    def check(size: int, sha256: str) -> None:
        if verify:
            checked["copy"] = _check(
                entry, f"{entry.archive_name} from {entry.url}", size, sha256,
                "The download was deleted. Try again; if it keeps failing the file on the server has "
                "changed: download it yourself and pass --from FILE --no-verify if you trust it.",
            )

    result.archive_sha256, result.archive_bytes = download(
        entry.url, archive, expected_sizes=_known_sizes(entry) if verify else None, check=check,
        on_progress=stage("download"), timeout=timeout,
    )
    found = checked.get("copy")
    result.verified = (entry.verification if found else "none") if verify else "skipped"
    result.matched = found.note if found else None
    return archive


def _remove_empty(created: list[Path]) -> None:
    for folder in reversed(created):  # folders made for this output, if still empty
        try:
            folder.rmdir()
        except OSError:
            break


def fetch(
    entry: Entry,
    output: str | os.PathLike,
    *,
    source: str | os.PathLike | None = None,
    verify: bool = True,
    force: bool = False,
    keep_archive: bool = False,
    progress: StageProgress = None,
    timeout: float = TIMEOUT,
) -> FetchResult:
    """Put corpus ENTRY, converted, into the folder OUTPUT (refused if it exists, unless force).

    ``source``: a local copy of the archive (or, for imdb, the extracted aclImdb folder) instead
    of downloading. ``verify=False`` skips the size and hash check. ``keep_archive`` leaves the
    downloaded archive in OUTPUT too. OUTPUT also gets source.json: where the data came from,
    its licence, citation and checksums.
    """
    import time

    start = time.perf_counter()
    out = Path(output)

    def stage(name: str):
        return (lambda done, total: progress(name, done, total)) if progress else None

    if entry.kind == "builtin" and source is not None:
        raise OptionError(f"'{entry.name}' comes with an installed package: --from is for downloadable corpora")
    # '..' resolved first, so that `-o a/../b/x` never makes a folder a/ it does not need
    target = check_output(out, [source], force=force, folder=True, make_parents=True)
    src, result = _local_source(entry, out, source, verify, stage)
    downloaded = src is None
    created = _make_parents(target.parent)
    try:
        with atomic_dir(target, force=force) as tmp:
            if downloaded:  # into the temporary folder
                src = _download_into(entry, tmp, result, verify, timeout, stage)
            try:
                result.files = convert(entry, src, tmp, stage("convert"))
            except OSError as e:  # a full disk, a read error
                raise SeqkitError(f"cannot convert {src} into {out}: {e.strerror or e}") from None
            result.warnings = row_mismatches(entry, result.files)
            if downloaded:
                if keep_archive:
                    result.files.append(OutputFile(src.name, None, src.stat().st_size))
                else:
                    src.unlink()
            result.seconds = round(time.perf_counter() - start, 3)
            with atomic_open(tmp / SOURCE_FILE, "w", encoding="utf-8") as f:
                json.dump(_provenance(entry, result), f, indent=2, ensure_ascii=False)
                f.write("\n")
            _usual_modes(tmp)
    except BaseException:
        _remove_empty(created)
        raise
    return result
