"""Reading what a person sent: a button key, a typed key, free text or a file."""

from __future__ import annotations

import unicodedata

from conversations.events import Choice, Event, FileUpload, Reply, Text

TEXT_LIMIT = 3500  # characters of one free-text answer (fits a Telegram message when echoed)


def _fold(text: str) -> str:
    """Case- and accent-insensitive form, without emoji/arrows: "◀ Quay lại" -> "quay lai"."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    kept = "".join(ch for ch in decomposed if ch.isalnum() or ch in " .,")
    return " ".join(kept.split())


def key_of(event: Event, prompt: Reply) -> str | None:
    """The button this event means: a pressed key, a typed key or a typed label."""
    keys = prompt.button_keys()
    if isinstance(event, Choice):
        return event.key if event.key in keys else None
    if isinstance(event, Text):
        typed = event.text.strip()
        bare = typed.rstrip(".)").rstrip().casefold()  # "ps." as a list is read: "ps"
        for row in prompt.buttons:
            for button in row:
                if bare == button.key.casefold():
                    return button.key
        for row in prompt.buttons:  # the label itself, e.g. the number of a listed unit
            for button in row:
                if typed == button.label:
                    return button.key
        folded = _fold(typed)
        if not any(ch.isalpha() for ch in folded):  # "-1" must not match the label "1"
            return None
        for row in prompt.buttons:
            for button in row:
                if folded == _fold(button.label):
                    return button.key
    return None


def text_of(event: Event) -> str | None:
    return event.text if isinstance(event, Text) else None


def file_of(event: Event) -> FileUpload | None:
    return event if isinstance(event, FileUpload) else None
