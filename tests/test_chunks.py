"""The one chunker: lists of at most n items, streamed, none for nothing."""

import pytest

from seqkit.chunks import chunked


def test_chunks_cover_the_stream_in_order():
    assert list(chunked(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunked([], 3)) == []
    assert list(chunked("ab", 5)) == [["a", "b"]]


def test_a_stream_is_not_read_ahead():
    read = []

    def source():
        for i in range(10):
            read.append(i)
            yield i

    first = next(chunked(source(), 4))
    assert first == [0, 1, 2, 3] and read == [0, 1, 2, 3]


def test_size_must_be_positive():
    with pytest.raises(ValueError):
        next(chunked([1], 0))
