"""The real web app over HTTP and a phone-sized Chromium (Playwright, Debian's chromium by its
path: Playwright's own browser download is not reachable from these machines)."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App, open_app
from bot.demo import ensure_demo
from bot.settings import Settings
from bot.web.app import web_server
from bot.web.links import Links, UploadGrant
from conversations.events import Reply
from storage import people
from storage.models import Assessment, Period, Role
from tests.support import serving
from tests.zalo_support import free_port

PHONE = {"width": 360, "height": 740}  # a common Android phone's CSS viewport
REQUIRE = "DANVAN_REQUIRE_BROWSER"  # set by .ci/run: a missing browser fails, not skips
SHOTS = "DANVAN_SCREENSHOTS"  # a folder for the screenshots (docs/upload to refresh the docs)
OFFICER = ("zalo", "zl-1", "zl-1")


def chromium() -> str:
    """Debian's chromium; the test is skipped without it (failed when REQUIRE is set)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        reason = "Chromium is not installed: apt-get install chromium (.ci/run installs it)"
        if os.environ.get(REQUIRE):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def shots_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get(SHOTS) or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class Site:
    """The web app of ``app``, serving at ``url``, for the demo unit's Zalo officer."""

    app: App
    url: str
    assessment_id: int
    told: list[str] = field(default_factory=list)  # what the officer's chat was sent

    @property
    def links(self) -> Links:
        assert self.app.links is not None
        return self.app.links

    def upload_link(self, item_id: str) -> str:
        return self.links.upload_url(UploadGrant(*OFFICER, self.assessment_id, item_id))


def site_settings(tmp_path: Path, port: int) -> Settings:
    return Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'danvan.db'}",
        data_dir=tmp_path / "data",
        evidence_dir=tmp_path / "evidence",
        output_dir=tmp_path / "out",
        public_base_url=f"http://127.0.0.1:{port}",
        web_port=port,
        link_secret="a-link-secret-for-the-browser-tests",
        max_upload_mb=1,
        max_web_upload_mb=2,  # small files stand for big ones: the limits are the settings'
    )


async def zalo_officer_assessment(app: App) -> int:
    """The demo unit's assessment (its id) and its officer on Zalo (OFFICER), whose upload
    links the web tests open."""
    async with app.sessions() as s, s.begin():
        unit = await ensure_demo(s)
        period = await s.scalar(select(Period))
        assert period is not None
        assessment = Assessment(unit_id=unit.id, period_id=period.id)
        s.add(assessment)
        officer = await people.add_person(s, "Cán bộ Zalo", *OFFICER)
        await people.grant(s, officer.id, Role.OFFICER, unit.id)
    return assessment.id


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    port = free_port()
    async with open_app(site_settings(tmp_path, port)) as app:
        site = Site(app, f"http://127.0.0.1:{port}", await zalo_officer_assessment(app))

        async def zalo(chat_id: str, replies: list[Reply]) -> None:  # the officer's chat
            site.told.extend(r.text for r in replies)

        app.outboxes["zalo"] = zalo
        async with serving(web_server(app, port=port)):
            yield site


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    path = chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=path, args=["--lang=vi"])
        try:
            yield launched
        finally:
            await launched.close()


async def phone(browser: Any, *, script: bool = True) -> Any:
    """A new page in a phone-sized, touch, Vietnamese browser context."""
    context = await browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="vi-VN",
        device_scale_factor=1,
        java_script_enabled=script,
    )
    return await context.new_page()


async def shoot(page: Any, path: Path) -> None:
    """A screenshot of the first screen, in 64 colours: a few tens of KB, for the docs."""
    from PIL import Image

    await page.screenshot(path=path)
    with Image.open(path) as shot:
        small = shot.convert("RGB").quantize(64)
    small.save(path, optimize=True)


async def layout(page: Any) -> dict[str, Any]:
    """How the page lies on the screen: its width, the picker's and the result's boxes (px
    from the top of the page), the smallest text."""
    return await page.evaluate(
        """() => {
          const box = (sel) => { const e = document.querySelector(sel);
            if (!e) return null; const r = e.getBoundingClientRect();
            return {top: r.top + scrollY, bottom: r.bottom + scrollY}; };
          const sizes = [...document.querySelectorAll("p, li, label, h1, summary")]
            .filter((e) => e.offsetParent !== null)
            .map((e) => parseFloat(getComputedStyle(e).fontSize));
          return {width: document.documentElement.scrollWidth,
                  picker: box("label.pick"), send: box("button[type=submit]"),
                  result: box("#ket-qua li:first-child") || box("#ket-qua p"),
                  smallest: Math.min(...sizes)};
        }"""
    )
