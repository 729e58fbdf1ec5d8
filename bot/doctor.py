"""``danvan doctor``: is this installation ready for the deadline week? Each check is a line:
✓ fine, ! worth a look, ✗ wrong (with what to do); any ✗ makes the command exit 1. Nothing is
changed: the Bot APIs are only asked (getMe, getWebhookInfo), the database only read."""

from __future__ import annotations

import enum
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.engine import make_url

from bot.settings import Settings
from rubric import vietnam
from storage import migrate
from storage.db import make_engine, make_sessionmaker
from storage.models import Identity, Membership, Period, Person, Role, Unit, newest_period_id

FREE_SPACE_LOW = 5 * 1024**3  # ! below this on the evidence disk
FREE_SPACE_MIN = 1024**3  # ✗ below this


class Level(enum.StrEnum):
    OK = "✓"
    WARN = "!"
    BAD = "✗"


@dataclass(frozen=True)
class Check:
    level: Level
    text: str

    def __str__(self) -> str:
        return f"{self.level} {self.text}"


def ok(text: str) -> Check:
    return Check(Level.OK, text)


def warn(text: str) -> Check:
    return Check(Level.WARN, text)


def bad(text: str) -> Check:
    return Check(Level.BAD, text)


async def examine(settings: Settings, today: date | None = None) -> list[Check]:
    today = today or vietnam.local(datetime.now(UTC)).date()
    checks = [_clock(settings)]
    database = await _database(settings)
    checks.append(database)
    if database.level is Level.OK:
        checks.extend(await _periods(settings, today))
    checks.extend(_evidence(Path(settings.evidence_dir)))
    checks.append(_libreoffice())
    checks.extend(await _telegram(settings))
    checks.extend(await _zalo(settings))
    return checks


def _clock(settings: Settings) -> Check:
    try:
        zone = vietnam.zone(settings.timezone)
    except (KeyError, ValueError):
        return bad(f"Múi giờ TIMEZONE={settings.timezone} không có: đặt Asia/Ho_Chi_Minh.")
    now = datetime.now(UTC)
    wall = vietnam.local(now, zone).strftime("%H:%M %d/%m/%Y")
    return ok(f"Đồng hồ: {wall} ({settings.timezone}), UTC {now:%H:%M}.")


async def _database(settings: Settings) -> Check:
    shown = make_url(settings.database_url).render_as_string(hide_password=True)
    try:
        found = await migrate.current(settings.database_url)
    except Exception as exc:
        return bad(f"Không kết nối được cơ sở dữ liệu {shown}: {exc}")
    head = migrate.head()
    if found == head:
        return ok(f"Cơ sở dữ liệu {shown}: phiên bản {found} (mới nhất).")
    if found is None:
        return bad(f"Cơ sở dữ liệu {shown} còn trống: chạy danvan db upgrade.")
    return bad(
        f"Cơ sở dữ liệu {shown} ở phiên bản {found}, phần mềm là {head}: "
        "chạy danvan db upgrade (hoặc cài bản danvan mới hơn nếu cơ sở dữ liệu mới hơn)."
    )


async def _periods(settings: Settings, today: date) -> list[Check]:
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as s:
            rows = (
                await s.execute(
                    select(Unit, Period)
                    .join(Period, Period.id == newest_period_id(Unit.id))
                    .order_by(Unit.code)
                )
            ).all()
            checks = []
            for authority, period in rows:
                checks.append(_deadline(authority, period, today))
                checks.append(await _unlinked(s, authority, period))
    finally:
        await engine.dispose()
    return checks or [bad("Chưa có kỳ đánh giá nào: tạo bằng danvan period create.")]


def _deadline(authority: Unit, period: Period, today: date) -> Check:
    steps = (
        (period.submit_by, "các đơn vị nộp báo cáo"),
        (period.appraise_by, "thẩm định xong"),
        (period.report_by, "gửi kết quả lên cấp trên"),
    )
    head = f"Kỳ {period.year} của {authority.name}"
    for when, what in steps:
        if when >= today:
            left = (when - today).days
            return ok(f"{head}: hạn tiếp theo {vietnam.vn_date(when)}, {what} (còn {left} ngày).")
    return warn(f"{head}: các hạn đã qua (hạn cuối {vietnam.vn_date(period.report_by)}).")


async def _unlinked(s: Any, authority: Unit, period: Period) -> Check:
    """The authority's units with no officer who has linked a chat account."""
    linked = (
        select(Membership.id)
        .join(Person, Person.id == Membership.person_id)
        .where(
            Membership.unit_id == Unit.id,
            Membership.role == Role.OFFICER,
            Person.removed_at.is_(None),
            exists().where(Identity.person_id == Person.id),
        )
        .exists()
    )
    units = await s.scalars(select(Unit.code).where(Unit.parent_id == authority.id, ~linked))
    codes = sorted(units)
    total = await s.scalar(
        select(func.count()).select_from(Unit).where(Unit.parent_id == authority.id)
    )
    if not codes:
        return ok(f"Kỳ {period.year}: cả {total} đơn vị đều có cán bộ đã liên kết tài khoản.")
    shown = ", ".join(codes[:8]) + (" …" if len(codes) > 8 else "")
    return warn(
        f"Kỳ {period.year}: {len(codes)}/{total} đơn vị chưa có cán bộ liên kết ({shown}): "
        "gửi lời mời bằng danvan invite create."
    )


def _evidence(root: Path) -> list[Check]:
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=root, prefix=".doctor-"):
            pass
    except OSError as exc:
        return [bad(f"Không ghi được vào thư mục minh chứng {root}: {exc.strerror or exc}.")]
    free = shutil.disk_usage(root).free
    shown = f"{free / 1024**3:.1f} GB"
    if free < FREE_SPACE_MIN:
        return [bad(f"Thư mục minh chứng {root}: chỉ còn {shown} trống, cần thêm dung lượng.")]
    if free < FREE_SPACE_LOW:
        return [warn(f"Thư mục minh chứng {root}: ghi được, còn {shown} trống (ít).")]
    return [ok(f"Thư mục minh chứng {root}: ghi được, còn {shown} trống.")]


def _libreoffice() -> Check:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return ok(f"LibreOffice: {found} (xuất PDF được).")
    return warn("Không có LibreOffice: báo cáo vẫn là Word, nhưng không xuất được PDF (--pdf).")


def _webhook(channel: str, settings: Settings, path: str, url: str, error: str | None) -> Check:
    if settings.public_base_url and settings.use_webhooks:
        expected = settings.public_base_url.rstrip("/") + path
        if error:
            return bad(f"{channel}: webhook {url or '(chưa đặt)'} báo lỗi gần nhất: {error}.")
        if not url:
            return warn(f"{channel}: webhook chưa đăng ký; danvan run sẽ đăng ký {expected}.")
        if url != expected:
            return bad(
                f"{channel}: webhook đang trỏ tới {url}, cấu hình là {expected}: "
                "khởi động lại danvan run để đăng ký lại."
            )
        return ok(f"{channel}: webhook {url}.")
    if url:
        return warn(f"{channel}: đang có webhook {url}; danvan run (polling) sẽ gỡ nó.")
    return ok(f"{channel}: nhận tin bằng polling.")


async def _telegram(settings: Settings) -> list[Check]:
    if not settings.telegram_bot_token:
        return [warn("Telegram: chưa đặt TELEGRAM_BOT_TOKEN (không chạy trên Telegram).")]
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError

    from bot.telegram.application import WEBHOOK_PATH

    bot = Bot(settings.telegram_bot_token, base_url=settings.telegram_api_base_url)
    try:
        me = await bot.get_me()
        info = await bot.get_webhook_info()
    except InvalidToken:
        return [bad("TELEGRAM_BOT_TOKEN bị từ chối (401): lấy lại token từ @BotFather.")]
    except TelegramError as exc:
        return [bad(f"Telegram: không hỏi được Bot API ({exc}).")]
    finally:
        await bot.request.shutdown()  # never initialized (that would ask getMe itself)
    checks = [ok(f"Telegram: bot @{me.username}.")]
    wanted = settings.telegram_bot_username
    if wanted and wanted.lstrip("@") != me.username:
        mismatch = f"TELEGRAM_BOT_USERNAME={wanted} nhưng token là của @{me.username}"
        checks.append(bad(f"{mismatch}: link mời sẽ sai."))
    checks.append(_webhook("Telegram", settings, WEBHOOK_PATH, info.url, info.last_error_message))
    return checks


async def _zalo(settings: Settings) -> list[Check]:
    if not settings.zalo_bot_token:
        return [warn("Zalo: chưa đặt ZALO_BOT_TOKEN (không chạy trên Zalo).")]
    from bot.zalo.client import ZaloClient, ZaloError
    from bot.zalo.running import WEBHOOK_PATH

    async with ZaloClient(settings.zalo_bot_token, settings.zalo_api_base_url, attempts=1) as zalo:
        try:
            me = await zalo.get_me()
            info = await zalo.get_webhook_info()
        except ZaloError as exc:
            if exc.error_code == 401:
                return [bad("ZALO_BOT_TOKEN bị từ chối (401): lấy lại token của Zalo Bot.")]
            return [bad(f"Zalo: không hỏi được Bot API ({exc.description}).")]
        except Exception as exc:  # unreachable host, timeout
            return [bad(f"Zalo: không kết nối được {settings.zalo_api_base_url} ({exc}).")]
    name = me.get("account_name") or me.get("display_name") or me.get("id")
    url = str(info.get("url") or "")
    return [ok(f"Zalo: bot {name}."), _webhook("Zalo", settings, WEBHOOK_PATH, url, None)]
