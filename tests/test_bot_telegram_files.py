"""Files that are not what they claim, names no database would take, sizes over the limit:
sent through the fake Bot API, refused with a clear message, nothing kept (both backends)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.channel.uploads import refused
from bot.settings import Settings
from storage import filetypes
from storage.models import Evidence
from tests import evidence_samples as samples
from tests.fake_telegram import FakeTelegram
from tests.telegram_support import Phone, invite, running

MB = 1024 * 1024
LONG = "Biên bản hội nghị đối thoại giữa Chủ tịch UBND xã với Nhân dân " * 5 + ".pdf"


def kept(settings: Settings) -> list[Path]:
    root = settings.evidence_dir
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def at_evidence(app: object, fake: FakeTelegram, uid: int) -> Phone:
    """An officer who has just scored I.1: a file sent now is I.1's evidence."""
    phone = Phone(fake, fake.user(uid))
    await phone.type(f"/start {await invite(app)}")  # type: ignore[arg-type]
    await phone.tap_key("2")  # I.1; on to I.2 at once
    await phone.type("Kết quả")  # I.1's results
    assert "✔️ Đã lưu «Kết quả đạt được» (mục I.1)." in phone.texts()
    return phone


async def test_files_that_are_not_what_they_claim_are_refused_and_not_kept(
    settings: Settings, fake: FakeTelegram
) -> None:
    async with running(settings) as app:
        phone = await at_evidence(app, fake, 8001)
        pdf = samples.pdf("Báo cáo")
        bad = [
            ("ke-hoach.docx", samples.zip_bytes({"ke-hoach.txt": b"Ke hoach"}), filetypes.TYPE),
            ("bien-ban.doc", samples.ole_not_word_nor_excel(), filetypes.TYPE),
            ("bao-cao.pdf", pdf[: len(pdf) // 2], filetypes.DAMAGED),
            ("anh.png", samples.png_of_size(20000, 20000), filetypes.TOO_MANY_PIXELS),
            ("setup.pdf", b"MZ\x90\x00" + bytes(4000), filetypes.TYPE),
        ]
        for name, data, reason in bad:
            before = len(fake.chat(8001))
            await phone.send(fake.send_document(phone.user, data, name, "application/octet-stream"))
            assert refused(name, reason).message in phone.texts(before), name
        async with app.sessions() as s:
            assert list(await s.scalars(select(Evidence))) == []
        assert kept(settings) == []  # no stored file, no temp file


async def test_sizes_are_checked_before_downloading(settings: Settings, fake: FakeTelegram) -> None:
    async with running(settings) as app:
        phone = await at_evidence(app, fake, 8101)
        big = samples.pdf("Lớn")
        mark = fake.mark()
        await phone.send(
            fake.send_document(phone.user, big, "lon.pdf", "application/pdf", declared_size=25 * MB)
        )
        assert "vượt mức tối đa 20 MB" in phone.texts()
        assert fake.calls_to("getFile")[mark:] == [] and fake.downloads == []
        assert kept(settings) == []


async def test_names_no_database_would_take_are_cleaned(
    settings: Settings, fake: FakeTelegram
) -> None:
    async with running(settings) as app:
        phone = await at_evidence(app, fake, 8201)
        await phone.send(fake.send_document(phone.user, samples.pdf("1"), LONG, "application/pdf"))
        await phone.send(
            fake.send_document(phone.user, samples.pdf("2"), "ke\x00hoach\n.pdf", "application/pdf")
        )
        await phone.send(
            fake.send_document(phone.user, samples.pdf("3"), "bao-cao.docx", "application/pdf")
        )
        async with app.sessions() as s:
            names = list(await s.scalars(select(Evidence.original_name).order_by(Evidence.id)))
        long, nul, misnamed = names
        assert len(long.encode()) <= 255 and long.endswith(".pdf") and long.startswith("Biên bản")
        assert "\x00" not in nul and "\n" not in nul and nul.endswith(".pdf")
        assert misnamed == "bao-cao.pdf"  # the content decides the extension
        assert f"«{long}» cho mục I.1" in phone.texts()  # the item just scored
