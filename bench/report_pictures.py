"""Peak memory and time of a unit report carrying the largest images the bot accepts.

Each case runs in a fresh subprocess (``resource.getrusage``: the peak RSS of that process
alone) that writes the unit report of the shipped rubric, fully answered, with one photo
attached: none, the largest accepted JPEG, the largest accepted PNG (both just under
``storage.filetypes.MAX_PIXELS``), the largest colour PNG that still gets a thumbnail
(``reports.docx_base.PICTURE_MAX_DECODED``), and a 20000x20000 PNG (refused by the bot now,
accepted before). With ``--pdf`` the DOCX is then exported through LibreOffice as the bot
does, from a process of its own, and the export's time and LibreOffice's peak RSS are measured
too.

    .venv/bin/python -m bench.report_pictures [--pdf] [--cases none,jpeg,png,bomb]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

# Only the standard library at module level: every process starts from its parent's peak RSS
# (Linux keeps the high-water mark across exec), so the orchestrator must stay small.

CASES = ("none", "jpeg", "png", "png25", "bomb")
IMAGES = {"jpeg": "largest.jpg", "png": "largest.png", "png25": "png25.png", "bomb": "bomb.png"}
WIDTH, HEIGHT = 9216, 6912  # 63.7 MP, 4:3: the largest accepted photo (MAX_PIXELS = 64 MP)
PNG25 = (5760, 4320)  # 24.9 MP: the largest colour PNG the report still pictures (96 MiB)


def make_images(folder: Path) -> dict[str, float]:
    """A photo-like JPEG (smooth light, some grain), PNGs of the same with fewer shades, a
    20000x20000 PNG; their sizes in MB. Run in a process of its own: the reports' processes
    would otherwise start from this one's peak."""
    from PIL import Image

    gradient = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    radial = Image.radial_gradient("L").resize((WIDTH, HEIGHT))
    grain = Image.effect_noise((WIDTH // 16, HEIGHT // 16), 40).resize((WIDTH, HEIGHT))
    paths = {case: folder / name for case, name in IMAGES.items()}
    Image.merge("RGB", [gradient, radial, grain]).save(paths["jpeg"], quality=90)
    coarse = grain.point(lambda v: v // 16 * 16)  # fewer shades: ~11 MB, under the old cap
    png = Image.merge("RGB", [gradient, radial, coarse])
    png.save(paths["png"], compress_level=6)
    png.resize(PNG25).save(paths["png25"], compress_level=6)
    Image.new("L", (20000, 20000)).save(paths["bomb"], optimize=True)  # a few hundred KB
    return {case: round(p.stat().st_size / 1048576, 1) for case, p in paths.items()}


def report_data(rubric: Any, photo: Path | None) -> Any:
    from reports.data import EvidenceRow, ReportData

    scores = {i.id: i.max_points for i in rubric.items()}
    choices = {i.id: i.choices[0].id for i in rubric.items() if i.is_tiered}
    at = datetime(2022, 11, 10, 2, 5, tzinfo=UTC)
    evidence = {}
    if photo is not None:
        item = next(iter(rubric.items())).id
        mime = "image/jpeg" if photo.suffix == ".jpg" else "image/png"
        size = photo.stat().st_size
        row = EvidenceRow(item, photo.name, "photo", mime, size, "0" * 64, at, path=photo)
        evidence[item] = [row]
    return ReportData(
        unit_name="UBND xã Cửu Cao",
        year=2022,
        authority="UBND huyện Văn Giang",
        place="Văn Giang",
        status="draft",
        self_scores={k: Decimal(v) for k, v in scores.items()},
        self_choices=choices,
        evidence=evidence,
    )


def write_report(case: str, folder: Path) -> dict[str, object]:
    """The unit report with this case's photo, in this (fresh) process."""
    from reports.unit_report import write_unit_report
    from rubric.loader import load_rubric

    rubric = load_rubric("hung-yen-2022")
    photo = None if case == "none" else folder / IMAGES[case]
    out = folder / f"report-{case}.docx"
    began = time.perf_counter()
    write_unit_report(rubric, report_data(rubric, photo), out)
    docx_s = time.perf_counter() - began
    return {
        "case": case,
        "docx_s": round(docx_s, 2),
        "docx_mb": round(out.stat().st_size / 1048576, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def export_pdf(case: str, folder: Path) -> dict[str, object]:
    """The report of ``case`` to PDF through LibreOffice, as the bot does (a small process:
    LibreOffice's own peak is what RUSAGE_CHILDREN then tells)."""
    from reports.pdf import libreoffice_available, to_pdf

    if not libreoffice_available():
        return {}
    began = time.perf_counter()
    asyncio.run(to_pdf(folder / f"report-{case}.docx"))
    return {
        "pdf_s": round(time.perf_counter() - began, 2),
        "soffice_peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pdf", action="store_true", help="also export each report to PDF")
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "images":
        print(json.dumps(make_images(Path(args.folder))))
    elif args.child and args.child.startswith("pdf:"):
        print(json.dumps(export_pdf(args.child[4:], Path(args.folder))))
    elif args.child:
        print(json.dumps(write_report(args.child, Path(args.folder))))
    else:
        with tempfile.TemporaryDirectory(prefix="danvan-bench-") as tmp:
            orchestrate(Path(tmp), args.cases.split(","), args.pdf)


def orchestrate(folder: Path, cases: list[str], pdf: bool) -> None:
    def run(what: str) -> Any:
        cmd = [
            sys.executable,
            "-m",
            "bench.report_pictures",
            "--child",
            what,
            "--folder",
            str(folder),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        return json.loads(done.stdout)

    sizes = run("images")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the children's floor
    print(
        f"images: {WIDTH}x{HEIGHT} JPEG {sizes['jpeg']} MB, PNG {sizes['png']} MB;"
        f" {PNG25[0]}x{PNG25[1]} PNG {sizes['png25']} MB; 20000x20000 PNG {sizes['bomb']} MB;"
        f" {os.cpu_count()} CPUs; this process {own:.0f} MB"
    )
    for case in cases:
        print(json.dumps(run(case) | (run(f"pdf:{case}") if pdf else {})))


if __name__ == "__main__":
    main()
