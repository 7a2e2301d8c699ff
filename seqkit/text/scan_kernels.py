"""The ASCII tokenizer's hot loop, in Numba. The only module of seqkit.text that imports numba.

For a batch of texts, what `Normalizer.tokenize` followed by a first-seen dict encoding does
(see `seqkit.text.fast_encode`):

0. `regex_texts` flags the ASCII texts that need what the scanner does not do (an '&' entity, a
   URL or e-mail, a '<' that could start a '<url>' token); their tokens (and those of non-ASCII
   texts) come from the regex, as UTF-8 separated by spaces, and go through the same table.
1. clean: HTML tags (`_TAG`: '<', at most 2000 characters other than '<' and '>', '>') become
   spaces, letters are lowercased.
2. tokens, exactly as `_WORD` finds them in ASCII: runs of [A-Za-z0-9], continued over an inner
   apostrophe followed by a letter or digit, or an inner '.'/',' followed by a digit. Each token
   gets a batch-local id from an open-addressing hash table over its bytes (a hash hit compares
   the bytes, so two words never merge), ids given in first-seen order.

Checked against the regex path in tests/text/test_fast_encode.py.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from seqkit.fast.hashing import fnv64
from seqkit.fast.scan import ALNUM, DIGIT, word_end


class ScanConfig(NamedTuple):
    lowercase: bool  # A-Z -> a-z
    html: bool  # tags become spaces; texts with '&' go to the regex path (entities)
    urls: bool  # texts with '://', 'www.', 'WWW.' or '@' go to the regex path (url/email options)
    lt_special: bool  # html off, urls 'token': a text with '<' may hold '<url>': regex path


_ALNUM = np.zeros(256, np.bool_)  # [^\W_] in ASCII
_ALNUM[ord("0") : ord("9") + 1] = True
_ALNUM[ord("A") : ord("Z") + 1] = True
_ALNUM[ord("a") : ord("z") + 1] = True
_WATCH = np.zeros(256, np.bool_)  # bytes that may start what only the regex path does exactly
for _c in "&<@:wW":
    _WATCH[ord(_c)] = True
_DIGIT = np.zeros(256, np.bool_)
_DIGIT[ord("0") : ord("9") + 1] = True
_CLASSES = (_ALNUM[:128] * ALNUM).astype(np.uint8)  # the scanner's character classes of ASCII
_CLASSES[_DIGIT[:128]] = DIGIT

_LT, _GT, _AMP, _AT, _COLON, _SLASH, _DOT = 60, 62, 38, 64, 58, 47, 46
_SPACE, _APOS, _COMMA, _NEWLINE = 32, 39, 44, 10
_TAG_MAX = 2000  # characters between '<' and '>' (`_TAG`)


@njit(cache=True)
def _is_www(buf, i, end):
    """'www.' or 'WWW.' at i (as `"www." in text or "WWW." in text` sees it)."""
    if i + 4 > end or buf[i + 3] != _DOT:
        return False
    c = buf[i]
    return (c == 119 or c == 87) and buf[i + 1] == c and buf[i + 2] == c


@njit(cache=True)
def _needs_regex(buf, start, end, cfg):
    """True when the text holds something only the regex path handles exactly."""
    for i in range(start, end):
        c = buf[i]
        if not _WATCH[c]:
            continue
        if c == _AMP and cfg.html:
            return True
        if c == _LT and cfg.lt_special:
            return True
        if cfg.urls:
            if c == _AT:
                return True
            if c == _COLON and i + 2 < end and buf[i + 1] == _SLASH and buf[i + 2] == _SLASH:
                return True
            if (c == 119 or c == 87) and _is_www(buf, i, end):
                return True
    return False


@njit(cache=True)
def _clean(buf, start, end, out, cfg):
    """out[start:end] = the text with tags as spaces (same length) and lowercased."""
    i = start
    while i < end:
        c = buf[i]
        if c == _LT and cfg.html:
            j = i + 1
            stop = min(end, i + _TAG_MAX + 2)  # '>' at most 2001 places after '<'
            while j < stop and buf[j] != _GT and buf[j] != _LT:
                j += 1
            if j < stop and buf[j] == _GT:
                out[i : j + 1] = _SPACE
                i = j + 1
                continue
        if cfg.lowercase and 65 <= c <= 90:
            c += 32
        out[i] = c
        i += 1


@njit(inline="always")
def _token_end(text, i, end):
    """End of the `_WORD` match that starts at the letter or digit at i: fast/scan.py's scanner."""
    return word_end(text, i, end, _CLASSES)


@njit(cache=True)
def regex_texts(buf, bounds, regex_path, cfg):
    """Set regex_path[t] for the texts buf[bounds[t]:bounds[t+1]] the scanner cannot do exactly."""
    for t in range(len(bounds) - 1):
        if not regex_path[t] and _needs_regex(buf, bounds[t], bounds[t + 1], cfg):
            regex_path[t] = 1


# The hash table: ``slots`` (2^k,) int32 word or -1, at most half full; per word ``word_hash``
# (U,) uint64 and ``word_start``/``word_len`` (U,) int64 into ``word_bytes``, where the words lie
# one after another in first-seen order, each followed by a newline.


@njit(cache=True)
def _grown(slots, word_hash, n_words):
    """The table doubled, every word re-placed."""
    new = np.full(2 * len(slots), -1, np.int32)
    mask = np.uint64(len(new) - 1)
    for w in range(n_words):
        s = _slot(word_hash[w], mask)
        while new[s] != -1:
            s = (s + np.uint64(1)) & mask
        new[s] = w
    return new


@njit(cache=True)
def _slot(h, mask):
    return (h ^ (h >> np.uint64(29))) & mask


@njit(inline="always")
def _word_id(clean, i, j, slots, table, n_words, n_bytes):
    """The id of the word clean[i:j]: found in the table, or added to it. Returns (id, slots, words, bytes)."""
    _, word_hash, word_start, word_len, word_bytes, _ = table
    n = j - i
    h = fnv64(clean, i, j)
    mask = np.uint64(len(slots) - 1)
    s = _slot(h, mask)
    while True:
        w = slots[s]
        if w == -1:
            w = n_words
            slots[s] = w
            word_hash[w], word_start[w], word_len[w] = h, n_bytes, n
            word_bytes[n_bytes : n_bytes + n] = clean[i:j]
            word_bytes[n_bytes + n] = _NEWLINE
            n_bytes += n + 1
            n_words += 1
            if 2 * n_words > len(slots):
                slots = _grown(slots, word_hash, n_words)
            return w, slots, n_words, n_bytes
        if word_hash[w] == h and word_len[w] == n:
            a = word_start[w]
            k = 0
            while k < n and word_bytes[a + k] == clean[i + k]:
                k += 1
            if k == n:
                return w, slots, n_words, n_bytes
        s = (s + np.uint64(1)) & mask


@njit(cache=True)
def scan_batch(buf, bounds, regex_path, tokens, token_bounds, cfg, table):
    """Texts in order -> (ids (N,) int32 word ids, lengths (T,) int64 tokens per text, slots).
    Text t is scanned from buf[bounds[t]:bounds[t+1]] (ASCII), or where regex_path[t] is set, its
    regex tokens are read from tokens[token_bounds[t]:token_bounds[t+1]] (UTF-8, separated by
    spaces). ``table`` = (slots, word_hash, word_start, word_len, word_bytes, counts): the hash
    table, kept across calls (counts = [words, bytes of word_bytes used]); new words are added
    after the others (the caller leaves room for every token to be new); ``slots`` may be
    replaced by a larger table, hence returned."""
    slots, word_hash, word_start, word_len, word_bytes, counts = table
    n_texts = len(bounds) - 1
    clean = np.empty(len(buf) + len(tokens), np.uint8)  # cleaned texts, then the regex tokens
    clean[len(buf) :] = tokens
    ids = np.empty(len(clean) // 2 + n_texts + 1, np.int32)  # a token is a byte or more, plus a separator
    lengths = np.zeros(n_texts, np.int64)
    n_ids = 0
    n_words, n_bytes = counts[0], counts[1]
    for t in range(n_texts):
        pretokenized = regex_path[t] != 0
        if pretokenized:
            start, end = len(buf) + token_bounds[t], len(buf) + token_bounds[t + 1]
        else:
            start, end = bounds[t], bounds[t + 1]
            _clean(buf, start, end, clean, cfg)
        before = n_ids
        i = start
        while i < end:
            if pretokenized:
                j = i
                while j < end and clean[j] != _SPACE:
                    j += 1
                if j == i:
                    i += 1
                    continue
            elif not _ALNUM[clean[i]]:
                i += 1
                continue
            else:
                j = _token_end(clean, i, end)
            w, slots, n_words, n_bytes = _word_id(clean, i, j, slots, table, n_words, n_bytes)
            ids[n_ids] = w
            n_ids += 1
            i = j
        lengths[t] = n_ids - before
    counts[0], counts[1] = n_words, n_bytes
    return ids[:n_ids], lengths, slots
