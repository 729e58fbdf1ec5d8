"""The appraiser's unit card shows the unit's earlier year beside this one: in 2026 the
province's appraiser opens xã Phụng Công, formed in 2025 of Cửu Cao and the old Phụng Công,
and reads each one's 2022 result, named (the appraised total when appraised); a unit with no
earlier result shows none. Opening the card costs no statement more than opening any unit."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from bot.app import App
from conversations.events import Sender
from storage import people
from storage.models import Answer, Appraisal, Assessment, Period, Role, Status, Unit
from tests.support import Chat
from tests.test_bot_cli_units import CliEnv
from tests.test_conversations_officer_carry import a_new_year, cli  # noqa: F401  (fixture)
from tests.test_conversations_statements import APPRAISER_BUTTON, counted

APPRAISER = Sender("telegram", "9201", "9201", "Chuyên viên Sở Nội vụ")


async def _submit(
    app: App, code: str, year: int, scores: dict[str, str], given: dict[str, str] | None = None
) -> int:
    """The unit's assessment of that year (made when there is none) submitted with ``scores``,
    and appraised with ``given`` when given; its id."""
    async with app.sessions() as s, s.begin():
        unit = await s.scalar(select(Unit).where(Unit.code == code))
        assert unit is not None
        a = await s.scalar(
            select(Assessment)
            .join(Period)
            .where(Assessment.unit_id == unit.id, Period.year == year)
        )
        if a is None:
            period = await s.scalar(select(Period).where(Period.year == year))
            assert period is not None
            a = Assessment(unit_id=unit.id, period_id=period.id)
            s.add(a)
            await s.flush()
        s.add_all(
            Answer(assessment_id=a.id, item_id=k, score=Decimal(v)) for k, v in scores.items()
        )
        for k, v in (given or {}).items():
            s.add(Appraisal(assessment_id=a.id, item_id=k, score=Decimal(v)))
        a.status = Status.APPRAISED if given else Status.SUBMITTED
        a.proposed_rating = "tot"
        a.final_rating = "kha" if given else None
        return a.id


def test_the_appraiser_s_card_shows_each_predecessor_s_2022_result(
    cli: CliEnv,  # noqa: F811  (the fixture imported above)
    tmp_path: Path,
) -> None:
    a_new_year(cli, tmp_path)  # Cửu Cao's 2022: 2 points, rated Yếu; merged into Phụng Công

    async def appraise(app: App) -> None:
        # the old Phụng Công's 2022: 80 points, 78,5 given, rated Khá
        await _submit(app, "VG-PHUNGCONG", 2022, {"I.1": "40", "I.2": "40"},
                      {"I.1": "40", "I.2": "38.5"})  # fmt: skip
        new = await _submit(app, "HY25-PHUNGCONG", 2026, {"I.1": "2"})
        other = await _submit(app, "HY25-SNV", 2026, {"I.1": "2"})  # a department: nothing before
        async with app.sessions() as s, s.begin():
            province = await s.scalar(select(Unit).where(Unit.code == "HY25"))
            assert province is not None
            person = await people.add_person(s, "Chuyên viên Sở Nội vụ", "telegram", "9201")
            await people.grant(s, person.id, Role.APPRAISER, province.id)

        chat = Chat(app.engine, APPRAISER)
        await chat.command("thamdinh")  # the submitted units
        assert "UBND xã Phụng Công" in chat.text and "Sở Nội vụ" in chat.text
        with counted(app.db) as statements:
            await chat.press(f"u{new}", chat.last.target)
        assert len(statements) <= APPRAISER_BUTTON, "\n".join(statements)
        card = chat.text
        assert card.startswith("🏛 UBND xã Phụng Công — năm 2026"), card
        assert (
            "Năm 2022 (UBND xã Cửu Cao): 2 điểm, Yếu\n"
            "Năm 2022 (UBND xã Phụng Công): 78,5 điểm, Khá (kết quả thẩm định)"
        ) in card

        await chat.press("b", chat.last.target)  # back to the list, then the department
        await chat.press(f"u{other}", chat.last.target)
        assert chat.text.startswith("🏛 Sở Nội vụ — năm 2026"), chat.text
        assert "Năm 2022" not in chat.text

    cli.app(appraise)
