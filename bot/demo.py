"""``danvan demo``: a demo district, unit, period and officer, then the console conversation."""

from __future__ import annotations

import sys
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import open_app
from bot.console import Console
from bot.settings import Settings
from conversations.events import Sender
from storage import people
from storage.models import Assessment, Period, Role, Unit, UnitKind

DEMO_SENDER = Sender(channel="console", user_id="demo", chat_id="demo", display_name="Cán bộ demo")
DISTRICT = {
    "code": "VG",
    "name": "UBND huyện Văn Giang",
    "kind": UnitKind.DISTRICT,
    "short_name": "UBND",
    "place": "Văn Giang",
    "head_title": "CHỦ TỊCH",
    "head_name": "Phạm Văn Hòa",  # made up for the demo
}
UNIT = {
    "code": "VG-CUUCAO",
    "name": "UBND xã Cửu Cao",
    "short_name": "UBND",
    "kind": UnitKind.COMMUNE,
    "place": "Cửu Cao",
    "head_title": "CHỦ TỊCH",
    "head_name": "Nguyễn Văn Thành",  # made up for the demo
}
PERIOD = {
    "year": 2022,
    "rubric_id": "hung-yen-2022",
    "submit_by": date(2022, 11, 15),
    "appraise_by": date(2022, 12, 1),
    "report_by": date(2022, 12, 10),
}


async def _unit(s: AsyncSession, parent_id: int | None, **fields: object) -> Unit:
    found = await s.scalar(select(Unit).where(Unit.code == fields["code"]))
    if found is None:
        found = Unit(parent_id=parent_id, **fields)
        s.add(found)
        await s.flush()
    return found


async def ensure_demo(s: AsyncSession, reset: bool = False) -> Unit:
    """Create (once) the demo data; ``reset`` deletes the demo unit's assessment."""
    district = await _unit(s, None, **DISTRICT)
    unit = await _unit(s, district.id, **UNIT)
    period = await s.scalar(
        select(Period).where(Period.year == PERIOD["year"], Period.authority_id == district.id)
    )
    if period is None:
        s.add(Period(authority_id=district.id, **PERIOD))
    person = await people.person_for(s, DEMO_SENDER.channel, DEMO_SENDER.user_id)
    if person is None:
        person = await people.add_person(
            s, "Cán bộ demo", DEMO_SENDER.channel, DEMO_SENDER.user_id, DEMO_SENDER.chat_id
        )
    await people.grant(s, person.id, Role.OFFICER, unit.id)
    if reset:
        await s.execute(delete(Assessment).where(Assessment.unit_id == unit.id))
    return unit


async def run_demo(settings: Settings, reset: bool = False) -> int:
    async with open_app(settings) as app:
        async with app.sessions() as s, s.begin():
            await ensure_demo(s, reset=reset)
        return await Console(app, DEMO_SENDER).run(sys.stdin)
