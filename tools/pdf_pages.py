"""A rendered PDF read page by page with poppler (pdftotext, pdftoppm): each page's text, how
far down its ink reaches, and the sections the document is made of.

A section is told by its first page: the documents number their pages from the second page of
each section (NĐ 30/2020: no number on a first page; an attachment numbers its own pages), so a
page whose first line is not a number, or whose orientation differs from the page before, opens
a section.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from reports.layout import ND30

MM_PER_INCH = 25.4
DPI = 36  # enough to find the lowest ink of a page
INK = 200  # a grey darker than this is ink (anti-aliasing and light shading are not)
TOOLS = ("pdftotext", "pdftoppm")


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    text: str  # as pdftotext -layout reads it
    width: int  # pixels at DPI
    height: int
    lowest_ink: int  # the lowest row with ink, in pixels from the top (0: a blank page)

    @property
    def landscape(self) -> bool:
        return self.width > self.height

    @property
    def first_line(self) -> str:
        return next((ln.strip() for ln in self.text.splitlines() if ln.strip()), "")

    @property
    def numbered(self) -> bool:
        return self.first_line.isdigit()

    @property
    def fill(self) -> float:
        """How much of the text area (between the top and bottom margins) the page uses, from
        its top: 1.0 down to the bottom margin, 0.5 half way."""
        top = ND30.margin_top_mm / MM_PER_INCH * DPI
        bottom = self.height - ND30.margin_bottom_mm / MM_PER_INCH * DPI
        return max(0.0, (self.lowest_ink - top) / (bottom - top))


def read_pages(pdf: Path) -> list[Page]:
    texts = _run("pdftotext", "-layout", str(pdf), "-").split("\f")
    with tempfile.TemporaryDirectory(prefix="danvan-pages-") as tmp:
        _run("pdftoppm", "-gray", "-r", str(DPI), "-png", str(pdf), f"{tmp}/p")
        images = sorted(Path(tmp).glob("p-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        pages = []
        for n, path in enumerate(images, 1):
            with Image.open(path) as img:
                ink = img.point(lambda v: 255 if v < INK else 0).getbbox()
                pages.append(Page(n, texts[n - 1], img.width, img.height, ink[3] if ink else 0))
    return pages


def sections(pages: list[Page]) -> list[list[Page]]:
    """The pages grouped by section (see the module's docstring)."""
    groups: list[list[Page]] = []
    for page in pages:
        opens = not groups or not page.numbered or page.landscape != groups[-1][-1].landscape
        if opens:
            groups.append([page])
        else:
            groups[-1].append(page)
    return groups


def render_page(pdf: Path, number: int, png: Path, dpi: int = 60) -> Path:
    """One page as a PNG (``png`` is the file written)."""
    png.parent.mkdir(parents=True, exist_ok=True)
    stem = png.with_suffix("")
    args = ["-f", str(number), "-l", str(number), "-r", str(dpi), "-png", "-singlefile"]
    _run("pdftoppm", *args, str(pdf), str(stem))
    return png


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout
