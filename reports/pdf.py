"""DOCX → PDF through LibreOffice, headless, when it is installed.

Each conversion runs ``soffice --headless --convert-to pdf`` as an asyncio subprocess with a
private user profile in a temporary folder (a running LibreOffice, or a parallel conversion,
would otherwise block it or be disturbed), in a process group of its own that is killed
whole when the timeout passes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import tempfile
from pathlib import Path

CANDIDATES = ("soffice", "libreoffice")
TIMEOUT_S = 180.0  # the first run of a fresh profile takes a few seconds; big reports more


class PdfError(RuntimeError):
    """LibreOffice is installed but did not make the PDF."""


def soffice_path() -> str | None:
    """The LibreOffice executable: ``$SOFFICE`` if set, else ``soffice`` on the PATH."""
    explicit = os.environ.get("SOFFICE")
    if explicit:
        return shutil.which(explicit)
    return next((p for p in map(shutil.which, CANDIDATES) if p), None)


def libreoffice_available() -> bool:
    return soffice_path() is not None


async def to_pdf(docx: Path, outdir: Path | None = None, timeout: float = TIMEOUT_S) -> Path | None:
    """Write ``<outdir or docx's folder>/<docx stem>.pdf`` and return its path.

    None when LibreOffice is not installed; ``PdfError`` when it fails or takes too long.
    """
    exe = soffice_path()
    if exe is None:
        return None
    docx = Path(docx).resolve()
    outdir = Path(outdir).resolve() if outdir else docx.parent
    outdir.mkdir(parents=True, exist_ok=True)
    target = outdir / f"{docx.stem}.pdf"
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="danvan-lo-") as profile:
        proc = await asyncio.create_subprocess_exec(
            exe,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(docx),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,  # its own process group: soffice starts soffice.bin
        )
        try:
            _, err = await asyncio.wait_for(proc.communicate(), timeout)
        except TimeoutError:
            _kill(proc)
            await proc.wait()
            raise PdfError(f"LibreOffice did not finish within {timeout:g} s: {docx}") from None
        except BaseException:
            _kill(proc)
            raise
    if proc.returncode != 0 or not target.is_file():
        detail = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise PdfError(f"LibreOffice could not convert {docx.name}: {detail[0]}")
    return target


def _kill(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
