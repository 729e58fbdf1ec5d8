"""``make docs``: the pictures of the documents in docs/ and their table in the README.

Each specimen (tools/specimens.py) goes through LibreOffice (one start for all) and poppler;
its first page, its signature page (the one with "Nơi nhận:") and the first page of each
attachment become ``docs/documents/<slug>-<page>.png``. The README's block between the
``docs`` markers is written again to show them; pictures no specimen makes any more go.

    .venv/bin/python -m tools.make_docs                      # docs/ and the README
    .venv/bin/python -m tools.make_docs --pages X.docx DIR   # every page of any document
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reports.pdf import libreoffice_available, to_pdfs
from tools.pdf_pages import Page, read_pages, render_page, sections
from tools.specimens import Specimen, build

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "documents"  # this folder is make docs's alone
README = ROOT / "README.md"
BEGIN, END = "<!-- docs:begin (make docs) -->", "<!-- docs:end -->"
SIGNATURE_MARK = "Nơi nhận:"
DPI = 60  # an A4 page is 496 px wide: readable on GitHub, about 40 kB


@dataclass(frozen=True)
class Picture:
    path: Path
    caption: str  # in the README, under the picture


def pick(pages: list[Page], attachments: bool = True) -> list[tuple[int, str, str]]:
    """(page, file suffix, caption) of the pages worth a picture, in page order: the first,
    the signature's and (``attachments``) the first of each attachment."""
    chosen = {1: ("trang-1", "trang 1")}
    signed = next((p.number for p in pages if SIGNATURE_MARK in p.text), None)
    if signed is not None and signed != 1:
        chosen[signed] = ("chu-ky", f"trang {signed}: nơi nhận, chữ ký")
    elif signed == 1:
        chosen[1] = ("trang-1", "trang 1: nơi nhận, chữ ký")
    for n, section in enumerate(sections(pages)[1:] if attachments else [], 1):
        chosen.setdefault(section[0].number, (f"phu-luc-{n}", f"phụ lục {n}, trang đầu"))
    return [(page, *chosen[page]) for page in sorted(chosen)]


async def pictures(out: Path) -> list[tuple[Specimen, list[Picture]]]:
    made = await build(out)
    pdfs = await to_pdfs([m.docx for m in made])
    result = []
    for specimen, pdf in zip(made, pdfs, strict=True):
        pages = read_pages(pdf)
        shots = []
        for page, suffix, caption in pick(pages, specimen.attachments):
            png = render_page(pdf, page, DOCS / f"{specimen.slug}-{suffix}.png", DPI)
            shots.append(Picture(png, caption))
        result.append((specimen, shots))
    return result


def readme_block(made: list[tuple[Specimen, list[Picture]]]) -> str:
    lines = [BEGIN]
    for specimen, shots in made:
        lines += ["", f"**{specimen.title}**", ""]
        lines.append("| " + " | ".join(s.caption for s in shots) + " |")
        lines.append("|" + "---|" * len(shots))
        cells = [f"![{s.caption}]({s.path.relative_to(ROOT).as_posix()})" for s in shots]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", END]
    return "\n".join(lines)


def write_readme(block: str) -> None:
    text = README.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    README.write_text(text[:start] + block + text[end:], encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.make_docs")
    parser.add_argument("--pages", nargs=2, metavar=("DOCX", "DIR"), type=Path)
    args = parser.parse_args(argv)
    if not libreoffice_available():
        print("LibreOffice not found (apt-get install libreoffice-writer-nogui)", file=sys.stderr)
        return 1
    if args.pages:
        docx, folder = args.pages
        (pdf,) = asyncio.run(to_pdfs([docx], folder))
        for page in read_pages(pdf):
            print(render_page(pdf, page.number, folder / f"{docx.stem}-{page.number}.png"))
        return 0
    with tempfile.TemporaryDirectory(prefix="danvan-docs-") as tmp:
        made = asyncio.run(pictures(Path(tmp)))
    kept = {shot.path for _, shots in made for shot in shots}
    for old in DOCS.glob("*.png"):
        if old not in kept:
            old.unlink()
    write_readme(readme_block(made))
    for path in sorted(kept):
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
