"""Text from evidence shown safely: bidi controls isolated or made visible.

A name or note carrying a right-to-left override (U+202E) can make the text after it
read backwards ("gpj.exe" shown for "exe.jpg"), and unbalanced embeddings spill onto
whatever is printed next. The report isolates each piece of user text (`<bdi>`), so its
direction stays inside it; where markup is impossible (terminal tables, an HTML title or
attribute), the controls are shown escaped, as `\\u202e`.
"""

from __future__ import annotations

import unicodedata

# Embeddings, overrides, isolates, and the invisible marks that steer them.
BIDI_CONTROLS = frozenset(
    [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def escape_controls(text: str) -> str:
    """`text` with bidi controls and other control characters (tabs, newlines, terminal
    escapes) written as visible escapes, so one cell cannot disturb the next."""
    if text.isprintable() and not any(ord(c) in BIDI_CONTROLS for c in text):
        return text
    return "".join(_escape(c) for c in text)


def _escape(char: str) -> str:
    code = ord(char)
    if code in BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Zl", "Zp"):
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return char
