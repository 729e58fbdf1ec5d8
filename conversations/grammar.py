"""What a button's key and a question's target may look like.

One grammar for the engine, which makes keys and targets, and for every channel, which must
carry them and read them back: Telegram packs them into 64 bytes of callback data, Zalo and the
console let a person type the key. A ``Button`` whose key breaks the grammar cannot be made, so
a screen can never offer a button that a channel would refuse to decode.
"""

from __future__ import annotations

import re

KEY = r"[A-Za-z0-9,._-]{1,12}"  # "2", "1,5", "b", "u12", "fa", "ps"
TARGET = r"[a-z_]{1,20}(?::[A-Za-z0-9._-]{1,24})?"  # "score:IV.1", "a_item:12-IV.1"

_KEY = re.compile(KEY, re.ASCII)
_TARGET = re.compile(TARGET, re.ASCII)


def is_key(text: str) -> bool:
    return _KEY.fullmatch(text) is not None


def is_target(text: str) -> bool:
    return _TARGET.fullmatch(text) is not None
