"""``/metrics`` on the web app, scraped over HTTP while an officer uses the bot on Telegram:
the updates, their handling time and the documents made move as they happen."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import Metrics
from bot.reminders import Outcome, by_channel
from bot.settings import Settings
from bot.web.app import web_server
from conversations.events import Recipient, Reply
from tests.fake_telegram import FakeTelegram
from tests.support import serving
from tests.telegram_support import Phone, invite, running
from tests.zalo_support import free_port


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition, by name and labels."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_the_counters_move_as_updates_are_handled(
    settings: Settings, fake: FakeTelegram
) -> None:
    port = free_port()
    async with (
        running(settings) as app,
        serving(web_server(app, port=port)),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client,
    ):

        async def scrape() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
            response = await client.get("/metrics")
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/plain")
            return samples(response.text)

        before = await scrape()
        telegram = (("channel", "telegram"),)
        assert before.get(("danvan_updates_total", telegram), 0) == 0
        assert before[("danvan_report_jobs", ())] == 0

        phone = Phone(fake, fake.user(7301, "Cán bộ xã"))
        await phone.type(f"/start {await invite(app)}")  # straight to I.1
        await phone.tap_key("2")
        await phone.type("Kết quả I.1")  # on I.2: I.1's results
        await phone.type("/baocao")
        after = await scrape()

    assert after[("danvan_updates_total", telegram)] == 4
    assert after[("danvan_update_seconds_count", telegram)] == 4
    assert after[("danvan_update_seconds_sum", telegram)] > 0
    assert after.get(("danvan_update_errors_total", telegram), 0) == 0
    assert after[("danvan_documents_total", (("kind", "report"),))] == 1


async def test_reminders_are_counted_by_outcome() -> None:
    metrics = Metrics()
    outcomes = iter([Outcome.SENT, Outcome.SENT, Outcome.BLOCKED])

    async def telegram(_: object) -> Outcome:
        return next(outcomes)

    deliver = by_channel({"telegram": telegram}, metrics)
    due = SimpleNamespace(reply=Reply("Nhắc hạn", recipient=Recipient("telegram", "1")))
    for _ in range(3):
        await deliver(due)  # type: ignore[arg-type]
    counted = samples(metrics.exposition().decode())
    assert counted[("danvan_reminders_total", (("outcome", "sent"),))] == 2
    assert counted[("danvan_reminders_total", (("outcome", "blocked"),))] == 1
