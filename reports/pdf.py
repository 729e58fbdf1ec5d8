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
PER_DOCUMENT_S = 30.0  # and each further document of one run (a report takes 1-3 s)


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
    pdfs = await to_pdfs([docx], outdir, timeout)
    return pdfs[0] if pdfs else None


async def to_pdfs(
    docxs: list[Path], outdir: Path | None = None, timeout: float | None = None
) -> list[Path]:
    """Convert several documents with one LibreOffice start (its start-up is most of the time
    of a small report); each PDF goes to ``outdir``, else beside its document. [] when
    LibreOffice is not installed; ``PdfError`` when it fails or takes longer than ``timeout``
    (default: TIMEOUT_S and PER_DOCUMENT_S for each document after the first)."""
    exe = soffice_path()
    if exe is None or not docxs:
        return []
    if timeout is None:
        timeout = TIMEOUT_S + PER_DOCUMENT_S * (len(docxs) - 1)
    docxs = [Path(d).resolve() for d in docxs]
    folders = {d.parent for d in docxs}
    if outdir is None and len(folders) > 1:
        raise ValueError("documents in several folders need an outdir")
    out = Path(outdir).resolve() if outdir else docxs[0].parent
    out.mkdir(parents=True, exist_ok=True)
    targets = [out / f"{d.stem}.pdf" for d in docxs]
    for target in targets:
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
            str(out),
            *map(str, docxs),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,  # its own process group: soffice starts soffice.bin
        )
        names = ", ".join(d.name for d in docxs)
        try:
            _, err = await asyncio.wait_for(proc.communicate(), timeout)
        except TimeoutError:
            _kill(proc)
            await proc.wait()
            raise PdfError(f"LibreOffice did not finish within {timeout:g} s: {names}") from None
        except BaseException:
            _kill(proc)
            raise
    if proc.returncode != 0 or not all(t.is_file() for t in targets):
        detail = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise PdfError(f"LibreOffice could not convert {names}: {detail[0]}")
    return targets


def _kill(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
