"""``danvan run``'s start-up (bot/serve.py): what it made is kept out of the garbage
collector's full collections. (The channels, the web app and the reminders are run through
``danvan run`` by tests/test_bot_crash.py and tests/test_bot_multiprocess.py.)"""

from __future__ import annotations

import gc

from bot.serve import settle


def test_what_start_up_made_is_out_of_the_collectors_way() -> None:
    before = gc.get_freeze_count()
    try:
        settle()
        # every object alive now (this process's modules, pytest's) is left alone from here
        assert gc.get_freeze_count() > before + 10_000
    finally:
        gc.unfreeze()  # this test process is not a bot: its garbage may go again
