"""Engine replies as plain Zalo text: Zalo has no buttons, so choices become a numbered list
that the officer answers by typing the number (or the letter of a navigation choice)."""

from __future__ import annotations

import re

from conversations.events import Button, Reply
from conversations.states import NAV_KEYS
from conversations.texts import msg

# "2", "2.", " 2 ", "2)", "b", "B." -> the key; anything else is passed on as typed
_TYPED_KEY = re.compile(r"\s*([0-9]{1,3}|[A-Za-z])\s*[.)]?\s*")


def typed_key(text: str) -> str:
    """What the officer typed, with the decoration of a list number taken off."""
    found = _TYPED_KEY.fullmatch(text)
    return found.group(1) if found else text


def _typed(button: Button) -> str:
    """What the person types for the button: its key, or its label when the label is the
    number the message shows (the appraiser's unit list: keys name assessments, "u12")."""
    return button.label if button.label.isdigit() and not button.key.isdigit() else button.key


def _is_number(button: Button) -> bool:
    return _typed(button).isdigit()


def _label(button: Button) -> str:
    """A tier's label "2 · 3 điểm" shown after its number reads "2. 3 điểm"."""
    prefix = f"{button.key} · "
    return button.label[len(prefix) :] if button.label.startswith(prefix) else button.label


def choices(reply: Reply) -> str:
    """The reply's buttons as lines: "1. ▶ Tiếp tục"; bare scores on one line; navigation
    (letter keys) gathered on the last line; then which answers are valid."""
    lines: list[str] = []
    letters: list[Button] = []
    for row in reply.buttons:
        numbered = [b for b in row if _is_number(b)]
        letters.extend(b for b in row if not _is_number(b))
        if numbered and all(b.label.strip() == _typed(b) for b in numbered):
            lines.append("   ".join(f"[{_typed(b)}]" for b in numbered))  # bare: "[0] [1] [2]"
        else:
            lines.extend(f"{b.key}. {_label(b)}" for b in numbered)
    if letters:
        lines.append(" · ".join(f"{b.key}. {b.label}" for b in letters))
    # what to type: the numbers, and letters that are not the navigation line's b/s/x/m
    keys = [
        _typed(b) for row in reply.buttons for b in row if _is_number(b) or b.key not in NAV_KEYS
    ]
    if keys:
        lines.append(msg("zalo_answer_with", keys=keys))
    return "\n".join(lines)


def text_of(reply: Reply) -> str:
    """The whole message a reply becomes on Zalo (links are added by the channel)."""
    if not reply.buttons:
        return reply.text
    return f"{reply.text}\n\n{choices(reply)}"
