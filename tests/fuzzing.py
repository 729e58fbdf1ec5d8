"""How every property-based test runs: derandomized (the same cases on every run and every
machine: a test that fails, fails again), no example database in the work tree, no deadline (a
busy CI machine must not turn slowness into failures)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
