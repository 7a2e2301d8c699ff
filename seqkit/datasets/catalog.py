"""The corpus catalog: known corpora, where they come from, how to check and convert them.

The catalog is `catalog.json` beside this module (package data; `corpora/catalog.json` in the
repository is a link to it). $SEQKIT_CATALOG names another catalog file, for mirrors and tests.

Kinds: 'builtin' corpora arrive with an installed package (`path` is relative to the folder
holding that package, e.g. `gensim/test/test_data/lee_background.cor`); 'download' corpora are
an archive at `url`, checked against `size_bytes` and `sha256` (sha256 null: not known, so only
the size is checked). Built-in files are not hash-checked: they come from an installed package.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seqkit.errors import InputError

CATALOG_ENV = "SEQKIT_CATALOG"
KINDS = ("builtin", "download")
CONVERTERS = ("imdb", "text8", "lines", "fasttext-tsv")
_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_REQUIRED = ("name", "title", "kind", "licence", "citation", "converter", "description")


@dataclass(frozen=True)
class Copy:
    """One acceptable archive: its size and SHA-256 (None where not known)."""

    size_bytes: int | None
    sha256: str | None
    note: str = ""


@dataclass(frozen=True)
class Entry:
    name: str
    title: str
    kind: str  # builtin | download
    licence: str
    citation: str
    converter: str
    description: str
    url: str | None = None
    path: str | None = None  # builtin: relative to the folder holding the package
    homepage: str | None = None
    size_bytes: int | None = None
    sha256: str | None = None
    aliases: tuple[str, ...] = ()
    also_accept: tuple[Copy, ...] = ()
    outputs: tuple[dict, ...] = ()
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def archive_name(self) -> str | None:
        """The archive's file name, from its URL (`aclImdb_v1.tar.gz`)."""
        if not self.url:
            return None
        return self.url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] or f"{self.name}.download"

    @property
    def copies(self) -> tuple[Copy, ...]:
        """The published archive first, then the other known-good copies."""
        return (Copy(self.size_bytes, self.sha256, "the published archive"), *self.also_accept)

    @property
    def verification(self) -> str:
        """How a fetched archive is checked: 'sha256', 'size' (unverified content) or 'none'."""
        if self.kind == "builtin":
            return "none"
        return "sha256" if self.sha256 else ("size" if self.size_bytes else "none")

    def builtin_file(self) -> Path:
        """Where a built-in corpus lies, found without importing its package."""
        assert self.kind == "builtin" and self.path
        package, _, rest = self.path.partition("/")
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.submodule_search_locations:
            raise InputError(f"corpus '{self.name}' comes with the Python package {package}, which is not installed: pip install {package}")
        for folder in spec.submodule_search_locations:
            candidate = Path(folder) / rest
            if candidate.is_file():
                return candidate
        raise InputError(f"corpus '{self.name}': {rest} is missing from the installed {package} (reinstall it: pip install --force-reinstall {package})")

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.raw)
        out["verification"] = self.verification
        return out


def default_catalog_path() -> Path:
    env = os.environ.get(CATALOG_ENV)
    return Path(env) if env else Path(__file__).with_name("catalog.json")


def _bad(path: Path, where: str, what: str) -> InputError:
    return InputError(f"catalog {path}: {where}: {what}")


def _opt_int(value, path: Path, where: str, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _bad(path, where, f"{key} must be a positive integer or null, not {value!r}")
    return value


def _opt_sha(value, path: Path, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _SHA256.fullmatch(value.lower()):
        raise _bad(path, where, f"sha256 must be 64 hex digits or null, not {value!r}")
    return value.lower()


def _entry(raw: Any, path: Path, index: int) -> Entry:
    where = f"entry {index + 1}"
    if not isinstance(raw, dict):
        raise _bad(path, where, "is not a JSON object")
    if isinstance(raw.get("name"), str):
        where = f"corpus '{raw['name']}'"
    for key in _REQUIRED:
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise _bad(path, where, f"needs a non-empty string '{key}'")
    name = raw["name"]
    if not _NAME.fullmatch(name):
        raise _bad(path, where, "name must be lowercase letters, digits, '.', '_' or '-'")
    if raw["kind"] not in KINDS:
        raise _bad(path, where, f"kind must be one of {', '.join(KINDS)}, not {raw['kind']!r}")
    if raw["converter"] not in CONVERTERS:
        raise _bad(path, where, f"converter must be one of {', '.join(CONVERTERS)}, not {raw['converter']!r}")
    url, rel = raw.get("url"), raw.get("path")
    if raw["kind"] == "download" and not (isinstance(url, str) and re.match(r"(?i)(https?|file)://", url)):
        raise _bad(path, where, "a download needs a 'url' (http, https or file)")
    if raw["kind"] == "builtin" and not (isinstance(rel, str) and "/" in rel):
        raise _bad(path, where, "a builtin needs a 'path' like 'package/sub/file'")
    aliases = raw.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) and _NAME.fullmatch(a) for a in aliases):
        raise _bad(path, where, "aliases must be a list of names")
    copies = []
    for i, c in enumerate(raw.get("also_accept") or []):
        if not isinstance(c, dict):
            raise _bad(path, where, f"also_accept[{i}] is not a JSON object")
        copies.append(Copy(_opt_int(c.get("size_bytes"), path, where, "size_bytes"), _opt_sha(c.get("sha256"), path, where), str(c.get("note", ""))))
    outputs = raw.get("outputs") or []
    if not isinstance(outputs, list) or not all(isinstance(o, dict) and isinstance(o.get("file"), str) for o in outputs):
        raise _bad(path, where, "outputs must be a list of objects with a 'file'")
    for o in outputs:
        _opt_int(o.get("rows"), path, where, "rows")
    return Entry(
        name=name,
        title=raw["title"],
        kind=raw["kind"],
        licence=raw["licence"],
        citation=raw["citation"],
        converter=raw["converter"],
        description=raw["description"],
        url=url,
        path=rel,
        homepage=raw.get("homepage"),
        size_bytes=_opt_int(raw.get("size_bytes"), path, where, "size_bytes"),
        sha256=_opt_sha(raw.get("sha256"), path, where),
        aliases=tuple(a.lower() for a in aliases),
        also_accept=tuple(copies),
        outputs=tuple(outputs),
        raw=raw,
    )


def load_catalog(path: str | os.PathLike | None = None) -> list[Entry]:
    """Every entry of the catalog, validated; an InputError names what is wrong and where."""
    path = Path(path) if path is not None else default_catalog_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        hint = f" (${CATALOG_ENV} names it)" if os.environ.get(CATALOG_ENV) else ""
        raise InputError(f"catalog {path} does not exist{hint}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read catalog {path}: {e}") from None
    except json.JSONDecodeError as e:
        raise InputError(f"catalog {path} is not valid JSON (line {e.lineno}: {e.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("corpora"), list):
        raise InputError(f"catalog {path}: expected an object with a list 'corpora'")
    entries = [_entry(raw, path, i) for i, raw in enumerate(data["corpora"])]
    seen: dict[str, str] = {}
    for e in entries:
        for key in (e.name, *e.aliases):
            if key in seen:
                raise _bad(path, f"corpus '{e.name}'", f"the name '{key}' is also used by '{seen[key]}'")
            seen[key] = e.name
    return entries


def find(name: str, entries: list[Entry] | None = None) -> Entry:
    """The entry called NAME (or one of its aliases; case does not matter), else an InputError
    that suggests the nearest names."""
    entries = load_catalog() if entries is None else entries
    key = name.strip().lower()
    for e in entries:
        if key == e.name or key in e.aliases:
            return e
    names = {n: e.name for e in entries for n in (e.name, *e.aliases)}
    close = []
    for n in difflib.get_close_matches(key, list(names), n=3, cutoff=0.5):
        if names[n] not in close:
            close.append(names[n])
    hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    known = ", ".join(e.name for e in entries)
    raise InputError(f"unknown corpus '{name}': {hint}known corpora: {known} (seqkit corpus list shows them)")
