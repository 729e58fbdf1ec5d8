"""Test helpers: drive the engine like a person would and snapshot what is stored."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.demo import DEMO_SENDER, ensure_demo
from bot.web.app import WebServer
from conversations.engine import Engine
from conversations.events import Choice, Command, Event, Reply, Sender, Start, Text
from reports.service import ReportService
from rubric.loader import load_rubric
from rubric.model import Rubric
from storage.models import Answer, Assessment, AuditEvent, CriterionNote, Evidence, Position

RUBRIC_ID = "hung-yen-2022"


async def settle(turns: int = 50) -> None:
    """Every task that can run now runs: the event loop turns ``turns`` times and no time is
    waited (for checking that something did *not* happen, e.g. work that must wait its turn)."""
    for _ in range(turns):
        await asyncio.sleep(0)


@asynccontextmanager
async def serving(server: WebServer) -> AsyncIterator[WebServer]:
    """``server`` serving while inside: entered the moment its sockets listen (it says so, as
    ``danvan run`` waits for it), left once it has shut down."""
    task = asyncio.create_task(server.serve())
    told = asyncio.create_task(server.listening.wait())
    await asyncio.wait([task, told], return_when=asyncio.FIRST_COMPLETED)
    if not server.listening.is_set():  # it stopped before serving: its error, else say so
        told.cancel()
        await task
        raise RuntimeError("the web server stopped before it served")
    try:
        yield server
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def report_held(engine: Engine) -> AsyncIterator[asyncio.Event]:
    """``engine``'s real report maker, held while inside: the event is set once a report is
    being made, and it is made when the block ends (also when an assertion in it fails)."""
    made, making, make_report = asyncio.Event(), asyncio.Event(), engine.make_report

    async def held(*key: Any) -> list[Path]:
        making.set()
        await made.wait()
        return await make_report(*key)

    engine.make_report = held
    try:
        yield making
    finally:
        made.set()
        engine.make_report = make_report


def rubric() -> Rubric:
    return load_rubric(RUBRIC_ID)


def make_engine(sessions: async_sessionmaker[AsyncSession], tmp: Path) -> Engine:
    reports = ReportService(sessions, load_rubric, tmp / "evidence", tmp / "out")
    return Engine(sessions, load_rubric, reports.write, tmp / "evidence")


@dataclass
class Chat:
    """One person talking to the engine; keeps the last replies for assertions."""

    engine: Engine
    sender: Sender = DEMO_SENDER
    replies: list[Reply] = field(default_factory=list)

    async def send(self, event: Event) -> list[Reply]:
        self.replies = await self.engine.handle(self.sender, event)
        return self.replies

    async def say(self, text: str) -> list[Reply]:
        return await self.send(Text(text))

    async def press(self, key: str, target: str | None = None) -> list[Reply]:
        return await self.send(Choice(key, target))

    async def command(self, name: str) -> list[Reply]:
        return await self.send(Start() if name == "start" else Command(name))

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.replies)

    @property
    def last(self) -> Reply:
        return self.replies[-1]


async def setup_demo(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as s, s.begin():
        await ensure_demo(s)


async def snapshot(sessions: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    """Everything an officer's answers consist of, to compare before and after."""
    async with sessions() as s:
        assessment = await s.scalar(select(Assessment))
        answers = await s.execute(
            select(Answer.item_id, Answer.score, Answer.choice_id, Answer.results_text).order_by(
                Answer.item_id
            )
        )
        notes = await s.execute(
            select(
                CriterionNote.criterion_id, CriterionNote.strengths, CriterionNote.shortcomings
            ).order_by(CriterionNote.criterion_id)
        )
        evidence = await s.execute(select(Evidence.item_id, Evidence.sha256).order_by(Evidence.id))
        positions = await s.execute(
            select(Position.person_id, Position.cursor, Position.return_to).order_by(Position.id)
        )
        return {
            "positions": [tuple(r) for r in positions],
            "status": assessment.status if assessment else None,
            "changes": await s.scalar(select(func.count()).select_from(AuditEvent)),
            "answers": [tuple(r) for r in answers],
            "notes": [tuple(r) for r in notes],
            "evidence": [tuple(r) for r in evidence],
        }


def score_key(rubric: Rubric, item_id: str, points: float) -> str:
    """The button key that gives ``points`` to the item (tier number or the score)."""
    item = rubric.item(item_id)
    assert item is not None
    if item.is_tiered:
        n = next(n for n, c in enumerate(item.choices, 1) if float(c.points) == points)
        return str(n)
    return str(points).removesuffix(".0").replace(".", ",")
