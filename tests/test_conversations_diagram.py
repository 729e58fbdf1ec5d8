"""The README's officer diagram is generated from ``OFFICER`` and every real move is declared."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.diagram import OFFICER
from conversations.events import Command, Event, Start
from tests.support import Chat, make_engine, setup_demo
from tests.test_conversations_engine import answer_everything, go_to

ROOT = Path(__file__).resolve().parents[1]


async def test_every_observed_move_is_in_the_diagram(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await setup_demo(sessionmaker)
    engine = make_engine(sessionmaker, tmp_path)
    seen: set[tuple[str, str]] = set()

    def observe(before: str, after: str, event: Event) -> None:
        if not isinstance(event, Start | Command):
            seen.add((before, after))

    engine.observers.append(observe)
    chat = Chat(engine)
    await chat.command("start")  # the first question
    for key in ("m", "3", "e", "b", "m", "1", "s", "b", "b", "1", "m", "1"):
        await chat.say(key)
    await answer_everything(chat)
    await go_to(chat, "II.1")
    for key in ("b", "hc", "b", "hc", "Không có hạn chế", "m", "2", "e", "2", "n", "s", "n"):
        await chat.say(key)
    for key in ("b", "n", "1", "b", "1", "y"):
        await chat.say(key)
    undeclared = {move for move in seen if not OFFICER.allowed(*move)}
    assert not undeclared, f"moves missing from conversations/diagram.py: {undeclared}"
    assert ("confirm", "submitted") in seen and len(seen) >= 20


def test_readme_shows_the_generated_diagram() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"```mermaid\n{OFFICER.mermaid()}```" in readme, "run: danvan diagram --write"
