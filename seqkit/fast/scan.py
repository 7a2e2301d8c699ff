"""The byte scanner of seqkit's word pattern, in Numba: [^\\W_]+(?:(?:'[^\\W_]|[.,]\\d)[^\\W_]*)* (the regex of
seqkit.text.normalize) over UTF-8 bytes, a character's class read from a table by code point (ASCII
without decoding), and the <url>, <email>, <num> tokens. Used by the linear classifier's tokenizer and
the ASCII tokenizer of seqkit.text (with a 128-entry table: its texts are ASCII)."""

from __future__ import annotations

import numpy as np
from numba import njit

from seqkit.fast import cache  # noqa: F401  (numba caches kernels on every seqkit source they reach)

# Character classes of a code point (table built in tokenize.py from Python's own regex classes).
OTHER, ALNUM, DIGIT = 0, 1, 2


@njit(inline="always")
def _decode(buf, i):
    """(code point, byte length) of the UTF-8 character at buf[i] (buf is valid UTF-8)."""
    b = np.int64(buf[i])
    if b < 0x80:
        return b, 1
    if b < 0xE0:
        return ((b & 0x1F) << 6) | (np.int64(buf[i + 1]) & 0x3F), 2
    if b < 0xF0:
        return ((b & 0x0F) << 12) | ((np.int64(buf[i + 1]) & 0x3F) << 6) | (np.int64(buf[i + 2]) & 0x3F), 3
    return (((b & 0x07) << 18) | ((np.int64(buf[i + 1]) & 0x3F) << 12) | ((np.int64(buf[i + 2]) & 0x3F) << 6)
            | (np.int64(buf[i + 3]) & 0x3F)), 4


@njit(inline="always")
def _class_at(buf, i, n, classes):
    """Class of the character at buf[i] (OTHER past the end); ASCII without decoding."""
    if i >= n:
        return OTHER
    if buf[i] < 0x80:
        return np.int64(classes[buf[i]])
    cp, _ = _decode(buf, i)
    return np.int64(classes[cp])


@njit(inline="always")
def _char_len(buf, i):
    b = buf[i]
    if b < 0x80:
        return 1
    if b < 0xE0:
        return 2
    if b < 0xF0:
        return 3
    return 4


@njit(inline="always")
def _special_end(buf, i, n):
    """End of a <url>, <email> or <num> token starting at buf[i] == '<', else -1."""
    if i + 4 < n and buf[i + 1] == 117 and buf[i + 2] == 114 and buf[i + 3] == 108 and buf[i + 4] == 62:
        return i + 5
    if i + 4 < n and buf[i + 1] == 110 and buf[i + 2] == 117 and buf[i + 3] == 109 and buf[i + 4] == 62:
        return i + 5
    if (i + 6 < n and buf[i + 1] == 101 and buf[i + 2] == 109 and buf[i + 3] == 97 and buf[i + 4] == 105
            and buf[i + 5] == 108 and buf[i + 6] == 62):
        return i + 7
    return -1


@njit(inline="always")
def _word_end(buf, i, n, classes):
    """End of the word starting at buf[i] (an alnum character), as the regex
    [^\\W_]+(?:(?:'[^\\W_]|[.,]\\d)[^\\W_]*)* of seqkit.text.normalize matches it."""
    while i < n:
        if _class_at(buf, i, n, classes) != OTHER:
            i += _char_len(buf, i)
            continue
        b = buf[i]
        if b == 39 and _class_at(buf, i + 1, n, classes) != OTHER:  # an apostrophe before a letter or digit
            i += 1
            continue
        if (b == 46 or b == 44) and _class_at(buf, i + 1, n, classes) == DIGIT:  # '.' or ',' before a digit
            i += 1
            continue
        return i
    return i


@njit(inline="always")
def word_end(buf, i, n, classes):
    """End of the word starting at buf[i] (a letter or digit), bytes past n unread."""
    return _word_end(buf, i, n, classes)
