"""``danvan audit --unit CODE [--year Y] [--limit N]``: who changed what in an assessment, when."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import click

from bot.app import open_app
from bot.cli.base import CliError, local, main, parse_int, run, table
from bot.cli.period import STATUS_LABELS, parse_year
from bot.settings import get_settings
from storage.admin import audit as audit_admin
from storage.admin import units as unit_admin
from storage.models import AuditEvent, Status

ACTIONS = {
    "answer.score": "chấm điểm",
    "answer.results": "kết quả đạt được",
    "note.strengths": "ưu điểm",
    "note.shortcomings": "hạn chế",
    "evidence.add": "thêm tệp",
    "evidence.remove": "xóa tệp",
    "assessment.carry": "dùng lại năm trước",
    "assessment.rating": "đề xuất xếp loại",
    "assessment.submit": "nộp báo cáo",
    "assessment.return": "trả lại đơn vị",
    "assessment.appraise": "thẩm định xong",
    "assessment.finalize": "xếp loại chính thức",
    "appraisal.score": "thẩm định: chấm điểm",
    "appraisal.comment": "thẩm định: nhận xét",
    "appraisal.rating": "thẩm định: xếp loại",
}
WIDTH = 40


def shorten(value: str | None, action: str = "") -> str:
    if value is None or value == "":
        return "(trống)"
    if action.startswith("assessment.") and value in {s.value for s in Status}:
        return STATUS_LABELS[Status(value)]
    if action.endswith(".score"):
        try:
            return f"{Decimal(value).normalize():f}".replace(".", ",")
        except InvalidOperation:
            pass  # a tier's id
    flat = " ".join(value.split())
    return flat if len(flat) <= WIDTH else flat[: WIDTH - 1].rstrip() + "…"


def change(event: AuditEvent) -> str:
    if event.old is None and event.action.endswith((".add", ".carry")):
        return shorten(event.new)
    return f"{shorten(event.old, event.action)} → {shorten(event.new, event.action)}"


async def _audit(unit_code: str, year: int | None, limit: int) -> list[str]:
    async with open_app(get_settings()) as app, app.sessions() as s:
        unit = await unit_admin.need_unit(s, unit_code)
        assessment, period = await audit_admin.assessment_of(s, unit, year)
        events, total = await audit_admin.audit_rows(s, assessment.id, limit)
    head = f"Nhật ký thay đổi của {unit.name} ({unit.code}), năm {period.year}"
    if not events:
        return [f"{head}: chưa có thay đổi nào."]
    shown = f"{total} thay đổi"
    if total > len(events):
        shown = f"{len(events)} thay đổi gần nhất trong tổng số {total}"
    rows = [["LÚC", "NGƯỜI", "VIỆC", "MỤC", "THAY ĐỔI"]]
    for event, name in events:
        rows.append(
            [
                local(event.at),
                name or "(hệ thống)",
                ACTIONS.get(event.action, event.action),
                event.target or "",
                change(event),
            ]
        )
    return [f"{head} ({shown}, giờ Việt Nam):", *table(rows)]


@main.command()
@click.option("--unit", "unit_code", metavar="MÃ", help="Mã đơn vị, ví dụ VG-CUUCAO.")
@click.option("--year", metavar="NĂM", help="Năm đánh giá (mặc định: kỳ mới nhất).")
@click.option(
    "--limit",
    metavar="N",
    default="50",
    show_default=True,
    help="Số thay đổi gần nhất (0: tất cả).",
)
def audit(unit_code: str | None, year: str | None, limit: str) -> None:
    """Ai đã thay đổi gì, lúc nào, trong bài tự đánh giá của một đơn vị."""
    if not unit_code:
        raise CliError("Thiếu --unit. Ví dụ: danvan audit --unit VG-CUUCAO --year 2022")
    count = parse_int(limit, "--limit", 0, 100_000)
    year_value = parse_year(year) if year else None
    click.echo("\n".join(run(_audit(unit_code, year_value, count))))
