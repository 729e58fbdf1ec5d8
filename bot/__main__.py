"""``python -m bot`` is the ``danvan`` command."""

from bot.cli import main

main()
