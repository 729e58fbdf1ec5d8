"""The bot's logs as JSON lines, and the administrators' alert: once per kind of failure an
hour, without personal data, delivered by chat through the channel when an update fails."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator

import pytest

from bot.demo import ensure_demo
from bot.logs import AdminAlerts, configure
from bot.serve import alerting
from bot.settings import Settings
from conversations.texts import msg
from storage import people
from storage.models import Role
from tests.fake_telegram import FakeTelegram
from tests.telegram_support import Phone, invite, running

SECRET = "Nguyễn Văn Bí Mật 0912345678"  # what a failing update may carry


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def test_json_logs_are_one_object_a_line(
    root_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure("json")
    logging.getLogger("bot.test").info("Đã gửi %d lời nhắc", 3)
    (line,) = [x for x in capsys.readouterr().err.splitlines() if "bot.test" in x]
    record = json.loads(line)
    assert record["level"] == "INFO" and record["logger"] == "bot.test"
    assert record["message"] == "Đã gửi 3 lời nhắc" and record["time"]


async def test_an_alert_a_kind_an_hour_without_personal_data() -> None:
    told: list[str] = []
    now = [0.0]

    async def alert(text: str) -> None:
        told.append(text)

    handler = AdminAlerts(alert, asyncio.get_running_loop(), clock=lambda: now[0])
    log = logging.getLogger("bot.somewhere")
    log.addHandler(handler)
    try:
        for minutes, error in ((0, ValueError), (10, ValueError), (20, KeyError), (61, ValueError)):
            now[0] = minutes * 60.0
            try:
                raise error(SECRET)
            except Exception:
                log.exception("update failed: %s", SECRET, extra={"update_kind": "message"})
        log.error("no exception: no alert")
        await asyncio.gather(*handler.sent)
    finally:
        log.removeHandler(handler)
    assert [t.split(" ở ")[0] for t in told] == [
        "⚠️ Bot gặp lỗi ValueError",
        "⚠️ Bot gặp lỗi KeyError",
        "⚠️ Bot gặp lỗi ValueError",  # an hour later
    ]
    assert "ở bot.somewhere khi xử lý một message." in told[0]
    assert not any(SECRET in t or "0912345678" in t for t in told)


async def test_a_failing_update_is_told_to_the_administrator_on_telegram(
    settings: Settings, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(settings) as app:
        async with app.sessions() as s, s.begin():
            commune = await ensure_demo(s)
            admin = await people.add_person(s, "Quản trị", "telegram", "7401", chat_id="7401")
            assert commune.parent_id is not None
            await people.grant(s, admin.id, Role.ADMIN, commune.parent_id)
        phone = Phone(fake, fake.user(7402, "Cán bộ xã"))
        await phone.type(f"/start {await invite(app)}")

        async def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError(SECRET)

        with alerting(app) as alerts:
            monkeypatch.setattr(app.engine, "handle", broken)
            await phone.type("xin chào")
            call = await fake.wait_for(
                lambda c: c.method == "sendMessage" and c.params.get("chat_id") == 7401
            )
            await asyncio.gather(*alerts.sent)
    said = str(call.params["text"])
    assert said.startswith("⚠️ Bot gặp lỗi RuntimeError ở bot.telegram.handlers")
    assert "khi xử lý một message" in said and SECRET not in said
    assert msg("oops").strip() in phone.texts()  # the officer is told too
