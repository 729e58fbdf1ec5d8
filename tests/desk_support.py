"""The appraiser's desk as a district uses it: the sample district's 26 units, the bot on the
fake Bot API, the web app over HTTP; sign-in links taken from the appraiser's chat."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, update

from bot.app import App
from bot.settings import Settings
from bot.web.app import web_server
from storage.admin import periods as period_admin
from storage.models import Assessment, Evidence, Role, Status, Unit, UnitKind
from tests import evidence_samples
from tests.district_support import District, fill, invite, sample_district
from tests.fake_telegram import FakeTelegram
from tests.support import rubric, serving
from tests.telegram_support import Phone, running
from tests.zalo_support import free_port

LINK = re.compile(r"https?://\S+/desk/signin/\S+")
LINK_SECRET = "a-link-secret-for-the-desk-tests-0123456789"


def desk_settings(settings: Settings, tmp_path: Path) -> tuple[Settings, int]:
    port = free_port()
    return (
        settings.model_copy(
            update={
                "public_base_url": f"http://127.0.0.1:{port}",
                "web_port": port,
                "data_dir": tmp_path / "data",
                "link_secret": LINK_SECRET,
            }
        ),
        port,
    )


TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


class DeskClient(httpx.AsyncClient):
    """A browser on the desk: its forms carry the session's token, read from a page."""

    form_token = ""

    def __init__(self, **kwargs: Any) -> None:
        # a document is made while its download waits: seconds when the suite fills the cores
        super().__init__(timeout=60.0, **kwargs)

    async def sign_in(self, link: str) -> httpx.Response:
        answer = await self.get(link)
        assert answer.status_code == 303, answer.text
        page = await self.get("/desk")
        found = TOKEN.search(page.text)
        self.form_token = found.group(1) if found else ""
        return answer

    async def post_form(self, url: str, data: dict[str, str]) -> httpx.Response:
        return await self.post(url, data={"form_token": self.form_token, **data})


@dataclass
class Desk:
    app: App
    fake: FakeTelegram
    url: str
    district: District

    async def appraiser(self, user_id: int, code: str = "VG", name: str = "Phòng Nội vụ") -> Phone:
        phone = Phone(self.fake, self.fake.user(user_id, name))
        await phone.type(f"/start {await invite(self.app, code, Role.APPRAISER)}")
        return phone

    async def officer(self, user_id: int, code: str) -> Phone:
        phone = Phone(self.fake, self.fake.user(user_id, f"Cán bộ {user_id}"))
        await phone.type(f"/start {await invite(self.app, code)}")
        return phone

    async def link(self, phone: Phone) -> str:
        """``/ban`` in the chat; the sign-in link the bot sent."""
        before = len(self.fake.chat(phone.user.id))
        await phone.type("/ban")
        text = "\n".join(m.text or "" for m in self.fake.chat(phone.user.id)[before:])
        found = LINK.search(text)
        assert found, text
        return found.group(0)

    @asynccontextmanager
    async def signed_in(self, phone: Phone) -> AsyncIterator[DeskClient]:
        """A browser of the appraiser, signed in from the chat's link."""
        async with DeskClient(base_url=self.url) as client:
            await client.sign_in(await self.link(phone))
            yield client

    async def submitted(self, code: str) -> int:
        """The unit's assessment filled and submitted (as its officers would); its id."""
        await fill(self.app, self.district, code)
        aid = self.district.assessments[code]
        async with self.app.sessions() as s, s.begin():
            await s.execute(
                update(Assessment)
                .where(Assessment.id == aid)
                .values(
                    status=Status.SUBMITTED, submitted_at=datetime.now(UTC), self_total=Decimal(90)
                )
            )
        return aid


async def add_evidence(
    app: App, aid: int, item_id: str, name: str, data: bytes, mime: str, kind: str = "document"
) -> None:
    """A file attached to the item, as the officer's upload would."""
    stored = await app.files.put_bytes(data)
    async with app.sessions() as s, s.begin():
        s.add(
            Evidence(assessment_id=aid, item_id=item_id, kind=kind, original_name=name,
                     mime_type=mime, size=stored.size, sha256=stored.sha256,
                     storage_key=stored.key)
        )  # fmt: skip


async def with_evidence(app: App, aid: int) -> None:
    """Photos and documents on the unit's first items (40 files in all)."""
    items = [i.id for i in rubric().items()]
    for n in range(40):
        item = items[n % 10]
        if n % 4 == 3:
            data, name, mime, kind = (
                evidence_samples.pdf(f"Kế hoạch {n}"),
                f"Ke-hoach-{n}.pdf",
                "application/pdf",
                "document",
            )
        else:
            data, name, mime, kind = evidence_samples.jpeg(n), f"anh-{n}.jpg", "image/jpeg", "photo"
        await add_evidence(app, aid, item, name, data, mime, kind)


async def other_district(app: App) -> int:
    """Another district with one commune and its own period; the commune's assessment id."""
    async with app.sessions() as s, s.begin():
        district = Unit(code="KC", name="UBND huyện Khoái Châu", kind=UnitKind.DISTRICT)
        s.add(district)
        await s.flush()
        commune = Unit(code="KC-TANDAN", name="UBND xã Tân Dân", kind=UnitKind.COMMUNE,
                       parent_id=district.id)  # fmt: skip
        s.add(commune)
        await s.flush()
        await period_admin.create_period(
            s, district, year=2022, rubric_id="hung-yen-2022", submit_by=date(2022, 11, 15),
            appraise_by=date(2022, 12, 1), report_by=date(2022, 12, 10),
        )  # fmt: skip
        return int(await s.scalar(select(Assessment.id).where(Assessment.unit_id == commune.id)))


@asynccontextmanager
async def desk_running(
    settings: Settings, tmp_path: Path, fake: FakeTelegram
) -> AsyncIterator[Desk]:
    configured, port = desk_settings(settings, tmp_path)
    async with running(configured, demo=False) as app:
        district = await sample_district(app)
        async with serving(web_server(app, port=port)):
            yield Desk(app, fake, f"http://127.0.0.1:{port}", district)
