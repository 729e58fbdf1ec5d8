"""What one press costs the database: the SQL statements an officer's score press and each of
the appraiser's buttons run, counted by a listener on the engine, on the sample district."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import App, open_app
from bot.settings import Settings
from conversations.events import Choice, Sender, Text
from tests.support import rubric, score_key
from tests.test_conversations_buttons import BOSS, A, appraiser_states, go, setup

# The most statements a press may run (issue 16: 4, two to load and two to write), so that a
# change that adds queries fails here. A score's or rating's audit event is written by the
# statement that changes it (storage.audit_triggers).
OFFICER_SCORE_PRESS = 4  # who and the lock (1), answers and place (1), the answer, the place
# An appraiser's score or rating press: who (with the units the person appraises for and their
# newest period), the unit's file (1: assessment, answers, appraisals, notes, files, changes,
# earlier year), then the appraisal (or the assessment's rating) and the person's cursor.
APPRAISER_BUTTON = 4
# A button that only moves (writes the cursor alone): opening a unit from the list, or the card's
# way back to it: who, the list, the file (the button is checked against the screen it is on),
# the cursor; any other: who, the file or the list, the cursor (3).
APPRAISER_MOVE = 4


@contextmanager
def counted(db: AsyncEngine) -> Iterator[list[str]]:
    """The statements run on ``db`` inside the block."""
    statements: list[str] = []

    def heard(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.sync_engine, "before_cursor_execute", heard)
    try:
        yield statements
    finally:
        event.remove(db.sync_engine, "before_cursor_execute", heard)


async def press(app: App, sender: Sender, state: str, key: str) -> list[str]:
    await go(app, sender, state)
    (screen,) = [r for r in await app.engine.current(sender) if r.buttons]
    with counted(app.db) as statements:
        replies = await app.engine.handle(sender, Choice(key, screen.target, screen.assessment_id))
    assert not [r for r in replies if r.alert], (state, key)
    return statements


async def test_an_officer_s_score_press(settings: Settings) -> None:
    settings.report_workers = 0
    async with open_app(settings) as app:
        await setup(app)
        await app.engine.handle(A, Text("/start"))
        costs = {}
        for item in rubric().items()[:6]:
            top = float(item.max_points)
            costs[item.id] = await press(
                app, A, f"score:{item.id}", score_key(rubric(), item.id, top)
            )
        worst = max(costs.values(), key=len)
        assert len(worst) <= OFFICER_SCORE_PRESS, "\n".join(worst)


async def test_every_appraiser_button(settings: Settings) -> None:
    settings.report_workers = 0
    async with open_app(settings) as app:
        district = await setup(app)
        costs: dict[tuple[str, str], list[str]] = {}
        for state in appraiser_states(district):
            await go(app, BOSS, state)
            (screen,) = [r for r in await app.engine.current(BOSS) if r.buttons]
            for button in (b for row in screen.buttons for b in row):
                kind = (state.split(":")[0], button.key)
                if kind in costs or button.key in ("y", "r", "f", "z"):
                    continue
                costs[kind] = await press(app, BOSS, state, button.key)
        assert len(costs) > 50  # every kind of button of every screen was pressed
        worst = max(costs.values(), key=len)
        assert len(worst) <= APPRAISER_BUTTON, "\n".join(worst)
        moves = [c for c in costs.values() if not [s for s in c if _writes(s, but="persons")]]
        worst = max(moves, key=len)
        assert len(worst) <= APPRAISER_MOVE, "\n".join(worst)


def _writes(statement: str, but: str) -> bool:
    """Whether the statement writes a table other than ``but``."""
    words = statement.split()
    return words[0] in ("INSERT", "UPDATE", "DELETE") and but not in words[:3]
