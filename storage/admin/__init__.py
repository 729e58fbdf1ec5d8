"""Queries of the administration commands, one module per noun of ``danvan`` (units, periods,
invites, persons, audit).

Functions that would write something wrong raise :class:`AdminError` first, with every
problem found, and write nothing.
"""

from __future__ import annotations


class AdminError(Exception):
    def __init__(self, problems: str | list[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))
