"""The one chunker: any iterable, streamed, as lists of at most ``size`` items (itertools.batched of
Python 3.12, which seqkit cannot rely on yet). Reading, encoding and predicting all go through it, so a
stream of texts is never held whole."""

from __future__ import annotations

from itertools import islice
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of ``size`` consecutive items (the last may be shorter; none when ``items`` is empty)."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, not {size}")
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk
