"""``danvan run``'s event loop: uvloop's where it is installed (the bot's own processes, run by
tests/test_bot_crash.py and tests/test_bot_multiprocess.py, go through it)."""

from __future__ import annotations

import asyncio
import sys

import pytest

from bot.cli import run


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop is not installed on Windows")
def test_the_bot_runs_on_uvloop() -> None:
    seen: list[str] = []

    async def main() -> None:
        seen.append(type(asyncio.get_running_loop()).__module__)

    run._serve_forever(main())
    assert seen and seen[0].startswith("uvloop")


def test_without_uvloop_asyncios_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import fails, as on Windows
    seen: list[str] = []

    async def main() -> None:
        seen.append(type(asyncio.get_running_loop()).__module__)

    run._serve_forever(main())
    assert seen and seen[0].startswith("asyncio")
