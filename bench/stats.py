"""Small statistics helpers shared by the runner and the report."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100), nearest-rank; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary_ms(values: Sequence[float]) -> dict[str, float | int | None]:
    """p50/p95/p99/max in milliseconds of durations in seconds, and how many there were."""
    out: dict[str, float | int | None] = {"n": len(values)}
    for name, q in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100)):
        value = percentile(values, q)
        out[name] = None if value is None else round(value * 1000, 1)
    return out


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def fmt(value: float | int | None, digits: int = 1, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, int) or digits == 0:
        return f"{round(value):,}{unit}"
    return f"{value:,.{digits}f}{unit}"


def ratio(ours: float | None, theirs: float | None) -> str:
    if not ours or not theirs:
        return "—"
    return f"{ours / theirs * 100:.0f} %"
