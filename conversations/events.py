"""What a channel hands the engine (events) and what it gets back (replies).

Nothing here knows about Telegram, Zalo or the console: a channel turns its
update into one of the events below and renders each ``Reply`` as it can.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from conversations.grammar import is_key


@dataclass(frozen=True)
class Sender:
    channel: str  # "telegram" | "zalo" | "console"
    user_id: str
    chat_id: str | None = None
    display_name: str | None = None


@dataclass(frozen=True)
class Start:
    """``/start`` with an optional invite token (deep link payload)."""

    token: str | None = None


@dataclass(frozen=True)
class Command:
    """A slash command without arguments, e.g. ``tieptuc``, ``xemlai``."""

    name: str


@dataclass(frozen=True)
class Choice:
    """A button press. ``target`` names the question the button belonged to."""

    key: str
    target: str | None = None
    assessment_id: int | None = None  # the assessment the button was sent for


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class FileUpload:
    """A file already saved in the evidence store by the channel."""

    storage_key: str
    sha256: str
    size: int
    original_name: str
    mime_type: str
    kind: str  # "photo" | "document"
    caption: str | None = None
    # The item the file proves, when it did not come through the chat's current question
    # (the web upload page of a signed link); None: the item being asked about.
    item_id: str | None = None
    assessment_id: int | None = None  # the assessment the upload link was made for
    # False: the file came without a name (a phone's photo): ``original_name`` is only its
    # kind and extension ("anh.jpg"), and the file is named after its item and day on attaching
    named: bool = True


Event = Start | Command | Choice | Text | FileUpload


@dataclass(frozen=True)
class Recipient:
    """Someone other than the sender (a notification), reached on their own channel."""

    channel: str
    chat_id: str


@dataclass(frozen=True)
class Button:
    key: str  # what the person may also type, e.g. "2", "b", "IV.1" (conversations.grammar)
    label: str

    def __post_init__(self) -> None:
        if not is_key(self.key):
            raise ValueError(f"button key outside the grammar: {self.key!r}")


def button_rows(buttons: list[Button], per_row: int) -> list[list[Button]]:
    """Buttons laid out ``per_row`` to a row."""
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


@dataclass
class Reply:
    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    target: str | None = None  # the question these buttons answer (for stale-button checks)
    assessment_id: int | None = None
    document: Path | None = None  # a file to send (a report, an evidence file)
    filename: str | None = None  # the name it is sent under (default: the file's own)
    report_for: int | None = None  # make this assessment's report and send it as ``document``
    summary_for: int | None = None  # make this period's district summary files and send them
    # make an evidence bundle and send it: ("unit", assessment id) or ("district", period id)
    bundle: tuple[str, int] | None = None
    draft: bool = False  # the report is a draft (not submitted yet)
    report_kinds: tuple[str, ...] = ("unit",)  # "unit" (tự đánh giá), "outline" (tóm tắt)
    recipient: Recipient | None = None  # None: the sender's own chat
    expects: str | None = None  # "choice" | "score" | "text" | "file": how to read free input
    upload_item: str | None = None  # the item a file sent now would prove (the upload page's)
    alert: bool = False  # a short notice (Telegram: answerCallbackQuery alert)
    desk_for: int | None = None  # a sign-in link to the desk (the web pages) for this person

    def button_keys(self) -> set[str]:
        return {b.key for row in self.buttons for b in row}


class DocumentRefused(Exception):
    """A document that will not be made (e.g. a bundle too large to serve); the message says
    why, in Vietnamese, ready to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
