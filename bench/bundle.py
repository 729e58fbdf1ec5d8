"""Time and peak memory of the evidence bundles (hồ sơ): one unit's, and the whole district's.

The sample district of tools/specimens.py (26 units, 23 submitted) gets ``--mb`` megabytes of
incompressible evidence per unit (10 files each); then a unit's bundle and the district's are
made as ``/hoso`` makes them (reports/bundle_maker.py), with the ZIP written in this process
(``REPORT_WORKERS=0``) so that its peak RSS shows what writing costs. Each size runs in a fresh
subprocess: the peak is that process's own. With ``--no-pdf`` LibreOffice is left out.

    .venv/bin/python -m bench.bundle [--mb 1,8,32] [--no-pdf]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Only the standard library at module level: a child starts from its parent's peak RSS.

FILES_PER_UNIT = 10


async def _measure(mb: int, folder: Path) -> dict[str, object]:
    from datetime import timedelta

    from bench.seed import settings_for
    from bot.app import open_app
    from reports.bundle_maker import BundleMaker
    from storage.models import Assessment, Evidence, Status
    from tools.specimens import fill_district, period_of

    settings = settings_for(f"sqlite+aiosqlite:///{folder / 'danvan.db'}", folder)
    settings.report_workers = 0
    async with open_app(settings) as app:
        ids = await fill_district(app)
        size = mb * 1024 * 1024 // FILES_PER_UNIT
        async with app.sessions() as s, s.begin():
            for n, aid in enumerate(ids.values()):
                assessment = await s.get(Assessment, aid)
                assert assessment is not None
                if assessment.status == Status.DRAFT:
                    continue
                for k in range(FILES_PER_UNIT):
                    source = folder / "incoming.pdf"
                    with source.open("wb") as fh:
                        for start in range(0, size, 1 << 20):
                            fh.write(os.urandom(min(1 << 20, size - start)))
                    stored = await app.files.put_path(source)
                    s.add(
                        Evidence(
                            assessment_id=aid,
                            item_id=f"IV.{1 + k % 2}",
                            kind="document",
                            original_name=f"Tài liệu {n}-{k}.pdf",
                            mime_type="application/pdf",
                            size=stored.size,
                            sha256=stored.sha256,
                            storage_key=stored.key,
                        )
                    )
        maker = BundleMaker(app.reports, keep=timedelta(hours=1))
        started = time.perf_counter()
        unit = await maker.unit(ids["VG-CUUCAO"])
        unit_s = time.perf_counter() - started
        started = time.perf_counter()
        district = await maker.district(await period_of(app, ids["VG-CUUCAO"]))
        district_s = time.perf_counter() - started
    return {
        "evidence_mb_per_unit": mb,
        "unit_s": round(unit_s, 2),
        "unit_zip_mb": round(unit.stat().st_size / 1048576, 1),
        "district_s": round(district_s, 2),
        "district_zip_mb": round(district.stat().st_size / 1048576, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", default="1,8,32", help="evidence per unit, MB (comma list)")
    parser.add_argument("--no-pdf", action="store_true", help="without LibreOffice")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        import asyncio

        with tempfile.TemporaryDirectory(prefix="danvan-bench-") as tmp:
            print(json.dumps(asyncio.run(_measure(args.child, Path(tmp)))))
        return
    env = os.environ | ({"SOFFICE": "no-such-soffice"} if args.no_pdf else {})
    print(f"{os.cpu_count()} CPUs; PDFs: {'no' if args.no_pdf else 'yes (LibreOffice)'}")
    for mb in (int(x) for x in args.mb.split(",")):
        cmd = [sys.executable, "-m", "bench.bundle", "--child", str(mb)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
        print(done.stdout.strip())


if __name__ == "__main__":
    main()
