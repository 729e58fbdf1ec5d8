"""The README's appraiser diagram is generated from ``APPRAISER``, every move the appraiser's
conversation makes is declared there, and every declared move happens."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.appraiser.flow import STATES
from conversations.diagram import APPRAISER
from conversations.events import Choice, Command, Event, Reply, Sender, Start, Text
from storage.models import Answer, Appraisal, Assessment, Evidence, Status, Unit, UnitKind
from tests.support import Chat, make_engine, rubric
from tests.test_conversations_reminders import APPRAISER as APPRAISER_ID
from tests.test_conversations_reminders import World, populate

ROOT = Path(__file__).resolve().parents[1]
# The unit card sums a criterion's scores from the integer 0 (chat.j2, unit_card) and the
# ``pts`` filter (rubric.scoring.fmt) takes only Decimals: a criterion without any self score
# (a drafting unit) or, once appraising began, without any appraisal score fails to render.
EXTRA_UNITS = 7  # 10 units in all: two pages of eight


async def appraisal_world(sessionmaker: async_sessionmaker[AsyncSession]) -> World:
    """``populate``'s district, plus: Liên Nghĩa (submitted) scored every item and sent a file,
    Tân Tiến did too and submitted (to be returned), and units without an assessment for a
    second page of the list."""
    async with sessionmaker() as s, s.begin():
        world = await populate(s)
        for code in ("VG-LIENNGHIA", "VG-TANTIEN"):
            for item in rubric().items():
                choice = item.choices[0] if item.is_tiered else None
                s.add(Answer(assessment_id=world.assessments[code], item_id=item.id,
                             score=choice.points if choice else item.max_points,
                             choice_id=choice.id if choice else None))  # fmt: skip
        s.add(Evidence(assessment_id=world.assessments["VG-LIENNGHIA"], item_id="II.1",
                       kind="document", original_name="bien-ban.pdf", mime_type="application/pdf",
                       size=10, sha256="1" * 64, storage_key="11/11"))  # fmt: skip
        tantien = await s.get(Assessment, world.assessments["VG-TANTIEN"])
        assert tantien is not None
        tantien.status, tantien.submitted_at = Status.SUBMITTED, datetime(2022, 11, 11, tzinfo=UTC)
        cuucao = await s.get(Unit, world.units["VG-CUUCAO"])
        assert cuucao is not None
        for n in range(1, EXTRA_UNITS + 1):
            s.add(Unit(code=f"VG-X{n}", name=f"UBND xã Thử {n}", kind=UnitKind.COMMUNE,
                       parent_id=cuucao.parent_id))  # fmt: skip
    return world


@dataclass
class Appraiser:
    """The appraiser at the engine, pressing buttons of the last question they were asked."""

    chat: Chat
    question: Reply | None = None
    sent: list[Reply] = field(default_factory=list)  # everything the last event produced

    async def send(self, event: Event) -> list[Reply]:
        self.sent = await self.chat.send(event)
        asked = [r for r in self.sent if r.buttons and r.recipient is None]
        if asked:
            self.question = asked[-1]
        return self.sent

    async def tap(self, label: str) -> list[Reply]:
        """The button with this label (or the only one starting with it)."""
        assert self.question is not None
        buttons = [b for row in self.question.buttons for b in row]
        found = [b for b in buttons if b.label == label] or [
            b for b in buttons if b.label.startswith(label)
        ]
        assert len(found) == 1, (label, [b.label for b in buttons])
        return await self.send(Choice(found[0].key, self.question.target))

    async def type(self, text: str) -> list[Reply]:
        return await self.send(Text(text))

    async def open_unit(self, name: str) -> None:
        """Tap the list number of the unit named on the current page."""
        assert self.question is not None
        line = next(line for line in self.question.text.splitlines() if name in line)
        await self.tap(line.split(".", 1)[0])

    @property
    def state(self) -> str:
        assert self.question is not None and self.question.target is not None
        return self.question.target

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.sent)


@pytest.mark.slow
async def test_every_appraiser_move_is_in_the_diagram_and_happens(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    world = await appraisal_world(sessionmaker)
    engine = make_engine(sessionmaker, tmp_path)
    seen: set[tuple[str, str]] = set()

    def observe(before: str, after: str, event: Event) -> None:
        if not isinstance(event, Start | Command):  # commands jump: notes in the diagram
            seen.add((before, after))

    engine.appraiser.observers.append(observe)
    boss = Appraiser(Chat(engine, Sender("telegram", str(APPRAISER_ID))))
    liennghia = world.assessments["VG-LIENNGHIA"]

    # The list: pages, filters.
    await boss.send(Command("donvi"))
    assert "Lọc: Tất cả · trang 1/2" in boss.text
    await boss.tap("Trang sau ▶")
    assert "trang 2/2" in boss.text and "UBND xã Thử 7" in boss.text
    await boss.tap("◀ Trang trước")
    for label in ("Chưa nộp", "Đã thẩm định", "Đã nộp"):
        await boss.tap(label)
        assert f"Lọc: {label}" in boss.text
    assert "UBND xã Cửu Cao" not in boss.text and "UBND xã Liên Nghĩa" in boss.text
    await boss.tap("Tất cả")

    # A submitted unit: its reports and files, back to the list.
    await boss.open_unit("UBND xã Liên Nghĩa")
    await boss.tap("📄 Báo cáo")
    assert sum(bool(r.document and r.document.suffix == ".docx") for r in boss.sent) == 2
    await boss.tap("📎 Tệp minh chứng")
    assert "II.1 · bien-ban.pdf" in boss.text
    await boss.tap("◀ Danh sách")

    # Appraising it item by item.
    await boss.open_unit("UBND xã Liên Nghĩa")
    await boss.tap("✍️ Thẩm định")
    assert boss.state == f"a_item:{liennghia}-I.1"
    await boss.tap("◀")  # before the first item: the unit's card
    assert boss.state == f"a_unit:{liennghia}"
    await boss.tap("✍️ Thẩm định")
    await boss.type("Kế hoạch chưa có số, ngày ban hành.")  # a comment, the item stays
    assert "Đã ghi nhận xét cho mục I.1" in boss.text and boss.state.endswith("-I.1")
    await boss.tap("= Như đơn vị")
    await boss.type("1,5")  # I.2, typed
    await boss.tap("◀")  # back to I.2
    assert boss.state.endswith("-I.2") and "Điểm thẩm định hiện tại: 1,5" in boss.text
    await boss.tap("Bỏ qua ▶")
    assert boss.state.endswith("-I.3")
    while boss.state.startswith("a_item"):
        await boss.tap("Bỏ qua ▶")  # past the last item: the rating
    await boss.tap("Tốt")
    assert "Chưa thể xếp loại" in boss.text and boss.state.endswith("-I.3")
    while boss.state.startswith("a_item"):
        await boss.tap("= Như đơn vị")
    assert "Tổng điểm thẩm định của UBND xã Liên Nghĩa" in boss.text
    await boss.tap("◀ Quay lại")  # the last item
    assert boss.state.endswith(f"-{rubric().items()[-1].id}")
    await boss.tap("Bỏ qua ▶")
    await boss.tap("Tốt")
    await boss.tap("◀ Quay lại")  # from the confirmation to the rating
    await boss.tap("Tốt")
    await boss.tap("✅ Xác nhận kết quả")
    assert "Đã ghi kết quả thẩm định của UBND xã Liên Nghĩa" in boss.text
    assert boss.state == f"a_unit:{liennghia}"
    await boss.tap("✍️ Thẩm định")  # once more, then back to the card with "☰ Đơn vị"
    await boss.tap("☰ Đơn vị")
    assert boss.state == f"a_unit:{liennghia}"

    # Returning Tân Tiến: cancelled once, then with a reason.
    await boss.tap("◀ Danh sách")
    await boss.tap("Đã nộp")
    await boss.open_unit("UBND xã Tân Tiến")
    await boss.tap("↩️ Trả lại")
    await boss.tap("◀ Huỷ")
    await boss.tap("↩️ Trả lại")
    await boss.type("Đề nghị bổ sung tài liệu kiểm chứng cho tiêu chí 4.")
    assert "Đã trả lại báo cáo cho UBND xã Tân Tiến" in boss.text
    assert sum(r.recipient is not None for r in boss.sent) == 2  # its two officers

    await boss.send(Command("tonghop"))
    assert [r.summary_for for r in boss.sent] == [world.period_id]
    await boss.send(Command("thamdinh"))
    assert "Lọc: Đã nộp" in boss.text

    async with sessionmaker() as s:
        rows = dict((await s.execute(select(Assessment.id, Assessment.status))).all())
        given = {
            a.item_id: a
            for a in await s.scalars(select(Appraisal).where(Appraisal.assessment_id == liennghia))
        }
    assert rows[liennghia] == Status.APPRAISED
    assert rows[world.assessments["VG-TANTIEN"]] == Status.DRAFT
    assert given["I.2"].score == Decimal("1.5") and "chưa có số" in (given["I.1"].comment or "")

    undeclared = {move for move in seen if not APPRAISER.allowed(*move)}
    assert not undeclared, f"moves missing from APPRAISER in conversations/diagram.py: {undeclared}"
    never = {(m[0], m[1]) for m in APPRAISER.moves} - seen
    assert not never, f"moves in APPRAISER that the conversation never made: {never}"


def test_the_diagram_names_every_appraiser_state() -> None:
    assert APPRAISER.states() == set(STATES)


def test_readme_shows_the_generated_appraiser_diagram() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"```mermaid\n{APPRAISER.mermaid()}```" in readme, "run: danvan diagram --write"


async def test_a_card_with_a_criterion_nobody_scored_yet(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await appraisal_world(sessionmaker)
    boss = Appraiser(
        Chat(make_engine(sessionmaker, tmp_path), Sender("telegram", str(APPRAISER_ID)))
    )
    await boss.send(Command("donvi"))
    await boss.open_unit("UBND xã Cửu Cao")  # drafting: 3 items of criteria I and II scored
    assert "III. Tiêu chí 3: tự chấm 0/" in boss.text
    await boss.tap("◀ Danh sách")
    await boss.open_unit("UBND xã Liên Nghĩa")
    await boss.tap("✍️ Thẩm định")
    await boss.tap("= Như đơn vị")
    await boss.tap("☰ Đơn vị")  # one item appraised: criteria II… have no appraisal score
    assert "II. Tiêu chí 2: tự chấm 10/10 · thẩm định 0" in boss.text
