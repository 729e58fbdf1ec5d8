"""Long chat messages cut into parts a channel accepts (Telegram 4096, Zalo 2000 characters)."""

from __future__ import annotations

import unicodedata


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` characters, at a paragraph break, else a
    line break, else a space (a word longer than ``limit`` is cut). Only the whitespace at the
    cuts (and around the text) is dropped; no part is empty."""
    if limit < 1:
        raise ValueError("limit must be positive")
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _cut(rest, limit)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def _cut(text: str, limit: int) -> int:
    """Where to cut ``text`` (longer than ``limit``, no leading whitespace): 0 < cut <= limit."""
    window = text[: limit + 1]  # a separator right after ``limit`` characters still counts
    for earliest in (limit // 2, 1):  # prefer a late paragraph break over an early one
        for separator in ("\n\n", "\n", " "):
            at = window.rfind(separator)
            if at >= max(earliest, 1):
                return at
    cut = limit
    while cut > 1 and unicodedata.combining(text[cut]):  # keep a diacritic with its letter
        cut -= 1
    return cut
