"""The one command: ``danvan``. Each noun's sub-commands live in a module of this package."""

from __future__ import annotations

import importlib

from bot.cli.base import main

# Every module with commands, in one list: importing one adds its commands to ``main``
# (``remind`` adds ``period schedule`` to the group ``period`` makes, so it comes after it;
# ``merges`` adds ``units merge|history`` to ``units``, ``rubric_import`` ``rubric import``).
COMMANDS = ("run", "units", "merges", "person", "invite", "period", "remind", "report", "export")
COMMANDS += ("rubric", "rubric_import", "audit", "db", "backup", "doctor")

for _name in COMMANDS:
    importlib.import_module(f"bot.cli.{_name}")

__all__ = ["COMMANDS", "main"]
