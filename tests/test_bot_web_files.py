"""The signed-link web pages over real HTTP (uvicorn): downloads and the evidence upload page."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
import uvicorn
from markupsafe import escape
from starlette.applications import Starlette

from bot.app import App, open_app
from bot.settings import Settings
from bot.web.app import WebServer
from bot.web.files import file_routes
from bot.web.links import Links, UploadGrant
from bot.web.upload import Result
from conversations.events import FileUpload
from conversations.texts import msg
from rubric.vietnam import file_size, vn_datetime
from storage import people
from storage.models import Assessment, Status
from tests import evidence_samples
from tests.browser_support import zalo_officer_assessment
from tests.support import rubric, serving

T0 = 1_700_000_000.0
TTL = timedelta(hours=72)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = evidence_samples.pdf("Kế hoạch tuyên truyền")
PNG = evidence_samples.png(3)
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + os.urandom(2000)
MB = 1024 * 1024


class Clock:
    now = T0

    def __call__(self) -> float:
        return self.now


@dataclass
class Web:
    app: App
    links: Links
    url: str
    clock: Clock
    assessment_id: int
    calls: list[tuple[UploadGrant, FileUpload]] = field(default_factory=list)
    told: list[tuple[UploadGrant, list[Result]]] = field(default_factory=list)

    async def attach(self, grant: UploadGrant, upload: FileUpload) -> bool:
        new = upload.sha256 not in {u.sha256 for g, u in self.calls if g == grant}
        self.calls.append((grant, upload))
        return new

    async def announce(self, grant: UploadGrant, results: Sequence[Result]) -> None:
        self.told.append((grant, list(results)))

    def grant(self, item_id: str = "IV.1") -> UploadGrant:
        return UploadGrant("zalo", "zl-1", "zl-1", self.assessment_id, item_id)

    def local(self, link: str) -> str:
        return link.replace("https://bot.example.gov.vn", self.url)

    def stored(self) -> list[Path]:
        root = Path(self.app.settings.evidence_dir)
        return [p for p in root.rglob("*") if p.is_file() and ".tmp" not in p.parts]


@pytest.fixture
async def web(settings: Settings) -> AsyncIterator[Web]:
    settings.max_web_upload_mb = 1
    async with open_app(settings) as app:
        assessment_id = await zalo_officer_assessment(app)  # the links' officer: zalo zl-1
        roots = {"out": Path(settings.output_dir), "evidence": Path(settings.evidence_dir)}
        clock = Clock()
        links = Links("k" * 40, "https://bot.example.gov.vn", roots, TTL, clock=clock)
        web = Web(app, links, "", clock, assessment_id)
        asgi = Starlette(routes=file_routes(app, links, web, max_files=3))
        config = uvicorn.Config(asgi, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        async with serving(WebServer(config)) as server:
            web.url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
            yield web


def saved_name(disposition: str) -> str:
    """The name a browser saves a download under: ``filename*`` (RFC 6266 prefers it), whose
    value is charset'language'percent-encoded bytes (RFC 5987)."""
    kind, *parts = (p.strip() for p in disposition.split(";"))
    params = dict(p.split("=", 1) for p in parts)
    assert kind == "attachment" and params["filename"].startswith('"')
    charset, _, value = params["filename*"].split("'", 2)
    return unquote(value, encoding=charset, errors="strict")


def assert_private(response: httpx.Response) -> None:
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-robots-tag"].startswith("noindex")


async def test_download_with_a_vietnamese_name(web: Web) -> None:
    report = Path(web.app.settings.output_dir) / "2022" / "VG-CUUCAO" / "bao-cao.docx"
    report.parent.mkdir(parents=True)
    report.write_bytes(b"PK\x03\x04" + b"word/document.xml" + os.urandom(5000))
    name = "Báo cáo tự đánh giá năm 2022 - Đội Cửu Cao.docx"
    async with httpx.AsyncClient() as client:
        r = await client.get(web.local(web.links.download_url(report, name)))
        head = await client.head(web.local(web.links.download_url(report, name)))
    assert r.status_code == 200 and head.status_code == 200
    assert r.content == report.read_bytes()
    assert r.headers["content-type"] == DOCX
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Bao cao tu danh gia nam 2022 - Doi Cuu')
    assert saved_name(disposition) == name
    assert_private(r)


async def test_refused_downloads_change_nothing(web: Web) -> None:
    report = Path(web.app.settings.output_dir) / "a.docx"
    report.parent.mkdir(parents=True)
    report.write_bytes(b"PK\x03\x04word/")
    good = web.local(web.links.download_url(report, "a.docx"))
    gone = web.local(web.links.download_url(report.with_name("gone.docx")))
    upload = web.local(web.links.upload_url(web.grant()))
    async with httpx.AsyncClient() as client:
        tampered = await client.get(good[:-12] + ("A" if good[-12] != "A" else "B") + good[-11:])
        missing = await client.get(gone)
        confused = await client.get(upload.replace("/u/", "/f/"))
        web.clock.now += TTL.total_seconds() + 1
        expired = await client.get(good)
    assert expired.status_code == 410
    assert "Đường dẫn đã hết hạn" in expired.text and "/baocao" in expired.text
    assert tampered.status_code == confused.status_code == 403
    assert "Đường dẫn không hợp lệ" in tampered.text
    assert missing.status_code == 404 and "Không tìm thấy tệp" in missing.text
    for r in (expired, tampered, missing):
        assert r.headers["content-type"] == "text/html; charset=utf-8"
        assert_private(r)
    assert report.read_bytes() == b"PK\x03\x04word/"


async def test_upload_page_shows_the_unit_and_the_item(web: Web) -> None:
    link = web.links.upload_url(web.grant("IV.1"))
    async with httpx.AsyncClient() as client:
        r = await client.get(web.local(link))
    assert r.status_code == 200
    item = rubric().item("IV.1")
    assert item is not None
    page = r.text
    assert '<html lang="vi">' in page and 'name="viewport"' in page
    assert "<title>Gửi tài liệu kiểm chứng · Mục IV.1</title>" in page
    assert "UBND xã Cửu Cao" in page
    assert "Tài liệu kiểm chứng mục IV.1" in page and str(escape(item.label)) in page
    assert 'method="post" enctype="multipart/form-data"' in page
    assert 'type="file" id="files" name="files" multiple' in page
    assert "PDF, Word (DOC, DOCX), Excel (XLS, XLSX), ảnh (JPG, PNG)" in page
    assert "tối đa 1 MB" in page
    expires = web.links.expires_at(link.rsplit("/", 1)[1])
    assert f"dùng được đến {vn_datetime(expires)} (giờ Việt Nam)" in page
    # one script, the app's own (the page works without it); nothing from elsewhere
    assert page.count("<script") == 1 and '<script src="/static/upload.js"></script>' in page
    assert "http" not in page.split("</title>")[1]
    assert_private(r)
    policy = r.headers["content-security-policy"]
    assert "form-action 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    async with httpx.AsyncClient() as client:
        script = await client.get(f"{web.url}/static/upload.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "xhr.upload" in script.text


async def test_posted_files_are_checked_stored_and_attached(web: Web) -> None:
    big = evidence_samples.pdf("Lớn", attached=MB)
    files = [
        ("files", ("kế hoạch.pdf", PDF, "application/pdf")),
        ("files", ("C:\\Ảnh\\ảnh hội nghị.png", PNG, "image/png")),
        ("files", ("setup.pdf", EXE, "application/pdf")),
    ]
    link = web.local(web.links.upload_url(web.grant("V.2")))
    async with httpx.AsyncClient(follow_redirects=True) as client:
        r = await client.post(link, files=files)
        too_big = await client.post(link, files=[("files", ("lớn.pdf", big, "application/pdf"))])
    # post/redirect/get: the results are the page the POST redirects to
    assert [h.status_code for h in r.history] == [303] and r.status_code == 200
    assert r.url.path == httpx.URL(link).path and r.url.params["r"]
    page = r.text
    assert "Đã nhận 2/3 tệp." in page
    assert f"✅ «kế hoạch.pdf» ({file_size(len(PDF))})" in page
    assert f"✅ «ảnh hội nghị.png» ({file_size(len(PNG))})" in page
    assert str(escape(msg("file_bad_type", name="setup.pdf"))) in page
    assert page.index('id="ket-qua"') < page.index('type="file"')  # results first
    assert 'name="files" multiple' in page and "Chọn thêm tệp" in page  # for more files
    assert too_big.status_code == 200
    refusal = msg("file_too_big", name="lớn.pdf", size=len(big), limit=MB)
    assert str(escape(refusal)) in too_big.text
    assert "Đã nhận 0/1 tệp." in too_big.text
    (told_grant, told), *others = web.told  # one word to the chat per upload, naming every file
    assert told_grant == web.grant("V.2") and others == []  # the refused upload: nothing to say
    assert [(t.name, t.outcome) for t in told] == [
        ("kế hoạch.pdf", "saved"),
        ("ảnh hội nghị.png", "saved"),
        ("setup.pdf", "refused"),
    ]
    (g1, pdf), (g2, png) = web.calls
    assert g1 == g2 == web.grant("V.2")
    assert pdf == FileUpload(
        storage_key=pdf.storage_key,
        sha256=hashlib.sha256(PDF).hexdigest(),
        size=len(PDF),
        original_name="kế hoạch.pdf",
        mime_type="application/pdf",
        kind="document",
        caption=None,
        item_id="V.2",
    )
    expected = ("ảnh hội nghị.png", "image/png", "photo")
    assert (png.original_name, png.mime_type, png.kind) == expected
    assert await web.app.files.read_bytes(pdf.storage_key) == PDF
    assert await web.app.files.read_bytes(png.storage_key) == PNG
    assert len(web.stored()) == 2  # neither the .exe nor the oversized file was kept


async def test_empty_files_and_no_file_at_all(web: Web) -> None:
    link = web.local(web.links.upload_url(web.grant()))
    async with httpx.AsyncClient(follow_redirects=True) as client:
        empty = await client.post(link, files=[("files", ("trống.pdf", b"", "application/pdf"))])
        nothing = await client.post(link, files=[("files", ("", b"", "application/octet-stream"))])
        four = [("files", (f"{i}.pdf", PDF, "application/pdf")) for i in range(4)]
        too_many = await client.post(link, files=four)
    assert str(escape(msg("file_empty", name="trống.pdf"))) in empty.text
    assert "Đồng chí chưa chọn tệp nào." in nothing.text
    assert too_many.status_code == 400 and "tối đa 3 tệp" in too_many.text
    assert web.calls == [] and web.stored() == []


async def test_a_request_far_too_large_is_refused_before_reading_it(web: Web) -> None:
    link = web.local(web.links.upload_url(web.grant()))
    host, port = link.split("//")[1].split("/")[0].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    path = link.split(port, 1)[1]
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {10**10}\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n\r\n".encode()
    )
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), 5)
    writer.close()
    assert status.startswith(b"HTTP/1.1 413")

    async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
        yield b"--x\r\nContent-Disposition: form-data; name=files; filename=a.pdf\r\n\r\n"
        for _ in range(5):
            yield b"\x00" * MB

    async with httpx.AsyncClient() as client:
        r = await client.post(
            link, content=chunked(), headers={"Content-Type": "multipart/form-data; boundary=x"}
        )
    assert r.status_code == 413 and "Dung lượng gửi quá lớn" in r.text
    assert web.calls == [] and web.stored() == []


async def test_submitted_assessment_takes_no_more_files(web: Web) -> None:
    async with web.app.sessions() as s, s.begin():
        assessment = await s.get(Assessment, web.assessment_id)
        assert assessment is not None
        assessment.status = Status.SUBMITTED
    link = web.local(web.links.upload_url(web.grant()))
    async with httpx.AsyncClient() as client:
        shown = await client.get(link)
        posted = await client.post(link, files=[("files", ("a.pdf", PDF, "application/pdf"))])
    for r in (shown, posted):
        assert r.status_code == 409
        assert "Bản tự đánh giá đã được nộp" in r.text and "UBND xã Cửu Cao" in r.text
    assert web.calls == [] and web.stored() == []


async def test_refused_upload_links_store_nothing(web: Web) -> None:
    good = web.local(web.links.upload_url(web.grant()))
    tampered = good[:-12] + ("A" if good[-12] != "A" else "B") + good[-11:]
    unknown = web.local(web.links.upload_url(UploadGrant("zalo", "1", "1", 999_999, "IV.1")))
    no_item = web.local(web.links.upload_url(web.grant("XX.9")))
    files = [("files", ("a.pdf", PDF, "application/pdf"))]
    async with httpx.AsyncClient() as client:
        bad = await client.post(tampered, files=files)
        missing = [await client.post(u, files=files) for u in (unknown, no_item)]
        web.clock.now += TTL.total_seconds() + 1
        expired = await client.post(good, files=files)
        expired_page = await client.get(good)
    assert bad.status_code == 403 and "Đường dẫn không hợp lệ" in bad.text
    assert [r.status_code for r in missing] == [404, 404]
    assert expired.status_code == expired_page.status_code == 410
    assert "Đường dẫn gửi tài liệu kiểm chứng đã hết hạn" in expired.text
    # each says which command leads to a new link (not /baocao: that gives a report)
    assert "gõ <strong>/tieptuc</strong> trong Zalo" in expired.text  # the link's own chat
    for r in (bad, *missing):
        assert "<strong>/tieptuc</strong> trong cuộc trò chuyện với trợ lý" in r.text
    assert all("/baocao" not in r.text for r in (bad, *missing, expired))
    assert web.calls == [] and web.stored() == []


async def test_an_expired_telegram_link_says_where_a_new_one_comes_from(web: Web) -> None:
    grant = UploadGrant("telegram", "7", "7", web.assessment_id, "IV.1")
    link = web.local(web.links.upload_url(grant))
    web.clock.now += TTL.total_seconds() + 1
    async with httpx.AsyncClient() as client:
        r = await client.get(link)
    assert r.status_code == 410
    assert "gõ <strong>/tieptuc</strong> trong Telegram" in r.text
    assert f"lớn hơn {web.app.settings.max_upload_mb} MB" in r.text


async def test_a_reload_of_the_result_page_sends_nothing_again(web: Web) -> None:
    link = web.local(web.links.upload_url(web.grant("V.2")))
    other = web.local(web.links.upload_url(web.grant("V.1")))
    files = [("files", ("kế hoạch.pdf", PDF, "application/pdf"))]
    async with httpx.AsyncClient() as client:
        posted = await client.post(link, files=files)
        assert posted.status_code == 303 and web.told
        result = httpx.URL(link).join(posted.headers["location"])
        again = [await client.get(result) for _ in range(2)]
        said = result.params["r"]
        altered = await client.get(result.copy_set_param("r", said[:-3] + "AAA"))
        elsewhere = await client.get(httpx.URL(other).copy_set_param("r", said))
    assert len(web.calls) == 1 and len(web.told) == 1  # reloading is a GET: nothing sent again
    for r in again:
        assert r.status_code == 200 and "✅ «kế hoạch.pdf»" in r.text
    for r in (altered, elsewhere):  # a result not signed for this page is not shown
        assert r.status_code == 200 and "Đã nhận" not in r.text and 'id="ket-qua"' not in r.text


async def test_the_link_of_a_removed_person_or_a_stranger_stores_nothing(web: Web) -> None:
    stranger = web.local(
        web.links.upload_url(UploadGrant("zalo", "zl-9", "zl-9", web.assessment_id, "IV.1"))
    )
    mine = web.local(web.links.upload_url(web.grant()))
    async with web.app.sessions() as s, s.begin():  # the officer is removed by an administrator
        person = await people.person_for(s, "zalo", "zl-1")
        assert person is not None
        person.removed_at = people.now()
    files = [("files", ("a.pdf", PDF, "application/pdf"))]
    async with httpx.AsyncClient() as client:
        posted = [await client.post(link, files=files) for link in (stranger, mine)]
        shown = await client.get(mine)
    for r in (*posted, shown):
        assert r.status_code == 403 and "Không thể nhận tệp" in r.text
        assert "Chưa có tệp nào được lưu" in r.text
    assert web.calls == [] and web.stored() == []
    assert not list((Path(web.app.settings.evidence_dir) / ".tmp").glob("*"))
