"""The Telegram channel (python-telegram-bot 22): thin handlers around the engine."""

import os

# Durations (e.g. a 429's retry_after) as datetime.timedelta, PTB's coming default: our code
# reads both forms, and without the opt-in PTB 22.2+ warns each time it builds a RetryAfter.
os.environ.setdefault("PTB_TIMEDELTA", "1")
