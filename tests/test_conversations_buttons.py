"""Every screen of both conversations, with a real district's data (the 26 sample units, two
officers of one unit, submitted, appraised and returned assessments): every button the engine
shows survives each channel's way there and back (Telegram's callback data, what a Zalo or
console user types), and pressing it is taken as that button, never refused as forged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from bot.app import App, open_app
from bot.settings import Settings
from bot.telegram import callback, render
from bot.zalo import render as zalo
from bot.zalo.channel import event_of_text
from conversations.appraiser import units
from conversations.appraiser.scoring import CONFIRM, ITEM, RATING
from conversations.events import Button, Choice, Reply, Sender, Text
from conversations.input import key_of
from conversations.states import questionnaire
from storage import people
from storage.admin import units as unit_admin
from storage.models import Assessment, Person, Position, Role, Status
from tests.district_support import District, fill, sample_district
from tests.support import rubric

# End to end through the channel (or every screen): `make test-fast` leaves them out
pytestmark = pytest.mark.slow

A = Sender("telegram", "6001", "6001", "Nguyễn Văn An")
B = Sender("zalo", "z-6002", "z-6002", "Trần Thị Bình")
BOSS = Sender("telegram", "6009", "6009", "Phòng Nội vụ")


async def setup(app: App) -> District:
    district = await sample_district(app)
    for code in ("VG-CUUCAO", "VG-MESO", "VG-PNV", "VG-TTVHTT"):
        await fill(app, district, code)
    now = datetime(2022, 11, 10, tzinfo=UTC)
    async with app.sessions() as s, s.begin():
        for sender, code, role in ((A, "VG-CUUCAO", Role.OFFICER), (B, "VG-CUUCAO", Role.OFFICER),
                                   (BOSS, "VG", Role.APPRAISER)):  # fmt: skip
            person = await people.add_person(
                s, sender.display_name or "", sender.channel, sender.user_id, sender.chat_id
            )
            unit = district.units.get(code) or (await unit_admin.need_unit(s, code)).id
            await people.grant(s, person.id, role, unit)
        statuses = {
            "VG-MESO": dict(status=Status.SUBMITTED, submitted_at=now),
            "VG-PNV": dict(status=Status.APPRAISED, submitted_at=now, final_rating="tot"),
            "VG-TTVHTT": dict(status=Status.DRAFT, returned_reason="Bổ sung minh chứng"),
        }
        for code, values in statuses.items():
            await s.execute(
                update(Assessment).where(Assessment.id == district.assessments[code]).values(values)
            )
    return district


def officer_states(district: District) -> Iterator[str]:
    r = rubric()
    yield from ("menu", "review", "edit", "rating", "confirm", "signer_name", "signer_title")
    yield from (f"edit_criterion:{c.id}" for c in r.criteria)
    yield from (str(state) for state in questionnaire(r).steps)


def appraiser_states(district: District) -> Iterator[str]:
    for key in units.FILTERS:
        yield from (f"{units.UNITS}:{key}.{page}" for page in range(4))
    for aid in district.assessments.values():
        yield f"{units.UNIT}:{aid}"
    aid = district.assessments["VG-MESO"]
    yield from (f"{ITEM}:{aid}-{item.id}" for item in rubric().items())
    yield from (f"{RATING}:{aid}", f"{CONFIRM}:{aid}", f"{units.RETURN}:{aid}")


async def go(app: App, sender: Sender, state: str) -> None:
    """Put the person at ``state`` (as if they had got there)."""
    async with app.sessions() as s, s.begin():
        person = await people.person_for(s, sender.channel, sender.user_id)
        assert person is not None
        if state.startswith("a_"):
            person.cursor = state
        else:
            await s.execute(
                update(Position).where(Position.person_id == person.id).values(cursor=state)
            )


def typed(button: Button) -> str:
    """What a Zalo user types for the button, read off the rendered message."""
    return zalo._typed(button)


def round_trips(reply: Reply) -> list[Button]:
    """Each button through Telegram's callback data and through typing; the buttons."""
    buttons = [b for row in reply.buttons for b in row]
    markup = render.keyboard(reply)
    assert markup is not None and reply.target and reply.assessment_id is not None
    for button, shown in zip(
        buttons, (b for row in markup["inline_keyboard"] for b in row), strict=True
    ):
        assert shown["text"] == button.label
        assert callback.decode(shown["callback_data"]) == Choice(
            button.key, reply.target, reply.assessment_id
        )
        assert key_of(event_of_text(typed(button)), reply) == button.key, (button, reply.target)
        assert key_of(Text(button.key), reply) == button.key  # the console: the key itself
        assert typed(button) in zalo.text_of(reply)
    return buttons


async def walk(
    app: App, sender: Sender, states: Iterator[str], pressed: set[tuple[str, str]]
) -> int:
    """Every state's screen: every button round-trips; each kind of button is pressed once
    and must be taken (no "old button" notice)."""
    seen = 0
    for state in states:
        await go(app, sender, state)
        (screen,) = [r for r in await app.engine.current(sender) if r.buttons]
        assert screen.target == state, (screen.target, state)
        for button in round_trips(screen):
            seen += 1
            kind = (state.split(":")[0], button.key)
            if kind in pressed or button.key in ("y",):  # confirmations would end the walk
                continue
            pressed.add(kind)
            await go(app, sender, state)
            choice = Choice(button.key, screen.target, screen.assessment_id)
            replies = await app.engine.handle(sender, choice)
            assert not [r for r in replies if r.alert], (state, button)
    return seen


async def test_every_button_of_every_screen_round_trips(settings: Settings) -> None:
    settings.report_workers = 0  # the few documents pressed for: in this process
    async with open_app(settings) as app:
        district = await setup(app)
        await app.engine.handle(A, Text("/start"))
        await app.engine.handle(B, Text("/start"))
        pressed: set[tuple[str, str]] = set()
        officer = await walk(app, A, officer_states(district), pressed)
        await walk(app, B, iter(["menu", "review", "score:IV.1", "strengths:VIII"]), pressed)
        boss = await walk(app, BOSS, appraiser_states(district), pressed)
        assert officer > 300 and boss > 300, (officer, boss)  # (one question an item now)
        async with app.sessions() as s:
            assert await s.scalar(select(Person.id).where(Person.full_name == "Trần Thị Bình"))
