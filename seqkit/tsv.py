"""The one escaping rule for the text fields of TSV output (words, labels, queries), so that a value
can never split a row or a field, and a reader can undo it exactly:

    backslash -> \\\\    tab -> \\t    line feed -> \\n    carriage return -> \\r
    any other control character (U+0000-U+001F, U+007F-U+009F) -> \\xHH
    a Unicode line or paragraph separator (U+2028, U+2029) -> \\uHHHH

Every other character, the space included, is written as it is. `unescape` is the inverse.
docs/cli.md ("Conventions") states the rule for users.
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"[\\\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_ESCAPE = re.compile(r"\\(\\|t|n|r|x[0-9a-f]{2}|u[0-9a-f]{4})")
_UNNAMED = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def _one(m: re.Match) -> str:
    ch = m.group()
    if ch in _NAMED:
        return _NAMED[ch]
    return f"\\x{ord(ch):02x}" if ord(ch) <= 0xFF else f"\\u{ord(ch):04x}"


def escape(value: str) -> str:
    """``value`` as one TSV field (unchanged unless it holds a character of the rule above)."""
    return _SPECIAL.sub(_one, value) if _SPECIAL.search(value) else value


def unescape(field: str) -> str:
    """The value `escape` was given."""
    if "\\" not in field:
        return field
    return _ESCAPE.sub(lambda m: _UNNAMED.get(m.group(1)) or chr(int(m.group(1)[1:], 16)), field)
