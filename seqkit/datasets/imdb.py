"""The IMDB Large Movie Review dataset (Maas et al. 2011) in its published layout, from the folder
`aclImdb/` or straight from `aclImdb_v1.tar.gz` (streamed, never unpacked to disk).

Reviews live in `{train,test}/{pos,neg}/ID_RATING.txt` and `train/unsup/ID_0.txt`. A PATH may name a
split: `aclImdb_v1.tar.gz#test`, `aclImdb/test`, or a folder holding `pos/` and `neg/`.
"""

from __future__ import annotations

import re
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from seqkit.errors import InputError
from seqkit.limits import MAX_IMDB_ID_DIGITS, MAX_IMDB_MEMBER

SPLITS = ("train", "test")
LABELS = ("pos", "neg", "unsup")
# ids and ratings as ASCII digits of bounded length: a 5000-digit id is no review (and int() refuses it)
_NAME = rf"([0-9]{{1,{MAX_IMDB_ID_DIGITS}}})_([0-9]{{1,2}})\.txt"
_MEMBER = re.compile(rf"(?:^|/)(train|test)/(pos|neg|unsup)/{_NAME}$")


@dataclass(frozen=True)
class Review:
    split: str  # train | test
    label: str  # pos | neg | unsup
    id: int
    rating: int  # 1-4 neg, 7-10 pos, 0 unlabelled
    text: str


def is_archive(path: str | Path) -> bool:
    name = str(path).lower()
    return name.endswith((".tar.gz", ".tgz", ".tar"))


def split_spec(path: str) -> tuple[str, str | None]:
    """'archive.tar.gz#test' -> ('archive.tar.gz', 'test'); no '#': (path, None)."""
    base, sep, split = str(path).rpartition("#")
    if sep and split in SPLITS:
        return base, split
    return str(path), None


def looks_like_imdb(path: str) -> bool:
    base, _ = split_spec(path)
    p = Path(base)
    if p.is_dir():
        return any((p / sub).is_dir() for sub in ("aclImdb", "train", "test", "pos", "neg"))
    return is_archive(p) and p.is_file()


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace").replace("\r\n", " ").replace("\n", " ").strip()


def _read_review(name, size: int, read) -> bytes:
    """A review's bytes; one larger than MAX_IMDB_MEMBER is no IMDB review and is refused unread."""
    if size > MAX_IMDB_MEMBER:
        raise InputError(f"{name} is {size:,} bytes: no IMDB review is over {MAX_IMDB_MEMBER:,} (not the IMDB dataset?)")
    return read()


def _iter_archive(path: Path) -> Iterator[Review]:
    try:
        with tarfile.open(path, "r|*") as tar:  # streaming: members in archive order
            for member in tar:
                m = _MEMBER.search(member.name)
                if not m or not member.isfile():
                    continue
                f = tar.extractfile(member)
                yield Review(m[1], m[2], int(m[3]), int(m[4]), _decode(_read_review(member.name, member.size, f.read)))
    except (tarfile.TarError, OSError, EOFError) as e:
        raise InputError(f"{path} is not a readable tar archive ({e}): download it again") from None


def _iter_folder(root: Path) -> Iterator[Review]:
    if (root / "aclImdb").is_dir():
        root = root / "aclImdb"
    if (root / "pos").is_dir() or (root / "neg").is_dir():  # one split's folder
        pairs = [(root.name if root.name in SPLITS else "train", root)]
    else:
        pairs = [(s, root / s) for s in SPLITS if (root / s).is_dir()]
    for split, folder in pairs:
        for label in LABELS:
            sub = folder / label
            if not sub.is_dir():
                continue
            for f in sorted(sub.iterdir(), key=lambda q: q.name):
                m = re.fullmatch(_NAME, f.name)
                if m and f.is_file():
                    yield Review(split, label, int(m[1]), int(m[2]), _decode(_read_review(f, f.stat().st_size, f.read_bytes)))


def iter_reviews(path: str) -> Iterator[Review]:
    """Every review under PATH (a folder or an archive), in the layout's order."""
    base, _ = split_spec(path)
    p = Path(base)
    if not p.exists():
        raise InputError(f"{p} does not exist")
    return _iter_folder(p) if p.is_dir() else _iter_archive(p)


def read_split(path: str, default_split: str = "train") -> list[Review]:
    """The labelled (pos/neg) reviews of one split: the one PATH names, else `default_split`."""
    base, split = split_spec(path)
    p = Path(base)
    one_split_folder = p.is_dir() and ((p / "pos").is_dir() or (p / "neg").is_dir())
    want = split or default_split
    out = [r for r in iter_reviews(path) if r.label != "unsup" and (one_split_folder or r.split == want)]
    if not out:
        raise InputError(
            f"{path} holds no labelled IMDB reviews of the {want} split: expected aclImdb/{want}/pos and "
            f"aclImdb/{want}/neg (name a split with PATH#train or PATH#test)"
        )
    return out
