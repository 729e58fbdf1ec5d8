"""The evidence upload page in Chromium at 360x740, as an officer's phone shows it: the picker
and the result on the first screen for every item, no page wider than the phone, a file over
the limit refused before sending, progress while sending, one chat message, no resend on
reload, and an altered link that says what to do. Screenshots go to $DANVAN_SCREENSHOTS
(docs/upload to refresh the ones in the docs)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect
from sqlalchemy import func, select

from bot.web.upload import Result
from storage.models import Evidence
from tests import evidence_samples
from tests.browser_support import PHONE, Site, layout, phone, shoot, shots_dir
from tests.support import rubric

pytestmark = pytest.mark.slow  # a browser in a process of its own

MB = 1024 * 1024
SLOW = {"offline": False, "latency": 100, "downloadThroughput": -1, "uploadThroughput": 200_000}
LONG = "BienBanHoiNghiQuanTrietNghiQuyetVeCongTacDanVanChinhQuyen.pdf"  # 60 characters, no blank
REFUSAL = "⚠️ Tệp «setup.pdf» không thuộc loại được nhận. Tài liệu kiểm chứng nhận các định dạng: …"


def pdf_file(name: str, size: int) -> dict[str, Any]:
    return {"name": name, "mimeType": "application/pdf",
            "buffer": evidence_samples.pdf("Biên bản", attached=size)}  # fmt: skip


async def evidence_count(site: Site) -> int:
    async with site.app.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(Evidence)) or 0)


async def test_every_item_has_the_picker_and_the_result_on_the_first_screen(
    site: Site, browser: Any
) -> None:
    page = await phone(browser)
    lowest = {"picker": 0.0, "result": 0.0, "send": 0.0}
    for item in rubric().items():
        link = site.upload_link(item.id)
        results = [Result(LONG, "saved", 1_536_000), Result("setup.pdf", "refused", 0, REFUSAL)]
        said = site.links.result_token(
            link.rsplit("/", 1)[1], [list(vars(r).values()) for r in results]
        )
        for url in (link, f"{link}?r={said}"):
            await page.goto(url)
            shown = await layout(page)
            assert shown["width"] <= PHONE["width"], (item.id, shown)
            assert shown["smallest"] >= 15, (item.id, shown)
            assert shown["picker"]["bottom"] <= PHONE["height"], (item.id, url, shown)
            if shown["result"] is not None:
                assert shown["result"]["bottom"] <= PHONE["height"], (item.id, shown)
                lowest["result"] = max(lowest["result"], shown["result"]["bottom"])
            lowest["picker"] = max(lowest["picker"], shown["picker"]["bottom"])
            lowest["send"] = max(lowest["send"], shown["send"]["bottom"])
    print(f"\nlowest on the first screen of {PHONE['height']} px, over 28 items: {lowest}")


async def test_an_upload_from_a_phone(site: Site, browser: Any, tmp_path: Path) -> None:
    shots = shots_dir(tmp_path)
    page = await phone(browser)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    link = site.upload_link("IV.1")
    await page.goto(link)
    await expect(page.locator("label.pick")).to_have_text("📎 Chọn tệp")
    await shoot(page, shots / "1-trang-gui-tai-lieu.png")

    # a file over the limit (2 MB here) is refused in the browser: nothing is sent
    files = page.locator("input[type=file]")
    await files.set_input_files([pdf_file("Biên bản lớn.pdf", 3 * MB), pdf_file(LONG, 10_000)])
    await page.get_by_role("button", name="Gửi tài liệu").click()
    refused = page.locator("#loi")
    await expect(refused).to_contain_text("vượt mức tối đa 2 MB mỗi tệp; chưa gửi tệp nào")
    await expect(page.locator("#da-chon li")).to_have_count(2)
    assert posts == [] and (await layout(page))["width"] == PHONE["width"]
    await shoot(page, shots / "2-tep-qua-lon.png")

    # progress while sending: the upload throttled to a slow mobile link (about 8 s)
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.emulateNetworkConditions", SLOW)
    photo = {"name": "ảnh hội nghị.png", "mimeType": "image/png", "buffer": evidence_samples.png(3)}
    await files.set_input_files([pdf_file(LONG, int(1.5 * MB)), photo])
    started = time.monotonic()
    await page.get_by_role("button", name="Gửi tài liệu").click()
    progress = page.locator("#tien-do")
    await expect(progress).to_be_visible()
    first_progress = time.monotonic() - started
    going = re.compile(r"Đang gửi: [\d,]+ KB / 1,5 MB \([2-9]\d%\)")  # a good way on
    await expect(progress.locator("p")).to_have_text(going)
    await expect(page.get_by_role("button", name="Gửi tài liệu")).to_be_disabled()
    await shoot(page, shots / "3-dang-gui.png")
    await page.wait_for_url("**/u/*?r=*", timeout=60_000)
    sent = time.monotonic() - started
    await cdp.send(
        "Network.emulateNetworkConditions", {**SLOW, "latency": 0, "uploadThroughput": -1}
    )

    # the result at the top, the long name wrapped, the page as wide as the phone
    result = page.locator("#ket-qua")
    await expect(result).to_contain_text("Đã nhận 2/2 tệp. Mục IV.1 hiện có 2 tệp.")
    await expect(result).to_contain_text(f"✅ «{LONG}» (1,5 MB)")
    shown = await layout(page)
    assert shown["width"] == PHONE["width"] and shown["smallest"] >= 15
    assert shown["result"]["bottom"] <= PHONE["height"]
    await shoot(page, shots / "4-ket-qua.png")
    assert len(posts) == 1 and await evidence_count(site) == 2
    assert len(site.told) == 1  # one chat message for the upload, naming every file
    assert f"✅ {LONG}" in site.told[0] and "✅ ảnh hội nghị.png" in site.told[0]

    # a reload shows the result again and sends nothing
    await page.reload()
    await expect(result).to_contain_text("Đã nhận 2/2 tệp.")
    assert len(posts) == 1 and await evidence_count(site) == 2 and len(site.told) == 1

    # an altered link says which command gives a new one
    token = link.rsplit("/", 1)[1]
    await page.goto(link.replace(token, token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB")))
    await expect(page.locator("h1")).to_have_text("Đường dẫn không hợp lệ")
    await expect(page.locator("main")).to_contain_text("gõ /tieptuc trong cuộc trò chuyện")
    await shoot(page, shots / "5-duong-dan-sai.png")
    print(f"\nfirst progress {first_progress:.2f} s after the tap; 1,5 MB sent in {sent:.1f} s")


async def test_without_a_script_the_form_still_sends(
    site: Site, browser: Any, tmp_path: Path
) -> None:
    page = await phone(browser, script=False)
    await page.goto(site.upload_link("II.1"))
    await page.locator("input[type=file]").set_input_files([pdf_file(LONG, 10_000)])
    await page.get_by_role("button", name="Gửi tài liệu").click()
    await page.wait_for_url("**/u/*?r=*")
    await expect(page.locator("#ket-qua")).to_contain_text("Đã nhận 1/1 tệp.")
    assert (await layout(page))["width"] == PHONE["width"]
    await shoot(page, shots_dir(tmp_path) / "6-khong-co-script.png")
    assert await evidence_count(site) == 1 and len(site.told) == 1
