"""Normalizing and tokenizing one piece of text, following classic NLP practice.

Order: HTML tags and entities -> URLs and e-mail addresses -> numbers -> case -> tokens.
Tokens are runs of letters and digits (Unicode-aware: 'café' is one word) with inner apostrophes
kept ("don't" is one token); punctuation and symbols (emoji included) are dropped or kept as
one-character tokens. The regex is built once for the chosen options, so the default path is a
single `findall` per piece of text.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Literal

URL_TOKEN, EMAIL_TOKEN, NUM_TOKEN = "<url>", "<email>", "<num>"

_TAG = re.compile(r"<[^<>]{0,2000}>")
_URL = re.compile(r"(?:https?://|ftp://|www\.)[^\s<>\"']+", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# A number standing alone: 42, 3.14, 1,000,000, -7 (the sign is punctuation). '1950s', 'mp3' are words.
_NUMBER = re.compile(r"(?<![^\W\d_])\d+(?:[.,]\d+)*(?![^\W_])")
# Letters and digits; inner apostrophes kept (don't), and so are inner '.'/',' before a digit
# (3.14, 1,000). One alternative, not three: this regex is most of preprocessing's time.
_WORD = r"[^\W_]+(?:(?:'[^\W_]|[.,]\d)[^\W_]*)*"
_SPECIAL = r"<(?:url|email|num)>"
_OTHER = r"[^\w\s]|_"  # one punctuation or symbol character


@dataclass(frozen=True)
class NormalizeOptions:
    lowercase: bool = True  # 'The' and 'the' are one word: what word2vec users nearly always want
    html: bool = True  # strip tags (<br />) and decode entities (&amp;): IMDB reviews are full of them
    urls: Literal["token", "drop", "keep"] = "token"  # <url>/<email> keep the signal, not the noise
    numbers: Literal["keep", "drop", "token"] = "keep"  # 'token' maps each number to <num>
    punct: Literal["drop", "keep"] = "drop"  # keep: each mark becomes its own token
    symbols: Literal["drop", "keep"] = "drop"  # other symbols and emoji

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d) -> "NormalizeOptions":
        """Options as a file records them; TypeError for a missing, unknown or invalid entry."""
        if not isinstance(d, dict):
            raise TypeError("normalize is not a JSON object")
        choices = {"urls": ("token", "drop", "keep"), "numbers": ("keep", "drop", "token"),
                   "punct": ("drop", "keep"), "symbols": ("drop", "keep")}
        unknown = set(d) - set(choices) - {"lowercase", "html"}
        if unknown:
            raise TypeError(f"unknown normalize entries {sorted(unknown)}")
        for key, value in d.items():
            ok = value in choices[key] if key in choices else isinstance(value, bool)
            if not ok or not isinstance(value, (str, bool)):
                raise TypeError(f"normalize entry {key} is {value!r}")
        return cls(**d)


def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P") or ch == "_"


class Normalizer:
    """``tokenize(text) -> list[str]`` for one set of options."""

    def __init__(self, options: NormalizeOptions = NormalizeOptions()):
        self.options = o = options
        keep_other = o.punct == "keep" or o.symbols == "keep"
        parts = [_WORD, _OTHER] if keep_other else [_WORD]
        self._token = re.compile("|".join(parts))
        # Used only for text where a <url>/<email>/<num> token was put in.
        self._token_special = re.compile("|".join([_SPECIAL] + parts))
        # Only when exactly one of punct/symbols is kept must single characters be classified.
        self._other_filter = None
        if keep_other and o.punct != o.symbols:
            want_punct = o.punct == "keep"
            self._other_filter = lambda t: len(t) > 1 or t[0].isalnum() or _is_punct(t[0]) == want_punct

    def tokenize(self, text: str) -> list[str]:
        o = self.options
        pattern = self._token
        if o.html and ("<" in text or "&" in text):
            text = _TAG.sub(" ", text)
            if "&" in text:
                text = html.unescape(text)
        if o.urls != "keep":
            if "://" in text or "www." in text or "WWW." in text:
                text = _URL.sub(" <url> " if o.urls == "token" else " ", text)
            if "@" in text:
                text = _EMAIL.sub(" <email> " if o.urls == "token" else " ", text)
            if o.urls == "token" and "<" in text:
                pattern = self._token_special
        if o.numbers != "keep":
            text = _NUMBER.sub(" <num> " if o.numbers == "token" else " ", text)
            if o.numbers == "token":
                pattern = self._token_special
        if o.lowercase:
            text = text.lower()
        if "’" in text:
            text = text.replace("’", "'")
        tokens = pattern.findall(text)
        if self._other_filter is not None:
            tokens = [t for t in tokens if self._other_filter(t)]
        return tokens
