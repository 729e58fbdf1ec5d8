"""Two real ``danvan run`` processes on one PostgreSQL database, behind one webhook URL.

The test starts the fake Bot API server, a round-robin proxy at PUBLIC_BASE_URL (what nginx
does in production) and two ``danvan run`` processes in webhook mode; it also POSTs updates to
the processes itself, many at once. Two officers of one unit answering at the same moment lose
nothing and double nothing; an update delivered to both processes is applied once; a
conversation alternating between the processes goes on correctly; reminders go out once.
PostgreSQL only (SQLite is one process's database).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import pytest_asyncio
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.demo import ensure_demo
from conversations.texts import msg
from rubric.scoring import fmt, whole_scores
from storage import migrate, people
from storage.db import make_engine, make_sessionmaker
from storage.models import (
    Answer,
    Assessment,
    AuditEvent,
    CriterionNote,
    Evidence,
    Identity,
    InboxUpdate,
    Invite,
    Membership,
    Period,
    Position,
    ReminderSent,
    Role,
    Unit,
    UnitKind,
)
from tests.conftest import _pg_url
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.support import rubric, score_key
from tests.telegram_support import PDF, Phone

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

SECRET = "multi-process-webhook-secret"
HOOK = "/telegram/webhook"
PROCESSES = 2
FIRST_UPDATE_ID = 1_000_000  # ours; the fake numbers its own updates from 1
OOPS = msg("oops").strip()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    """The processes, the fake server in front of them and a database session for checks."""

    url: str
    fake: FakeTelegram
    ports: list[int]
    logs: list[Path]
    evidence_dir: Path
    sessions: async_sessionmaker[AsyncSession]
    client: httpx.AsyncClient
    proxied: list[int] = field(default_factory=list)  # process index of each proxied POST
    _update_ids: Iterator[int] = field(default_factory=lambda: itertools.count(FIRST_UPDATE_ID))
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    # -- updates, as Telegram sends them --------------------------------------------------------
    def text(self, user: FakeUser, text: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": 100_000 + next(self._ids),
            "from": user.to_dict(),
            "chat": user.chat(),
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": next(self._update_ids), "message": message}

    def press(self, user: FakeUser, data: str) -> dict[str, Any]:
        """A button press on a question the bot asked long ago (an inaccessible message)."""
        query = {
            "id": f"q{user.id}-{next(self._ids)}",
            "from": user.to_dict(),
            "message": {"chat": user.chat(), "message_id": 1, "date": 0},
            "chat_instance": f"-{user.id}",
            "data": data,
        }
        return {"update_id": next(self._update_ids), "callback_query": query}

    async def post(self, update: dict[str, Any], process: int) -> None:
        response = await self.client.post(
            f"http://127.0.0.1:{self.ports[process]}{HOOK}",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        assert response.status_code == 200, response.text

    async def post_all(self, posts: list[tuple[dict[str, Any], int]]) -> None:
        """Every (update, process) POSTed at the same moment."""
        await asyncio.gather(*(self.post(update, process) for update, process in posts))

    # -- what the bot did -----------------------------------------------------------------------
    async def wait(self, check: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
        """Until ``check()`` (about what the fake server saw) holds, checked at each change of
        the fake; at once a failure when the bot apologised to someone for a failure."""
        await self.fake.until(lambda: check() or bool(self.apologies()), timeout, what)
        assert not self.apologies(), f"{what}: {self.apologies()}"

    async def reminder_passes(self, more: int, timeout: float = 20.0) -> None:
        """Until each process's reminder loop has made ``more`` passes after now (its
        /metrics counter): what they would still send, they have sent."""

        async def passes(process: int) -> float:
            response = await self.client.get(f"http://127.0.0.1:{self.ports[process]}/metrics")
            found = PASSES.search(response.text)
            return float(found.group(1)) if found else 0.0

        start = [await passes(p) for p in range(PROCESSES)]
        async with asyncio.timeout(timeout):
            for process in range(PROCESSES):
                while await passes(process) < start[process] + more:
                    await asyncio.sleep(0.05)  # polls the counter: ends at the event

    def apologies(self) -> list[dict[str, Any]]:
        """The "system failed" messages the bot sent (to anyone)."""
        return [c.params for c in self.fake.calls_to("sendMessage") if OOPS in str(c.params)]

    def sent(self, chat_id: int, after: int = 0) -> list[str]:
        return [
            c.params.get("text") or ""
            for c in self.fake.calls[after:]
            if c.method.lower() == "sendmessage" and c.ok and c.params.get("chat_id") == chat_id
        ]

    def answered(self, query_ids: set[str]) -> int:
        return sum(
            1
            for c in self.fake.calls_to("answerCallbackQuery")
            if c.params.get("callback_query_id") in query_ids
        )

    async def settle(self, user: FakeUser) -> None:
        """Until both processes have handled everything of this chat POSTed so far: each
        handles one chat's updates in order, so a /huongdan to each, answered, marks the end."""
        mark, help_text = self.fake.mark(), msg("help").strip()
        await self.post_all([(self.text(user, "/huongdan"), p) for p in range(PROCESSES)])
        await self.wait(
            lambda: sum(help_text in t for t in self.sent(user.id, mark)) == PROCESSES, "settled"
        )

    def assert_clean(self) -> None:
        """No one was told "the system failed", and no process logged an error."""
        assert not self.apologies(), self.apologies()
        for log in self.logs:
            text = log.read_text(encoding="utf-8", errors="replace")
            errors = [
                line for line in text.splitlines() if " ERROR " in line or "Traceback" in line
            ]
            assert not errors, f"{log.name}:\n" + text[-4000:]

    async def invite(self, unit_code: str) -> str:
        async with self.sessions() as s, s.begin():
            unit = await s.scalar(select(Unit).where(Unit.code == unit_code))
            assert unit is not None
            return (await people.create_invite(s, Role.OFFICER, unit.id)).token

    async def assessment(self, unit_code: str) -> Assessment:
        async with self.sessions() as s:
            rows = list(
                await s.scalars(
                    select(Assessment)
                    .join(Unit, Unit.id == Assessment.unit_id)
                    .where(Unit.code == unit_code)
                )
            )
        assert len(rows) == 1, rows
        return rows[0]

    async def cursor(self, unit_code: str) -> str | None:
        """Where the unit's one officer is in its assessment."""
        assessment = await self.assessment(unit_code)
        async with self.sessions() as s:
            found = list(
                await s.scalars(
                    select(Position.cursor).where(Position.assessment_id == assessment.id)
                )
            )
        assert len(found) == 1, found
        return found[0]


# --- the cluster: fake Bot API, proxy, two processes (once for the module) ---------------------


@pytest.fixture(scope="module")
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A PostgreSQL role + schema of its own, as ``db_url`` makes them (skipped without PG)."""
    yield from _pg_url(request)


@contextlib.asynccontextmanager
async def round_robin(targets: list[str], proxied: list[int]) -> AsyncIterator[str]:
    """A reverse proxy at the returned URL: each POST goes to the next target (like nginx)."""
    turn = itertools.count()

    async with httpx.AsyncClient(timeout=30) as client:

        async def forward(request: web.Request) -> web.Response:
            n = next(turn) % len(targets)
            proxied.append(n)
            upstream = await client.post(
                targets[n] + request.path_qs,
                content=await request.read(),
                headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
            )
            return web.Response(
                body=upstream.content,
                status=upstream.status_code,
                content_type=upstream.headers.get("content-type", "text/plain").split(";")[0],
            )

        app = web.Application()
        app.router.add_post("/{tail:.*}", forward)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        port = _free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            await runner.cleanup()


async def seed(sessions: async_sessionmaker[AsyncSession]) -> None:
    """The demo district VG (period 2022) with three communes."""
    async with sessions() as s, s.begin():
        await ensure_demo(s)  # VG, VG-CUUCAO, the 2022 period
        vg = await s.scalar(select(Unit).where(Unit.code == "VG"))
        assert vg is not None
        for code, name in (("VG-LIENNGHIA", "Liên Nghĩa"), ("VG-LONGHUNG", "Long Hưng")):
            s.add(
                Unit(
                    code=code,
                    name=f"UBND xã {name}",
                    short_name="UBND",
                    kind=UnitKind.COMMUNE,
                    parent_id=vg.id,
                    place=name,
                    head_title="CHỦ TỊCH",
                )
            )


def start_process(n: int, env: dict[str, str], cwd: Path, port: int) -> tuple[Any, Path]:
    log = cwd / f"danvan-run-{n}.log"
    with log.open("w") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env | {"WEB_PORT": str(port)},
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return proc, log


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cluster(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Cluster]:
    tmp = tmp_path_factory.mktemp("multiprocess")
    await migrate.upgrade(pg_url)
    db: AsyncEngine = make_engine(pg_url)
    sessions = make_sessionmaker(db)
    await seed(sessions)
    ports = [_free_port() for _ in range(PROCESSES)]
    proxied: list[int] = []
    procs: list[Any] = []
    async with (
        FakeTelegram() as fake,
        round_robin([f"http://127.0.0.1:{p}" for p in ports], proxied) as public,
        httpx.AsyncClient(timeout=30) as client,
    ):
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "ZALO_", "DANVAN_", "REMINDER"))
        }
        env.update(
            PYTHONPATH=str(Path(__file__).resolve().parents[1]),
            PTB_TIMEDELTA="1",
            DATABASE_URL=pg_url,
            TELEGRAM_BOT_TOKEN=fake.token,
            TELEGRAM_API_BASE_URL=fake.base_url,
            TELEGRAM_API_FILE_URL=fake.base_file_url,
            PUBLIC_BASE_URL=public,
            WEBHOOK_SECRET=SECRET,
            LINK_SECRET="multi-process-link-secret",
            WEB_HOST="127.0.0.1",
            DATA_DIR=str(tmp / "data"),
            EVIDENCE_DIR=str(tmp / "data" / "evidence"),  # shared by the processes
            OUTPUT_DIR=str(tmp / "out"),
            REMINDERS_ENABLED="true",  # in both: each reminder is claimed once
            REMINDER_INTERVAL="0.3",
            REMINDER_RATE="20",
        )
        logs: list[Path] = []
        try:
            for n, port in enumerate(ports):
                proc, log = start_process(n, env, tmp, port)
                procs.append(proc)
                logs.append(log)

            # a process registers its webhook once its web server listens
            registered = lambda: len(fake.calls_to("setWebhook")) == PROCESSES  # noqa: E731
            try:
                await fake.until(registered, 60, "both processes registered their webhook")
            except TimeoutError:
                tails = [f"{log}:\n{log.read_text()[-2000:]}" for log in logs]
                raise AssertionError("\n".join(tails)) from None
            for proc, port in zip(procs, ports, strict=True):
                assert proc.poll() is None
                (await client.get(f"http://127.0.0.1:{port}/healthz")).raise_for_status()
            assert {c.params["url"] for c in fake.calls_to("setWebhook")} == {public + HOOK}
            yield Cluster(pg_url, fake, ports, logs, tmp / "data" / "evidence", sessions, client,
                          proxied)  # fmt: skip
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            await db.dispose()
    for proc, log in zip(procs, logs, strict=True):
        assert proc.returncode == 0, log.read_text()[-3000:]


# --- the scenarios -------------------------------------------------------------------------


def press_data(aid: int, item_id: str, key: str) -> str:
    return f"1|{aid}|score:{item_id}|{key}"


async def test_two_officers_of_one_unit_answering_at_once_lose_nothing(cluster: Cluster) -> None:
    fake, r = cluster.fake, rubric()
    one, two = fake.user(3001, "Nguyễn Văn Một"), fake.user(3002, "Trần Thị Hai")
    tokens = [await cluster.invite("VG-CUUCAO") for _ in range(2)]
    mark = fake.mark()
    # both join at once, one on each process: both would make the unit's assessment
    await cluster.post_all(
        [
            (cluster.text(one, f"/start {tokens[0]}"), 0),
            (cluster.text(two, f"/start {tokens[1]}"), 1),
        ]
    )
    await cluster.wait(
        lambda: all(any("Chào mừng" in t for t in cluster.sent(u.id, mark)) for u in (one, two)),
        "both welcomed",
    )
    before = await cluster.assessment("VG-CUUCAO")

    # every item once, alternately by the two officers; the first four by both, differently
    presses: list[tuple[FakeUser, str, str]] = []
    for n, item in enumerate(r.items()):
        keys = (
            [str(k) for k in range(1, len(item.choices) + 1)]
            if item.is_tiered
            else [fmt(v) for v in whole_scores(item)]
        )
        presses.append(((one, two)[n % 2], item.id, keys[-1]))
        if n < 4:
            presses.append(((two, one)[n % 2], item.id, keys[-2]))
    random.Random(2026).shuffle(presses)
    updates = [
        cluster.press(user, press_data(before.id, item_id, key)) for user, item_id, key in presses
    ]
    query_ids = {u["callback_query"]["id"] for u in updates}
    started = time.monotonic()
    await cluster.post_all([(u, n % PROCESSES) for n, u in enumerate(updates)])
    await cluster.wait(lambda: cluster.answered(query_ids) == len(updates), "every press answered")
    took = time.monotonic() - started
    await cluster.settle(one)
    await cluster.settle(two)

    after = await cluster.assessment("VG-CUUCAO")
    assert after.id == before.id
    async with cluster.sessions() as s:
        # one audited change per press (each changes a score); settle()'s /huongdan none
        changes = await s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.assessment_id == after.id, AuditEvent.action == "answer.score")
        )
        assert changes == len(presses), "one per change"
        answers = {
            a.item_id: a
            for a in await s.scalars(select(Answer).where(Answer.assessment_id == after.id))
        }
        audit = list(
            await s.scalars(
                select(AuditEvent)
                .where(AuditEvent.assessment_id == after.id, AuditEvent.action == "answer.score")
                .order_by(AuditEvent.id)
            )
        )
        keys = list(await s.scalars(select(InboxUpdate.update_key).where(
            InboxUpdate.handled_at.is_not(None))))  # fmt: skip
        ids = {str(u["update_id"]) for u in updates}
        handled = sum(key.partition(":")[0] in ids for key in keys)
    assert handled == len(presses)
    assert sorted(answers) == sorted(i.id for i in r.items())  # every item, once
    person_of = await _person_ids(cluster, (one, two))

    def value(item_id: str, key: str) -> str:
        item = r.item(item_id)
        assert item is not None
        return item.choices[int(key) - 1].id if item.is_tiered else key

    # every press audited exactly once, with its officer and its value
    assert sorted((e.target, e.new, e.person_id) for e in audit) == sorted(
        (item_id, value(item_id, key), person_of[user.id]) for user, item_id, key in presses
    )
    last = {e.target: e.new for e in audit}  # audit ids follow the commits (row lock)
    for item_id, answer in answers.items():
        item = r.item(item_id)
        assert item is not None
        assert (answer.choice_id if item.is_tiered else fmt(answer.score)) == last[item_id]
        assert answer.updated_by_id == next(e.person_id for e in reversed(audit)
                                            if e.target == item_id)  # fmt: skip
    cluster.assert_clean()
    print(f"\n{len(presses)} concurrent presses on 2 processes handled in {took:.2f}s")


async def _person_ids(cluster: Cluster, users: tuple[FakeUser, ...]) -> dict[int, int]:
    """Telegram user id -> the person the bot made for them."""
    async with cluster.sessions() as s:
        rows = await s.execute(
            select(Identity.external_id, Identity.person_id).where(
                Identity.channel == "telegram",
                Identity.external_id.in_([str(u.id) for u in users]),
            )
        )
        return {int(external): person for external, person in rows.all()}


async def test_an_update_delivered_to_both_processes_is_applied_once(cluster: Cluster) -> None:
    fake = cluster.fake
    user = fake.user(3201, "Lê Văn Ba")
    token = await cluster.invite("VG-LONGHUNG")

    mark = fake.mark()
    start = cluster.text(user, f"/start {token}")
    await cluster.post_all([(start, p) for p in range(PROCESSES)])
    await cluster.settle(user)
    assert sum("Chào mừng" in t for t in cluster.sent(user.id, mark)) == 1
    (person,) = (await _person_ids(cluster, (user,))).values()
    async with cluster.sessions() as s:
        invite = await s.scalar(select(Invite).where(Invite.token == token))
        assert invite is not None and invite.redeemed_by_id == person
        assert (
            await s.scalar(
                select(func.count()).select_from(Membership).where(Membership.person_id == person)
            )
            == 1
        )

    assessment = await cluster.assessment("VG-LONGHUNG")
    mark = fake.mark()
    press = cluster.press(user, press_data(assessment.id, "I.1", "2"))
    await cluster.post_all([(press, n % PROCESSES) for n in range(3 * PROCESSES)])  # 3 each
    await cluster.settle(user)
    assert sum("I.1: 2/2 điểm" in t for t in cluster.sent(user.id, mark)) == 1
    async with cluster.sessions() as s:
        audit = await s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.assessment_id == assessment.id, AuditEvent.action == "answer.score")
        )
        assert audit == 1

    mark = fake.mark()
    progress = cluster.text(user, "/tiendo")
    await cluster.post_all([(progress, p) for p in range(PROCESSES)])
    await cluster.settle(user)
    said = cluster.sent(user.id, mark)  # the progress once; the copy gets the current screen
    assert sum("• Tiêu chí 1: 2/14" in t for t in said) == 1, "\n=====\n".join(said)
    cluster.assert_clean()


async def test_a_conversation_alternating_between_processes_goes_on(cluster: Cluster) -> None:
    fake, r = cluster.fake, rubric()
    phone = Phone(fake, fake.user(3101, "Phạm Thị Tư"))
    token = await cluster.invite("VG-LIENNGHIA")
    first = len(cluster.proxied)
    await phone.type(f"/start {token}")
    assert "Chào mừng đồng chí" in phone.texts()
    (criterion, *_) = r.criteria  # the invite led straight to I.1
    for item in criterion.items:
        assert phone.target() == f"score:{item.id}", phone.texts()[-500:]
        await phone.tap_key(score_key(r, item.id, float(max(whole_scores(item)))))
        if item.id == "I.1":  # on I.2's question: the item just scored
            await phone.send(fake.send_document(phone.user, PDF, "ke-hoach.pdf", "application/pdf"))
        last = item == criterion.items[-1]  # its results typed on the strengths question
        await phone.type(f"{item.id}: Kết quả {item.id}" if last else f"Kết quả {item.id}")
    await phone.type("Làm tốt tiêu chí I")
    await phone.type("Hạn chế tiêu chí I")  # typed on II.1's question
    assert phone.target() == "score:II.1"
    await phone.type("/tiendo")
    assert "Đã chấm 5/28 mục · 1 tệp minh chứng" in phone.texts()

    served = cluster.proxied[first:]
    assert len(served) >= 15 and set(served) == {0, 1}  # both processes took turns
    assessment = await cluster.assessment("VG-LIENNGHIA")
    assert await cluster.cursor("VG-LIENNGHIA") == "score:II.1"
    async with cluster.sessions() as s:
        answers = dict(
            (
                await s.execute(
                    select(Answer.item_id, Answer.results_text).where(
                        Answer.assessment_id == assessment.id
                    )
                )
            ).all()
        )
        note = await s.scalar(
            select(CriterionNote).where(CriterionNote.assessment_id == assessment.id)
        )
        (evidence,) = await s.scalars(
            select(Evidence).where(Evidence.assessment_id == assessment.id)
        )
    assert answers == {i.id: f"Kết quả {i.id}" for i in criterion.items}
    assert note is not None and note.strengths == "Làm tốt tiêu chí I"
    assert (cluster.evidence_dir / evidence.storage_key).read_bytes() == PDF
    cluster.assert_clean()


BUSY = 3  # officers keeping process A busy with /baocao, one chat each (as Telegram: in turn)
INVALID = "không phải là điểm hợp lệ"


async def test_a_chats_updates_stay_in_order_while_one_process_is_busy(cluster: Cluster) -> None:
    """Telegram POSTs a chat's next update only once the webhook answered the previous one.
    With process A kept busy by other officers' /baocao, an officer's scores and results texts
    (typed on the next question: they need the score stored) go to A and B in turn, each
    POSTed once the previous POST returned: each is stored when its POST returns, so the next
    one (on the other process) finds it."""
    fake, r = cluster.fake, rubric()
    a, b = 0, 1
    codes = [f"VG-BAN{n}" for n in range(BUSY)] + ["VG-THUTU"]
    async with cluster.sessions() as s, s.begin():
        vg = await s.scalar(select(Unit).where(Unit.code == "VG"))
        assert vg is not None
        for code in codes:
            s.add(Unit(code=code, name=f"UBND xã {code}", kind=UnitKind.COMMUNE, parent_id=vg.id))
    busy = [fake.user(3301 + n, f"Cán bộ bận {n}") for n in range(BUSY)]
    user = fake.user(3401, "Đỗ Văn Năm")
    tokens = [await cluster.invite(code) for code in codes]
    mark = fake.mark()
    await cluster.post_all(
        [(cluster.text(u, f"/start {t}"), n % PROCESSES) for n, (u, t) in
         enumerate(zip([*busy, user], tokens, strict=True))]
    )  # fmt: skip
    await cluster.wait(
        lambda: all(any("Chào mừng" in t for t in cluster.sent(u.id, mark)) for u in [*busy, user]),
        "all welcomed",
    )
    await cluster.post(cluster.text(user, "/tieptuc"), b)
    assert await cluster.cursor("VG-THUTU") == "score:I.1"  # stored when the POST returned
    assessment = await cluster.assessment("VG-THUTU")

    in_flight: list[int] = [0]  # /baocao POSTed to A and not answered yet
    reports = [0]
    done = asyncio.Event()

    def documents(officer: FakeUser) -> int:
        return sum(c.params.get("chat_id") == officer.id for c in fake.calls_to("sendDocument"))

    async def keep_busy(officer: FakeUser) -> None:
        while not done.is_set():
            before = documents(officer)
            in_flight[0] += 1
            try:
                await cluster.post(cluster.text(officer, "/baocao"), a)
            finally:
                in_flight[0] -= 1
            reports[0] += 1
            # already sent when the POST returns; were it not, no flood of /baocao piles up
            await cluster.wait(lambda: documents(officer) > before, "report sent")  # noqa: B023

    async def stored(item_id: str) -> Answer | None:
        async with cluster.sessions() as s:
            return await s.scalar(
                select(Answer).where(
                    Answer.assessment_id == assessment.id, Answer.item_id == item_id
                )
            )

    def writing() -> set[int]:  # the chats told "sending a document" since ``since``
        calls = fake.calls[since:]
        return {c.params["chat_id"] for c in calls if c.method.lower() == "sendchataction"}

    (criterion, *_) = r.criteria
    overlapped: list[int] = []  # /baocao in flight when each of the officer's POSTs to A went
    turn = itertools.cycle([a, b, b])  # a score and its results on A then B, B then A, …
    since = fake.mark()
    loops = [asyncio.create_task(keep_busy(officer)) for officer in busy]
    started = time.monotonic()
    try:
        await cluster.wait(lambda: writing() == {o.id for o in busy}, "A writing the reports")
        nexts = [f"score:{i.id}" for i in criterion.items[1:]] + [f"strengths:{criterion.id}"]
        for item, after in zip(criterion.items, nexts, strict=True):
            points = max(whole_scores(item))
            last = item == criterion.items[-1]  # its results typed on the strengths question
            results = f"{item.id}: Kết quả {item.id}" if last else f"Kết quả {item.id}"
            for update, check in (
                (cluster.text(user, score_key(r, item.id, float(points))), "score"),
                (cluster.text(user, results), "results"),
            ):
                process = next(turn)
                if process == a:
                    overlapped.append(in_flight[0])
                await cluster.post(update, process)
                # returned: already stored, whichever process gets the next update
                answer = await stored(item.id)
                assert answer is not None, f"{item.id} {check}: not stored when the POST returned"
                if check == "score":  # and on to the next question at once
                    assert answer.score == points
                    assert await cluster.cursor("VG-THUTU") == after
                else:
                    assert answer.results_text == f"Kết quả {item.id}"
        took = time.monotonic() - started
    finally:
        done.set()
        await asyncio.gather(*loops)

    assert overlapped and min(overlapped) >= 1, overlapped  # A was busy at each of them
    assert reports[0] >= BUSY, reports
    said = "\n".join(cluster.sent(user.id, since))
    assert INVALID not in said and OOPS not in said and "⚠️" not in said, said
    async with cluster.sessions() as s:
        answers = {
            x.item_id: (x.score, x.results_text)
            for x in await s.scalars(select(Answer).where(Answer.assessment_id == assessment.id))
        }
    assert answers == {i.id: (max(whole_scores(i)), f"Kết quả {i.id}") for i in criterion.items}
    cluster.assert_clean()
    print(f"\n{2 * len(criterion.items)} updates in turn on A and B beside {reports[0]} "
          f"/baocao on A in {took:.2f}s")  # fmt: skip


PASSES = re.compile(r"^danvan_reminder_passes_total (\S+)$", re.M)
TALLY = re.compile(
    r"reminders: Tally\(sent=(\d+), blocked=\d+, failed=\d+, retry=\d+, taken=(\d+)\)"
)


async def test_both_reminder_loops_send_each_reminder_once(cluster: Cluster) -> None:
    """Both processes run the reminder loop; a deadline today makes one reminder due for each
    officer of a district's units: each gets exactly one, and both processes did send."""
    fake, officers = cluster.fake, 20
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    mark = fake.mark()
    chats = [7001 + n for n in range(officers)]
    for chat in chats:
        fake.user(chat, f"Cán bộ {chat}")
    async with cluster.sessions() as s, s.begin():
        district = Unit(code="TX", name="UBND thị xã Thử", kind=UnitKind.DISTRICT)
        s.add(district)
        await s.flush()
        for chat in chats:
            unit = Unit(code=f"TX-{chat}", name=f"UBND phường {chat}", kind=UnitKind.COMMUNE,
                        parent_id=district.id)  # fmt: skip
            s.add(unit)
            await s.flush()
            person = await people.add_person(s, f"Cán bộ {chat}", "telegram", str(chat), str(chat))
            await people.grant(s, person.id, Role.OFFICER, unit.id)
        s.add(
            Period(
                year=today.year + 1,
                rubric_id="hung-yen-2022",
                authority_id=district.id,
                submit_by=today,
                appraise_by=today + timedelta(days=10),
                report_by=today + timedelta(days=20),
                # due from 00:00 today (local), no quiet hours: due whenever the test runs
                reminder_schedule={"offsets_days": [0], "hour": 0, "quiet": [0, 0]},
            )
        )

    await cluster.wait(lambda: all(cluster.sent(c, mark) for c in chats), "every reminder sent",
                       timeout=30)  # fmt: skip
    async with cluster.sessions() as s:  # claimed before sent
        assert await s.scalar(select(func.count()).select_from(ReminderSent)) == officers
    await cluster.reminder_passes(2)  # two more passes of both loops: nothing more goes out
    got = {chat: cluster.sent(chat, mark) for chat in chats}
    assert all(len(texts) == 1 for texts in got.values()), got
    assert all("hôm nay là ngày cuối cùng" in texts[0] for texts in got.values())

    tallies = [[tuple(map(int, m)) for m in TALLY.findall(log.read_text())] for log in cluster.logs]
    sent = [sum(s for s, _ in t) for t in tallies]
    assert sum(sent) == officers, tallies
    assert all(sent), f"one process sent everything: {tallies}"  # they did compete
    cluster.assert_clean()
