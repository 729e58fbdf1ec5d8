"""The one command: ``danvan``. Sub-commands live in small modules beside this one."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """danvan: tự đánh giá, xếp loại công tác dân vận chính quyền qua chat."""


def _register() -> None:
    """Import every ``bot/cli_*.py``: each adds its commands to the group."""
    package = Path(__file__).parent
    for info in sorted(pkgutil.iter_modules([str(package)]), key=lambda m: m.name):
        if info.name.startswith("cli_"):
            importlib.import_module(f"bot.{info.name}")


_register()
