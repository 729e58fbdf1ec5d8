"""Property-based tests (Hypothesis, derandomized: the same cases every run) of everything that
reads what people and platforms send: callback data, Zalo update bodies and typed texts, and
texts typed at a score question of the real engine. Nothing is accepted wrongly; nothing
raises."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update

from bot.app import App, open_app
from bot.demo import ensure_demo
from bot.settings import Settings
from bot.telegram import callback
from bot.zalo.channel import event_of_text
from bot.zalo.render import typed_key
from bot.zalo.updates import parse
from conversations.events import Choice, Command, Sender, Start, Text
from conversations.grammar import is_key, is_target
from storage import people
from storage.models import Answer, Position, Role, Unit
from tests.fuzzing import fuzz
from tests.support import rubric

FUZZ = fuzz(300)

# Data that looks like ours, then broken in every way a forger or a platform might.
LIKE_DATA = st.from_regex(r"1\|\d{1,14}\|[a-z_]{0,22}(:[A-Za-z0-9.\-]{0,26})?\|[ -~]{0,14}")
ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=80)


@FUZZ
@given(st.one_of(LIKE_DATA, ANY_TEXT, LIKE_DATA.map(lambda d: d + "\n")))
def test_callback_data_decodes_only_what_encode_makes(data: str) -> None:
    choice = callback.decode(data)
    if choice is not None:
        assert choice.assessment_id is not None and choice.target is not None
        assert is_key(choice.key) and is_target(choice.target)
        assert callback.encode(choice.assessment_id, choice.target, choice.key) == data


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=20,
)
UPDATE_KEYS = st.sampled_from(["event_name", "message", "from", "chat", "id", "message_id",
                               "text", "photo_url", "photo", "date", "ok", "result"])  # fmt: skip
LIKE_UPDATE = st.recursive(
    st.none() | st.integers() | ANY_TEXT | st.sampled_from(["message.text.received", "PRIVATE"]),
    lambda inner: st.dictionaries(UPDATE_KEYS, inner, max_size=6) | st.lists(inner, max_size=2),
    max_leaves=25,
)


@FUZZ
@given(st.one_of(JSON, LIKE_UPDATE, LIKE_UPDATE.map(json.dumps)))
def test_zalo_bodies_parse_or_are_refused(body: object) -> None:
    found = parse(body)
    if found is not None:
        assert found.event_name and found.message_id and found.chat_id and found.user_id
        assert all(isinstance(v, str | type(None)) for v in (found.text, found.photo_url))


@FUZZ
@given(ANY_TEXT)
def test_zalo_texts_become_events(text: str) -> None:
    event = event_of_text(text)
    assert isinstance(event, Text | Command | Start)
    key = typed_key(text)
    assert key == text or (key.strip() and key in text)


# -- the real engine, one database for all the cases ---------------------------------------


@pytest.fixture
def officer(settings: Settings) -> Iterator[tuple[asyncio.Runner, App]]:
    """An officer at the question of item I.1 (a score from 0 to 2, halves allowed)."""
    with asyncio.Runner() as runner:
        context = open_app(settings)
        app = runner.run(context.__aenter__())
        try:
            runner.run(_join(app))
            yield runner, app
        finally:
            runner.run(context.__aexit__(None, None, None))


async def _join(app: App) -> None:
    async with app.sessions() as s, s.begin():
        await ensure_demo(s)
        unit = await s.scalar(select(Unit).where(Unit.code == "VG-CUUCAO"))
        assert unit is not None
        person = await people.add_person(s, "Cán bộ", "zalo", "fz", "fz")
        await people.grant(s, person.id, Role.OFFICER, unit.id)
    await app.engine.handle(SENDER, Text("/start"))


SENDER = Sender("zalo", "fz", "fz")
ALLOWED = {Decimal(n) / 2 for n in range(5)}  # 0, 0.5, ..., 2


@pytest.mark.slow
@FUZZ
@given(st.one_of(ANY_TEXT, st.from_regex(r"\s*-?\d{0,3}([.,]\d{0,3})?\s*(điểm|đ|d)?\s*")))
def test_texts_at_a_score_question_score_only_what_the_item_allows(
    officer: tuple[asyncio.Runner, App], text: str
) -> None:
    runner, app = officer

    async def once() -> tuple[Decimal | None, list[str]]:
        async with app.sessions() as s, s.begin():
            await s.execute(update(Position).values(cursor="score:I.1"))
            await s.execute(update(Answer).values(score=None, choice_id=None))
        replies = await app.engine.handle(SENDER, event_of_text(text))
        async with app.sessions() as s:
            score = await s.scalar(select(Answer.score).where(Answer.item_id == "I.1"))
        return score, [r.text for r in replies]

    score, said = runner.run(once())
    assert said and all(said)  # always an answer, never silence
    assert score is None or score in ALLOWED  # nothing out of range or off the step
    item = rubric().item("I.1")
    assert item is not None and item.max_points == 2


def test_the_fuzzed_callbacks_include_well_formed_ones() -> None:
    """The strategies reach the accepting branch (a fuzz that never accepts tests nothing)."""
    data = callback.encode(12, "score:IV.1", "3")
    assert callback.decode(data) == Choice("3", "score:IV.1", 12)
    assert callback.decode(data + "\n") is None
