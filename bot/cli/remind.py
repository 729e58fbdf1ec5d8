"""``danvan remind --year Y [--dry-run] [--at ...]`` and ``danvan period schedule``: the deadline
reminders from the command line (the bot sends them by itself while it runs)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import click
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App, open_app, rubric_loader
from bot.cli.base import CliError, main
from bot.cli.period import period as period_group
from bot.reminders import Scheduler, Tally, utc_now
from bot.settings import get_settings
from conversations.reminders import Due, Schedule, Slot, plan, zone
from storage import reminders as store
from storage.models import Period, Unit

AUDIENCE = {"submit": "cán bộ các đơn vị chưa nộp", "overdue": "cán bộ các đơn vị chưa nộp"}
WHAT = {
    "submit": "nhắc hạn nộp",
    "overdue": "báo quá hạn nộp",
    "late": "danh sách đơn vị quá hạn nộp",
    "appraise": "nhắc hạn thẩm định",
    "appraise_late": "báo quá hạn thẩm định",
    "report": "nhắc hạn báo cáo cấp trên",
}


def _year(value: str | None) -> int:
    if not value or not value.strip().isdigit():
        raise CliError("Thiếu --year (năm của kỳ đánh giá), ví dụ: --year 2022.")
    return int(value)


async def _periods(s: AsyncSession, year: int, code: str | None) -> list[tuple[Period, Unit]]:
    found = [(p, u) for p, u in await store.periods_of_year(s, year) if code in (None, u.code)]
    if not found:
        of = f" của {code}" if code else ""
        raise CliError(f"Chưa có kỳ đánh giá năm {year}{of} (danvan period list).")
    return found


def _at(text: str | None, tz: ZoneInfo) -> datetime:
    if text is None:
        return utc_now()
    for fmt in ("%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    raise CliError(f"--at phải có dạng «2022-11-14 08:00» (giờ Việt Nam), đang là «{text}».")


def _when(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M %d/%m/%Y")


def _slot_line(slot: Slot, tz: ZoneInfo) -> str:
    what = WHAT[slot.kind]
    if slot.label.startswith("d-"):
        days = int(slot.label[2:])
        what += f" (còn {days} ngày)" if days else " (ngày cuối cùng)"
    return f"  {_when(slot.due, tz)}  {what} → {AUDIENCE.get(slot.kind, 'đoàn thẩm định')}"


def _due_lines(n: int, due: Due) -> list[str]:
    who = f"{due.contact.name} ({due.contact.channel} {due.contact.chat_id})"
    lines = [f"{n}. {who} · {due.unit.name} · {due.key}"]
    lines += [f"     {line}".rstrip() for line in due.reply.text.splitlines()]
    return lines


async def _remind(app: App, year: int, code: str | None, at_text: str | None, dry: bool) -> str:
    tz = ZoneInfo(app.settings.timezone)
    now = _at(at_text, tz)
    async with app.sessions() as s:
        found = await _periods(s, year, code)
    out: list[str] = []
    for period, authority in found:
        tz, schedule = zone(period), Schedule.of(period.reminder_schedule)
        head = f"Kỳ đánh giá năm {period.year} của {authority.name} ({authority.code})"
        out.append(f"{head}, lúc {_when(now, tz)}:")
        if schedule.is_quiet(now.astimezone(tz)):
            start, end = schedule.quiet
            out.append(f"  giờ nghỉ ({start:02d}:00–{end:02d}:00): không gửi lời nhắc nào.")
            continue
        if dry:
            out += await _dry(app, period, now, tz)
        else:
            out.append(f"  {_tally(await _send(app, period, now))}")
    return "\n".join(out)


async def _dry(app: App, period: Period, now: datetime, tz: ZoneInfo) -> list[str]:
    scheduler = Scheduler(app.sessions, rubric_loader(app.settings), _never, period_ids={period.id})
    dues = await scheduler.pending(now)
    lines = [line for n, due in enumerate(dues, 1) for line in _due_lines(n, due)]
    lines.append(f"Chạy thử: {len(dues)} lời nhắc sẽ được gửi; chưa gửi và chưa ghi gì.")
    upcoming = [x for x in plan(period, Schedule.of(period.reminder_schedule)) if x.due > now]
    if upcoming:
        lines.append(f"Lời nhắc tiếp theo theo lịch:\n{_slot_line(upcoming[0], tz)}")
    return lines


async def _never(due: Due) -> Any:
    raise AssertionError("a dry run sends nothing")


async def _send(app: App, period: Period, now: datetime) -> Tally:
    from telegram.error import TelegramError

    from bot.telegram.broadcast import Pacer, TelegramDelivery, make_bot

    try:
        async with make_bot(app) as bot:
            deliver = TelegramDelivery(bot, Pacer(app.settings.reminder_rate))
            rubric_for = rubric_loader(app.settings)
            scheduler = Scheduler(
                app.sessions, rubric_for, deliver, now=lambda: now, period_ids={period.id}
            )
            return await scheduler.tick()
    except TelegramError:  # before anything was sent: a wrong token, no network
        raise CliError(
            "Không kết nối được Telegram (kiểm tra TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL "
            "và mạng); chưa gửi lời nhắc nào."
        ) from None


def _tally(t: Tally) -> str:
    parts = [f"đã gửi {t.sent} lời nhắc"]
    if t.blocked:
        parts.append(f"{t.blocked} người đã chặn bot (đánh dấu «không liên lạc được»)")
    if t.failed or t.retry:
        parts.append(f"{t.failed + t.retry} lời nhắc không gửi được (xem nhật ký)")
    if t.taken:
        parts.append(f"{t.taken} lời nhắc do tiến trình khác gửi")
    return "; ".join(parts) + "."


@main.command()
@click.option("--year", help="Năm của kỳ đánh giá, ví dụ 2022.")
@click.option("--authority", help="Mã cơ quan thẩm định (mặc định: mọi kỳ của năm đó).")
@click.option("--dry-run", is_flag=True, help="Chỉ liệt kê ai sẽ được nhắc và nội dung; không gửi.")
@click.option(
    "--at", "at_text", help="Thời điểm giả định (chỉ với --dry-run), ví dụ «2022-11-14 08:00»."
)
def remind(year: str | None, authority: str | None, dry_run: bool, at_text: str | None) -> None:
    """Gửi ngay các lời nhắc hạn đang đến hạn (hoặc chạy thử với --dry-run)."""
    y = _year(year)
    settings = get_settings()
    if at_text is not None and not dry_run:
        raise CliError("--at chỉ dùng cùng --dry-run; khi gửi thật, thời điểm là bây giờ.")
    if not dry_run and not settings.telegram_bot_token:
        raise CliError("Chưa cấu hình TELEGRAM_BOT_TOKEN: không gửi được (thử --dry-run).")

    async def go() -> str:
        async with open_app(settings) as app:
            return await _remind(app, y, authority, at_text, dry_run)

    click.echo(asyncio.run(go()))


# --- danvan period schedule -------------------------------------------------------------------


def _offsets(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.replace(" ", "").split(",") if v]
    except ValueError:
        values = []
    if not values or not all(0 <= v <= 60 for v in values):
        raise CliError(f"--offsets là các số ngày trước hạn, ví dụ 7,3,1,0 (đang là «{text}»).")
    return sorted(set(values), reverse=True)


async def _schedule(year: int, code: str | None, offsets: str | None, hour: int | None) -> str:
    async with open_app(get_settings()) as app, app.sessions() as s, s.begin():
        found = await _periods(s, year, code)
        if len(found) > 1:
            codes = ", ".join(u.code for _, u in found)
            raise CliError(f"Năm {year} có nhiều kỳ đánh giá ({codes}); chọn bằng --authority.")
        period, authority = found[0]
        current = Schedule.of(period.reminder_schedule)
        data = current.as_json()
        if offsets is not None:
            data["offsets_days"] = _offsets(offsets)
        if hour is not None:
            if not 0 <= hour <= 23 or current.is_quiet_hour(hour):
                start, end = current.quiet
                raise CliError(f"--hour phải ngoài giờ nghỉ {start:02d}:00–{end:02d}:00.")
            data["hour"] = hour
        changed = offsets is not None or hour is not None
        if changed:
            period.reminder_schedule = data
        new, tz = Schedule.of(data), zone(period)
        days = ", ".join(str(d) for d in new.offsets)
        lines = [
            f"Lịch nhắc {'mới ' if changed else ''}của kỳ đánh giá năm {year} "
            f"({authority.code}): {days} ngày trước mỗi hạn, lúc {new.hour:02d}:00; "
            f"không gửi từ {new.quiet[0]:02d}:00 đến {new.quiet[1]:02d}:00.",
        ]
        lines += [_slot_line(slot, tz) for slot in plan(period, new)]
        return "\n".join(lines)


@period_group.command("schedule")
@click.option("--year", help="Năm của kỳ đánh giá.")
@click.option("--authority", help="Mã cơ quan thẩm định (khi năm đó có nhiều kỳ).")
@click.option("--offsets", help="Số ngày trước mỗi hạn, ví dụ 7,3,1,0 (0: sáng ngày hạn).")
@click.option("--hour", help="Giờ gửi (giờ Việt Nam), ví dụ 8.")
def schedule(
    year: str | None, authority: str | None, offsets: str | None, hour: str | None
) -> None:
    """Xem hoặc đổi lịch nhắc hạn của một kỳ đánh giá."""
    if hour is not None and not hour.strip().isdigit():
        raise CliError(f"--hour là giờ gửi, ví dụ 8 (đang là «{hour}»).")
    h = int(hour) if hour is not None else None
    click.echo(asyncio.run(_schedule(_year(year), authority, offsets, h)))
