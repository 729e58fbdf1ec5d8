"""What a bot process loads: the document libraries only where documents are written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCUMENT_LIBRARIES = ("docx", "lxml", "openpyxl", "matplotlib")


def test_the_bot_and_its_commands_load_no_document_library() -> None:
    """``danvan run`` and every ``danvan`` command start without python-docx, lxml, openpyxl or
    matplotlib (~60 ms and ~8 MB of each process, more once charts load): the report workers
    load them (reports.workers), and a command that writes a document when it does."""
    code = (
        "import sys, bot.cli, bot.serve, bot.app, bot.telegram.application, bot.zalo.running, "
        f"bot.web.app; print(sorted(m for m in {DOCUMENT_LIBRARIES!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert done.stdout.strip() == "[]", done.stdout
