"""The one command: ``danvan``. Sub-commands live in small modules beside this one."""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """danvan: tự đánh giá, xếp loại công tác dân vận chính quyền qua chat."""


def _register() -> None:
    # Each sub-command module adds itself to the group; import order is the help order.
    from bot import (  # noqa: F401
        cli_db,
        cli_invite,
        cli_report,
        cli_rubric,
        cli_run,
    )


_register()
