"""The sample district as a real one is set up: the 26 units of Văn Giang from the samples
file, the 2022 period, invites for two officers per unit and for the appraisal team."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from bot.app import App
from bot.cli.units_file import read_units
from storage import people
from storage.admin import periods as period_admin
from storage.admin import units as unit_admin
from storage.models import Answer, Assessment, Role, Unit

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "units-van-giang-2022.csv"


@dataclass(frozen=True)
class District:
    units: dict[str, int]  # code -> unit id, the 26 units the district appraises first
    assessments: dict[str, int]  # code -> the 2022 assessment's id

    @property
    def codes(self) -> list[str]:
        return list(self.units)


async def sample_district(app: App) -> District:
    """Import the sample units and open the 2022 period (as `danvan units import` and
    `danvan period create` do)."""
    rows, problems = read_units(SAMPLE)
    assert not problems
    async with app.sessions() as s, s.begin():
        await unit_admin.import_units(s, rows)
        authority = await unit_admin.need_unit(s, "VG")
        await period_admin.create_period(
            s,
            authority,
            year=2022,
            rubric_id="hung-yen-2022",
            submit_by=date(2022, 11, 15),
            appraise_by=date(2022, 12, 1),
            report_by=date(2022, 12, 10),
        )
    async with app.sessions() as s:
        found = (
            await s.execute(
                select(Unit.code, Unit.id, Assessment.id)
                .join(Assessment, Assessment.unit_id == Unit.id)
                .order_by(Unit.kind, Unit.code)
            )
        ).all()
    assert len(found) == 26
    return District({c: u for c, u, _ in found}, {c: a for c, _, a in found})


async def invite(app: App, code: str, role: Role = Role.OFFICER) -> str:
    async with app.sessions() as s, s.begin():
        unit = await unit_admin.need_unit(s, code)
        return (await people.create_invite(s, role, unit.id)).token


async def fill(app: App, district: District, code: str) -> None:
    """Every item of the unit scored (``tests.test_conversations_engine.SCORES``) and
    described, as if its officer had answered; the submission itself is left to the test."""
    from tests.support import rubric
    from tests.test_conversations_engine import SCORES

    r = rubric()
    async with app.sessions() as s, s.begin():
        aid = district.assessments[code]
        for item in r.items():
            points = Decimal(str(SCORES[item.id]))
            choice = next((c.id for c in item.choices if c.points == points), None)
            s.add(
                Answer(
                    assessment_id=aid,
                    item_id=item.id,
                    score=points,
                    choice_id=choice,
                    results_text=f"Kết quả {item.id}",
                )
            )
