"""Callback data of inline buttons: short ASCII naming the assessment, question and choice.

Format ``1|<assessment id>|<target>|<key>``, e.g. ``1|12|score:IV.1|3``; the leading ``1``
is the format's version. Targets and keys follow ``conversations.grammar``, the same grammar
the engine makes them with. Telegram allows 64 bytes; anything else decodes to ``None``.
"""

from __future__ import annotations

import re

from conversations.events import Choice
from conversations.grammar import KEY, TARGET

VERSION = "1"
LIMIT = 64
_PATTERN = re.compile(
    rf"1\|(?P<aid>0|[1-9][0-9]{{0,11}})\|(?P<target>{TARGET})\|(?P<key>{KEY})", re.ASCII
)


def encode(assessment_id: int, target: str, key: str) -> str:
    data = f"{VERSION}|{assessment_id}|{target}|{key}"
    if len(data.encode()) > LIMIT or not _PATTERN.fullmatch(data):
        raise ValueError(f"callback data not encodable: {data!r}")
    return data


def decode(data: str | None) -> Choice | None:
    """The button press this data names, or None for anything malformed or forged."""
    if not data or len(data.encode("utf-8", "replace")) > LIMIT:
        return None
    m = _PATTERN.fullmatch(data)
    if m is None:
        return None
    return Choice(key=m["key"], target=m["target"], assessment_id=int(m["aid"]))
