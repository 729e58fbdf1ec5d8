"""Load benchmark of the Telegram bot against the tests' fake Bot API server (``bench.load``)."""
