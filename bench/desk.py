"""The desk's pages, timed over HTTP: the district at a glance and a unit's file with its 28
items and 40 evidence files, as the web app serves them (uvicorn, SQLite or PostgreSQL).

    .venv/bin/python -m bench.desk                    # SQLite, 30 requests of each page
    .venv/bin/python -m bench.desk --db postgresql

The sample district (26 units) is imported; one unit is filled, submitted and given 40 files
(30 photos, 10 PDFs) and half of the authority's scores; an appraiser signs in with a link as
from the chat. The figure is the time from the request to the whole page (the median and the
worst of ``--requests``), after ``--warmup`` requests of each page.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.seed import temp_database
from bot.app import open_app
from bot.settings import Settings
from bot.web.app import web_server
from storage import people
from storage.admin.units import need_unit
from storage.models import Appraisal, Role
from tests.desk_support import with_evidence
from tests.district_support import fill, sample_district
from tests.support import rubric, serving
from tests.zalo_support import free_port

ADMIN_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


async def _timed(client: httpx.AsyncClient, url: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        began = time.perf_counter()
        answer = await client.get(url)
        answer.raise_for_status()
        times.append((time.perf_counter() - began) * 1000)
    return times


async def run(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="danvan-desk-"))
    try:
        async with temp_database(args.db, work, args.pg_admin_url) as url:
            port = free_port()
            settings = Settings(_env_file=None, database_url=url, data_dir=work / "data",
                                evidence_dir=work / "evidence", output_dir=work / "out",
                                public_base_url=f"http://127.0.0.1:{port}", web_port=port,
                                link_secret="a-link-secret-for-the-desk-bench-0123")  # fmt: skip
            async with open_app(settings) as app:
                district = await sample_district(app)
                await fill(app, district, "VG-CUUCAO")
                aid = district.assessments["VG-CUUCAO"]
                await with_evidence(app, aid)
                async with app.sessions() as s, s.begin():
                    for item in rubric().items()[::2]:
                        s.add(Appraisal(assessment_id=aid, item_id=item.id, score=0))
                    boss = await people.add_person(s, "Phòng Nội vụ", "telegram", "1")
                    vg = await need_unit(s, "VG")
                    await people.grant(s, boss.id, Role.APPRAISER, vg.id)
                assert app.links is not None
                async with (
                    serving(web_server(app, port=port)),
                    httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client,
                ):
                    signin = await client.get(app.links.desk_url(boss.id))
                    assert signin.status_code == 303, signin.text
                    pages = {"overview": "/desk", "unit": f"/desk/units/{aid}"}
                    out: dict[str, Any] = {"db": args.db}
                    for name, path in pages.items():
                        await _timed(client, path, args.warmup)
                        times = await _timed(client, path, args.requests)
                        out[name] = {
                            "median_ms": round(statistics.median(times), 1),
                            "max_ms": round(max(times), 1),
                            "n": len(times),
                        }
                    unit_page = await client.get(pages["unit"])
                    out["unit"]["kb"] = round(len(unit_page.content) / 1024, 1)
                    return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.desk", description=__doc__.split("\n")[0])
    p.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--pg-admin-url", default=ADMIN_PG_URL)
    p.add_argument("--requests", type=int, default=30)
    p.add_argument("--warmup", type=int, default=3)
    result = asyncio.run(run(p.parse_args(argv)))
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
