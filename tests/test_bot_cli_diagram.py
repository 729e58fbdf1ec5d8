"""``danvan diagram [--write]``: both conversations, officer first; --write refreshes both."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.run import diagram
from conversations.diagram import APPRAISER, OFFICER

STALE = """# x

The diagram is generated from `conversations/diagram.py`; a test drives the engine.

```mermaid
stateDiagram-v2
    old --> officer
```

### The appraiser's conversation

One sentence.

```mermaid
stateDiagram-v2
    old --> appraiser
```

## After

```sh
make test
```
"""


def test_prints_the_officer_then_the_appraiser() -> None:
    result = CliRunner().invoke(diagram, [])
    assert result.exit_code == 0, result.output
    assert result.output == f"{OFFICER.mermaid()}\n{APPRAISER.mermaid()}"


def test_write_refreshes_both_blocks_and_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "README.md").write_text(STALE, encoding="utf-8")
    result = CliRunner().invoke(diagram, ["--write"])
    assert result.exit_code == 0, result.output
    expected = STALE.replace("stateDiagram-v2\n    old --> officer\n", OFFICER.mermaid()).replace(
        "stateDiagram-v2\n    old --> appraiser\n", APPRAISER.mermaid()
    )
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == expected
    assert CliRunner().invoke(diagram, ["--write"]).exit_code == 0  # idempotent
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == expected


def test_write_refuses_a_readme_without_the_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    before = STALE.split("### The appraiser's conversation")[0]
    (tmp_path / "README.md").write_text(before, encoding="utf-8")
    result = CliRunner().invoke(diagram, ["--write"])
    assert result.exit_code == 1
    assert "README.md không có đoạn «### The appraiser's conversation»" in result.output
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == before
