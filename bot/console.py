"""The console channel: the officer's conversation in a terminal, or from piped lines."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from bot.app import App
from bot.channel.uploads import Rejected, accept_path
from conversations.events import Command, Event, Reply, Sender, Start, Text
from conversations.officer.flow import COMMANDS
from conversations.states import State
from conversations.texts import msg

QUIT = {"/thoat", "/quit", "/exit"}


def render(reply: Reply) -> str:
    """A reply as terminal text: the message, then its choices as "[key] label"."""
    lines = [msg("console_to", chat=reply.recipient.chat_id)] if reply.recipient else []
    lines.append(reply.text)
    if reply.document is not None:
        lines.append(msg("console_document", path=str(reply.document)))
    for row in reply.buttons:
        lines.append("   ".join(f"[{b.key}] {b.label}" for b in row))
    if reply.upload_item is not None:
        lines.append(msg("console_file_hint", item=reply.upload_item))
    return "\n".join(lines)


def parse_line(line: str) -> Event:
    text = line.strip()
    if text.startswith("/"):
        name, _, arg = text[1:].partition(" ")
        name = name.split("@")[0].lower()
        return Start(arg.strip() or None) if name == "start" else Command(name)
    return Text(line.rstrip("\n"))


class Console:
    def __init__(self, app: App, sender: Sender, out: TextIO = sys.stdout) -> None:
        self.app = app
        self.sender = sender
        self.out = out
        self.last: Reply | None = None

    def show(self, replies: list[Reply]) -> None:
        for reply in replies:
            print(render(reply), file=self.out, end="\n\n", flush=True)
            if reply.buttons or reply.expects or reply.target:
                self.last = reply

    async def send(self, event: Event) -> None:
        self.show(await self.app.engine.handle(self.sender, event))

    async def line(self, line: str) -> None:
        event = parse_line(line)
        if isinstance(event, Command) and event.name not in COMMANDS:
            event = Text(line.rstrip("\n"))  # e.g. an absolute path: "/home/..."
        if isinstance(event, Text) and self._wants_file(event.text):
            upload = await accept_path(
                Path(event.text.strip()).expanduser(), self.app.files, self.app.max_upload_bytes
            )
            if isinstance(upload, Rejected):
                print(upload.message, file=self.out, end="\n\n", flush=True)
                return
            event = upload
        await self.send(event)

    def _wants_file(self, text: str) -> bool:
        """A line that is a path ("/…", "~/…", "./…", or a file that exists) where a file
        would prove an item: the file (a chat's photo, here)."""
        last, typed = self.last, text.strip()
        if last is None or last.upload_item is None or not typed:
            return False
        if any(typed.casefold() == k.casefold() for k in last.button_keys()):
            return False
        return typed.startswith(("/", "~", "./")) or Path(typed).expanduser().is_file()

    async def run(self, stdin: TextIO = sys.stdin) -> int:
        """Converse until the input ends; everything is already saved when it does."""
        await self.send(Start())
        interactive = stdin.isatty()
        while True:
            if interactive:
                print("> ", end="", file=self.out, flush=True)
            line = stdin.readline()
            if not line:
                break
            if line.strip() in QUIT:
                break
            if not interactive:
                print(f"> {line.rstrip()}", file=self.out, flush=True)
            await self.line(line)
        await self.goodbye()
        return 0

    async def goodbye(self) -> None:
        where = State.parse(self.last.target if self.last else None)
        print(msg("console_bye", kind=where.kind, ref=where.ref), file=self.out, flush=True)
