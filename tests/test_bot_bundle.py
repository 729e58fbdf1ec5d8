"""The evidence bundle (hồ sơ) through the channels: a unit's ZIP on Telegram, from the menu and
after submission; the appraiser's per unit and for the district; a link past the chat's limit
and always on Zalo; a refusal past the link's. Every file in a ZIP is checked against the
stored evidence by SHA-256."""

from __future__ import annotations

import asyncio
import hashlib
import io
import zipfile
from pathlib import Path, PurePosixPath

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

import bot.telegram.busy
import bot.telegram.handlers
import reports.bundle_maker
from bot.app import App
from bot.settings import Settings
from reports.bundle import INDEX_NAME
from reports.pdf import libreoffice_available
from rubric.vietnam import file_size
from storage.filestore import FileStore
from storage.models import Evidence, Role
from tests import evidence_samples as samples
from tests.district_support import District, fill, sample_district
from tests.fake_telegram import FakeTelegram
from tests.fake_zalo import FakeZalo
from tests.telegram_support import Phone, invite, running
from tests.test_bot_telegram_district import join, open_unit, submit
from tests.zalo_support import URL, ZaloPhone, get, web, zalo_bot

# End to end through the channel (or every screen): `make test-fast` leaves them out
pytestmark = pytest.mark.slow

PLAN = samples.pdf("Kế hoạch dân vận 2022")
MINUTES = samples.docx("Biên bản hội nghị đối thoại")
REPORT = "Báo cáo tự đánh giá công tác dân vận chính quyền năm 2022"
OUTLINE = "Báo cáo tóm tắt kết quả thực hiện công tác dân vận chính quyền năm 2022"


# The first two tests run on both databases and make the PDFs; what the others check (links,
# refusals, failures, the chat's status) depends on neither: one backend, no LibreOffice.
ONE_BACKEND = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def no_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOFFICE", "no-such-soffice")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        return {i.filename: z.read(i) for i in z.infolist() if not i.is_dir()}


async def stored(app: App, assessment_id: int) -> dict[str, tuple[str, str]]:
    """sha256 -> (item, original name) of the unit's evidence, each checked against its file."""
    store = FileStore(app.settings.evidence_dir)
    async with app.sessions() as s:
        query = select(Evidence).where(Evidence.assessment_id == assessment_id)
        rows = list(await s.scalars(query))
    for row in rows:  # what the database says is what the disk holds
        assert sha(store.path(row.storage_key).read_bytes()) == row.sha256
    return {row.sha256: (row.item_id, row.original_name) for row in rows}


def evidence_of(files: dict[str, bytes], prefix: str = "") -> dict[str, str]:
    """sha256 -> path in the ZIP of the evidence files (those in a criterion's folder)."""
    return {
        sha(data): name
        for name, data in files.items()
        if name.startswith(prefix) and name.removeprefix(prefix).count("/") == 1
    }


async def with_evidence(app: App, fake: FakeTelegram, phone: Phone) -> None:
    """Three files on two criteria, sent as an officer does (after /xemlai to the item)."""
    await phone.type("/xemlai")
    await phone.type("I.1")
    await phone.send(fake.send_photo(phone.user, samples.jpeg(3), caption="Hội nghị quán triệt"))
    await phone.send(fake.send_document(phone.user, PLAN, "Kế hoạch dân vận 2022.pdf", "x"))
    await phone.type("/xemlai")
    await phone.type("IV.1")
    await phone.send(fake.send_document(phone.user, MINUTES, "Biên bản.docx", "x"))


def last_zip(fake: FakeTelegram, uid: int, since: int = 0) -> tuple[str, bytes]:
    docs = [m.document for m in fake.chat(uid)[since:] if m.document]
    assert docs and docs[-1].filename and docs[-1].filename.endswith(".zip"), docs
    return docs[-1].filename, docs[-1].data


async def a_district(app: App, fake: FakeTelegram) -> tuple[District, Phone, Phone]:
    district = await sample_district(app)
    a = await join(app, fake, 4101, "Nguyễn Văn An", "VG-CUUCAO", Role.OFFICER)
    b = await join(app, fake, 4102, "Trần Thị Bình", "VG-CUUCAO", Role.OFFICER)
    await fill(app, district, "VG-CUUCAO")
    await with_evidence(app, fake, a)
    return district, a, b


async def test_an_officer_gets_the_unit_s_files_in_one_zip(
    settings: Settings, fake: FakeTelegram
) -> None:
    async with running(settings, demo=False) as app:
        district, a, b = await a_district(app, fake)
        aid = district.assessments["VG-CUUCAO"]
        await a.tap("☰ Menu")  # from the open question (IV.1)
        before = len(fake.chat(4101))
        await a.tap("📦 Tải hồ sơ")
        name, data = last_zip(fake, 4101, before)
        assert name == "Hồ sơ 2022 - UBND xã Cửu Cao.zip"
        assert "📦 Hồ sơ tự đánh giá năm 2022 của UBND xã Cửu Cao" in a.texts(before)
        assert a.question.text.startswith("🏛 UBND xã Cửu Cao")  # the menu again, with buttons
        files = unzip(data)
        kept = await stored(app, aid)
        found = evidence_of(files)
        assert set(found) == set(kept)  # every stored file, byte for byte, and nothing else
        for digest, path in found.items():
            item, original = kept[digest]
            folder, file = PurePosixPath(path).parts
            assert folder.startswith(f"Tiêu chí {'1' if item == 'I.1' else '4'} - ")
            assert file.startswith(f"{item} - ") and PurePosixPath(original).stem in file
        assert any(p.endswith("I.1 - Kế hoạch dân vận 2022.pdf") for p in found.values())
        reports = {n for n in files if "/" not in n and n != INDEX_NAME}
        kinds = (".docx", ".pdf") if libreoffice_available() else (".docx",)
        titles = (REPORT, OUTLINE)
        assert reports == {f"{t} (bản nháp){k}" for t in titles for k in kinds}  # not submitted
        sheet = load_workbook(io.BytesIO(files[INDEX_NAME])).active
        rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
        assert sorted(r[8] for r in rows if r[8]) == sorted(kept)  # SHA-256 column

        await submit(a)  # submitted: the other officer gets the final reports, locked or not
        before = len(fake.chat(4102))
        await b.type("/hoso")
        files = unzip(last_zip(fake, 4102, before)[1])
        assert set(evidence_of(files)) == set(kept)
        assert REPORT + ".docx" in files


async def test_the_appraiser_downloads_one_unit_and_the_district(
    settings: Settings, fake: FakeTelegram
) -> None:
    async with running(settings, demo=False) as app:
        district, a, _ = await a_district(app, fake)
        boss = await join(app, fake, 4103, "Phòng Nội vụ", "VG", Role.APPRAISER)
        before = len(fake.chat(4103))
        await boss.type("/hoso")  # nothing submitted yet: nothing to download
        assert "Chưa có đơn vị nào nộp báo cáo" in boss.texts(before)
        assert not [m for m in fake.chat(4103)[before:] if m.document]

        await submit(a)
        meso = await join(app, fake, 4104, "Cán bộ Mễ Sở", "VG-MESO", Role.OFFICER)
        await fill(app, district, "VG-MESO")
        await submit(meso)

        await open_unit(boss, "UBND xã Cửu Cao")
        before = len(fake.chat(4103))
        await boss.tap("📦 Hồ sơ (ZIP)")
        files = unzip(last_zip(fake, 4103, before)[1])
        kept = await stored(app, district.assessments["VG-CUUCAO"])
        assert set(evidence_of(files)) == set(kept)
        assert "🏛 UBND xã Cửu Cao" in (boss.question.text or "")  # the card again

        before = len(fake.chat(4103))
        await boss.type("/hoso")
        name, data = last_zip(fake, 4103, before)
        assert name == "Hồ sơ 2022 - UBND huyện Văn Giang.zip"
        files = unzip(data)
        folders = {n.split("/", 1)[0] for n in files}
        assert folders == {"UBND xã Cửu Cao", "UBND xã Mễ Sở"}  # the units that submitted
        assert set(evidence_of(files, "UBND xã Cửu Cao/")) == set(kept)
        assert f"UBND xã Mễ Sở/{REPORT}.docx" in files
        assert f"UBND xã Mễ Sở/{INDEX_NAME}" in files


@ONE_BACKEND
@pytest.mark.usefixtures("no_pdf")
async def test_past_the_chat_limit_the_bundle_comes_as_a_link(
    zalo_settings: Settings, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.telegram.handlers, "DOCUMENT_LIMIT", 10_000)  # a report is larger
    settings = zalo_settings.model_copy(
        update={
            "telegram_bot_token": fake.token,
            "telegram_api_base_url": fake.base_url,
            "telegram_api_file_url": fake.base_file_url,
            "zalo_bot_token": None,
        }
    )
    async with running(settings, demo=False) as app, web(app):
        district, a, _ = await a_district(app, fake)
        before = len(fake.chat(4101))
        await a.type("/hoso")
        text = a.texts(before)
        assert not [m for m in fake.chat(4101)[before:] if m.document]
        assert "⬇️ Tệp «Hồ sơ 2022 - UBND xã Cửu Cao.zip» lớn hơn mức bot được gửi" in text
        found = URL.search(text[text.index("⬇️") :])
        assert found
        response = await get(found.group(0))
        assert response.status_code == 200
        kept = await stored(app, district.assessments["VG-CUUCAO"])
        assert set(evidence_of(unzip(response.content))) == set(kept)


@ONE_BACKEND
@pytest.mark.usefixtures("no_pdf")
async def test_a_bundle_past_the_link_limit_is_refused_with_the_reason(
    settings: Settings, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reports.bundle_maker, "MAX_BUNDLE_BYTES", 10_000)  # < the files
    async with running(settings, demo=False) as app:
        district, a, _ = await a_district(app, fake)
        async with app.sessions() as s:
            aid = district.assessments["VG-CUUCAO"]
            size = await s.scalar(
                select(func.sum(Evidence.size)).where(Evidence.assessment_id == aid)
            )
        out = Path(settings.output_dir)
        before, written = len(fake.chat(4101)), set(out.rglob("*"))
        await a.type("/hoso")
        text = a.texts(before)
        assert f"⚠️ Hồ sơ có tổng dung lượng {file_size(size)}, vượt mức 9,8 KB" in text
        assert not [m for m in fake.chat(4101)[before:] if m.document]
        assert set(out.rglob("*")) == written  # refused before any report was written
        assert "IV.1." in a.question.text  # the question the officer was at stays open


@ONE_BACKEND
@pytest.mark.usefixtures("no_pdf")
async def test_a_bundle_that_fails_is_said_and_the_chat_goes_on(
    settings: Settings, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def disk_full(self: object, *_: object) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(reports.bundle_maker.BundleMaker, "_zip", disk_full)
    async with running(settings, demo=False) as app:
        _, a, _ = await a_district(app, fake)
        await a.tap("☰ Menu")  # from the open question (IV.1)
        before = len(fake.chat(4101))
        await a.tap("📦 Tải hồ sơ")
        assert "hệ thống chưa tạo được tệp vừa yêu cầu" in a.texts(before)
        assert "🏛 UBND xã Cửu Cao" in a.question.text  # the menu, with its buttons
        assert "📦 Tải hồ sơ" in a.button_labels()
        folders = Path(settings.output_dir) / "ho-so"
        assert not folders.exists() or not list(folders.iterdir())  # nothing half made is left


@ONE_BACKEND
@pytest.mark.usefixtures("no_pdf")
async def test_on_zalo_the_bundle_is_a_link(zalo_settings: Settings, fake_zalo: FakeZalo) -> None:
    async with zalo_bot(zalo_settings) as app:
        phone = ZaloPhone(fake_zalo, fake_zalo.user("z-4201", "Nguyễn Văn Zalo"))
        await phone.type(await invite(app))  # straight to I.1
        await phone.choose("Menu")
        await phone.choose("Tải hồ sơ")
        assert "📦 Hồ sơ tự đánh giá năm 2022 của UBND xã Cửu Cao" in phone.texts()
        response = await get(phone.link("⬇️ Tải «Hồ sơ 2022 - UBND xã Cửu Cao.zip»"))
        assert response.status_code == 200
        files = unzip(response.content)
        assert INDEX_NAME in files and any(n.startswith(REPORT) for n in files)
        assert "1. ▶ Tiếp tục" in phone.last  # the menu again


@ONE_BACKEND
@pytest.mark.usefixtures("no_pdf")
async def test_while_a_bundle_is_made_the_chat_shows_it(
    settings: Settings, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram shows "sending a file…" for ~5 s: it is sent again until the ZIP goes out."""
    monkeypatch.setattr(bot.telegram.busy, "REPEAT_S", 0.05)
    released, made = asyncio.Event(), reports.bundle_maker.BundleMaker.unit

    async def slow(self: reports.bundle_maker.BundleMaker, aid: int) -> Path:
        await released.wait()
        return await made(self, aid)

    monkeypatch.setattr(reports.bundle_maker.BundleMaker, "unit", slow)
    async with running(settings, demo=False) as app:
        _, a, _ = await a_district(app, fake)
        await a.tap("☰ Menu")  # from the open question (IV.1)
        mark = fake.mark()
        pressed = asyncio.create_task(a.tap("📦 Tải hồ sơ"))
        for _ in range(3):  # the action, again and again while the bundle is not made
            mark = fake.calls.index(await fake.wait_for("sendChatAction", after=mark)) + 1
        released.set()
        await pressed
        sent = fake.calls.index(await fake.wait_for("sendDocument", after=mark))
        assert "sendChatAction" not in [c.method for c in fake.calls[sent:]]  # it stopped
