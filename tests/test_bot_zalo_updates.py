"""Parsing Zalo Bot Platform updates: both body shapes, lenient fields, garbage -> None."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.zalo import updates
from bot.zalo.updates import ZaloUpdate, parse
from tests.fake_zalo import FakeZalo

DATE_MS = 1750316131602
TEXT_UPDATE: dict[str, Any] = {
    "event_name": "message.text.received",
    "message": {
        "from": {"id": "6ede9afa66b88fe6d6a9", "display_name": "Ted", "is_bot": False},
        "chat": {"id": "6ede9afa66b88fe6d6a9", "chat_type": "PRIVATE"},
        "text": "Xin chào",
        "message_id": "2d758cb5e222177a4e35",
        "date": DATE_MS,
    },
}


def with_message(**changes: Any) -> dict[str, Any]:
    message = {k: v for k, v in TEXT_UPDATE["message"].items() if k not in changes}
    message |= {k: v for k, v in changes.items() if v is not None}
    return {"event_name": TEXT_UPDATE["event_name"], "message": message}


@pytest.mark.parametrize(
    "body",
    [TEXT_UPDATE, {"ok": True, "result": TEXT_UPDATE}, json.dumps(TEXT_UPDATE).encode()],
    ids=["bare", "wrapped", "json-bytes"],
)
def test_text_update_in_every_shape(body: Any) -> None:
    assert parse(body) == ZaloUpdate(
        event_name=updates.TEXT_RECEIVED,
        message_id="2d758cb5e222177a4e35",
        chat_id="6ede9afa66b88fe6d6a9",
        user_id="6ede9afa66b88fe6d6a9",
        display_name="Ted",
        text="Xin chào",
        date=datetime(2025, 6, 19, 6, 55, 31, 602000, tzinfo=UTC),
        chat_type="PRIVATE",
    )


def test_key_is_stable_for_a_redelivery() -> None:
    first, again = parse(TEXT_UPDATE), parse({"ok": True, "result": TEXT_UPDATE})
    assert first is not None and again is not None
    assert first.key == again.key == "message.text.received:2d758cb5e222177a4e35"
    other = parse(with_message(message_id="ffff"))
    assert other is not None and other.key != first.key


def test_display_name_falls_back_to_first_name_then_name() -> None:
    def named(sender: dict) -> str | None:
        update = parse(with_message(**{"from": {"id": "u1", **sender}}))
        assert update is not None
        return update.display_name

    assert named({"display_name": " Lan ", "first_name": "Thị"}) == "Lan"
    assert named({"display_name": "", "first_name": "Thị Lan"}) == "Thị Lan"
    assert named({"name": "Bình"}) == "Bình"
    assert named({"display_name": 42}) is None
    assert named({}) is None


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (DATE_MS, datetime(2025, 6, 19, 6, 55, 31, 602000, tzinfo=UTC)),
        (str(DATE_MS), datetime(2025, 6, 19, 6, 55, 31, 602000, tzinfo=UTC)),
        (1750316131, datetime(2025, 6, 19, 6, 55, 31, tzinfo=UTC)),  # seconds, defensively
        ("hôm qua", None),
        (-5, None),
        (True, None),
        (10**30, None),
        (float("nan"), None),
    ],
)
def test_dates_are_aware_utc_from_milliseconds(date: Any, expected: datetime | None) -> None:
    update = parse(with_message(date=date))
    assert update is not None and update.date == expected
    assert expected is None or update.date.tzinfo is UTC


def test_image_update_accepts_photo_url_or_photo() -> None:
    url = "https://f21-zpc.zdn.vn/jpg/anh.jpg"
    for field, value in [("photo_url", url), ("photo", url), ("photo", {"url": url})]:
        body = with_message(text=None, caption="Kế hoạch", **{field: value})
        body = body | {"event_name": updates.IMAGE_RECEIVED}
        update = parse(body)
        assert update is not None and update.event_name == updates.IMAGE_RECEIVED
        assert (update.photo_url, update.caption, update.text) == (url, "Kế hoạch", None)


async def test_updates_made_by_the_fake_parse() -> None:
    async with FakeZalo() as fake:
        officer = fake.user("u-7", "Phạm Thu Hà")
        image = parse(await fake.send_image(officer, b"\xff\xd8", caption="Ảnh"))
        sticker = parse(await fake.send_sticker(officer))
        other = parse(await fake.send_unsupported(officer))
    assert image is not None and image.photo_url and image.photo_url.startswith(fake.root)
    assert (image.caption, image.display_name, image.chat_id) == ("Ảnh", "Phạm Thu Hà", "u-7")
    assert sticker is not None and sticker.event_name == updates.STICKER_RECEIVED
    assert other is not None and other.event_name == updates.UNSUPPORTED_RECEIVED
    assert other.known and other.text is None and other.photo_url is None


def test_unknown_event_names_are_kept() -> None:
    update = parse(TEXT_UPDATE | {"event_name": "message.voice.received"})
    assert update is not None and update.event_name == "message.voice.received"
    assert not update.known and updates.TEXT_RECEIVED in updates.EVENT_NAMES


def test_numeric_ids_and_missing_chat() -> None:
    update = parse(with_message(chat=None, message_id=77, **{"from": {"id": 12, "is_bot": True}}))
    assert update is not None
    assert (update.message_id, update.user_id, update.chat_id) == ("77", "12", "12")
    assert update.is_bot and update.chat_type is None


@pytest.mark.parametrize(
    "body",
    [
        None,
        42,
        "not json",
        b"\xff\xfe",
        [],
        [TEXT_UPDATE],
        {},
        {"ok": False, "error_code": 408, "description": "Request timeout"},
        {"ok": True, "result": None},
        {"ok": True, "result": "text"},
        {"event_name": "message.text.received"},
        {"event_name": "", "message": TEXT_UPDATE["message"]},
        {"event_name": 5, "message": TEXT_UPDATE["message"]},
        {"event_name": "message.text.received", "message": "Xin chào"},
        with_message(message_id=None),
        with_message(message_id=True),
        with_message(chat=None, **{"from": None}),
        with_message(chat={"id": ["u1"]}, **{"from": {"id": {"x": 1}}}),
    ],
)
def test_garbage_is_none(body: Any) -> None:
    assert parse(body) is None


def test_wrong_field_types_are_dropped_not_fatal() -> None:
    update = parse(
        with_message(text=["a"], caption=3, photo_url=7, chat={"id": "c", "chat_type": 1})
    )
    assert update is not None
    assert (update.text, update.caption, update.photo_url, update.chat_type) == (None,) * 4
