"""What happens, for Prometheus (``/metrics`` on the web app): updates handled and failed per
channel with their handling time, documents made, reminders by outcome, report jobs in the
worker queue. One registry per app (a process runs one; the tests run several), counted by the
process that serves them: scrape each process of a multi-process installation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

P = ParamSpec("P")
T = TypeVar("T")
# An officer's press takes milliseconds; a report's /baocao a second or two.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.updates = Counter(
            "danvan_updates", "Updates handled by the engine", ["channel"], registry=r
        )
        self.errors = Counter(
            "danvan_update_errors", "Updates whose handling failed", ["channel"], registry=r
        )
        self.handling = Histogram(
            "danvan_update_seconds",
            "Time to handle an update (the transaction and the documents it asks for)",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.documents = Counter(
            "danvan_documents", "Documents made (unit reports, summaries, bundles)", ["kind"],
            registry=r,
        )  # fmt: skip
        self.reminders = Counter(
            "danvan_reminders", "Reminders by outcome (sent, blocked, failed...)", ["outcome"],
            registry=r,
        )  # fmt: skip
        self.reminder_passes = Counter(
            "danvan_reminder_passes", "Passes of the reminder loop over what is due", registry=r
        )
        self.report_queue = Gauge(
            "danvan_report_jobs", "Document jobs running or waiting for a worker", registry=r
        )

    def handled(self, channel: str, seconds: float, failed: bool) -> None:
        """One update handled by the engine (the engine's ``on_handled``)."""
        self.updates.labels(channel).inc()
        self.handling.labels(channel).observe(seconds)
        if failed:
            self.errors.labels(channel).inc()

    def counting(self, kind: str, make: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        """``make`` (a document maker), counted under ``kind`` when it succeeds."""

        async def made(*args: P.args, **kwargs: P.kwargs) -> T:
            result = await make(*args, **kwargs)
            self.documents.labels(kind).inc()
            return result

        return made

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
