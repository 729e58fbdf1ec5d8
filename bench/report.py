"""The figures of a run as a table: ours, the bare bot's, their ratio and the targets."""

from __future__ import annotations

from typing import Any

from bench.stats import fmt, ratio

P99_TARGET_MS = 100.0
REPORT_TARGET_MS = 300.0
EXPORT_TARGET_MS = 3000.0
RSS_TARGET_MB = 200.0


def _below(value: float | None, limit: float) -> bool | None:
    return None if value is None else value < limit


def _met(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "**NO**")


def _lat(phase: dict[str, Any] | None, key: str = "latency_ms") -> str:
    if not phase:
        return "—"
    lat = phase[key]
    return f"{fmt(lat['p50'])} / {fmt(lat['p95'])} / {fmt(lat['p99'])}"


def _p99(phase: dict[str, Any] | None) -> float | None:
    return phase["latency_ms"]["p99"] if phase else None


def rows(figures: dict[str, Any], against: dict[str, Any] | None) -> list[list[str]]:
    ours, bare = figures["ours"], figures.get("bare")
    op, bp = ours["phases"], (bare or {}).get("phases", {})
    args, t = figures["args"], figures["timings"]
    sat, bsat = op["saturation"]["updates_per_s"], bp.get("saturation", {}).get("updates_per_s")
    sat_ok = sat >= 0.5 * bsat if bsat and args["db"] == "sqlite" else None
    out = [
        ["saturation throughput, updates/s", fmt(sat), fmt(bsat), ratio(sat, bsat),
         "≥ 50 % of bare (SQLite)", _met(sat_ok)],
        [f"paced {fmt(ours['rate'])}/s offered: achieved updates/s",
         fmt(op["paced"]["updates_per_s"]), fmt(bp.get("paced", {}).get("updates_per_s")),
         "", "", ""],
        ["paced latency p50 / p95 / p99, ms", _lat(op["paced"]), _lat(bp.get("paced")), "",
         f"p99 < {P99_TARGET_MS:.0f} ms", _met(_below(_p99(op["paced"]), P99_TARGET_MS))],
        ["paced step (action → the bot's answer) p50 / p95 / p99, ms",
         _lat(op["paced"], "step_ms"), _lat(bp.get("paced"), "step_ms"), "", "", ""],
    ]  # fmt: skip
    base = op.get("baseline")
    for who, what in (("baocao", "/baocao (2 reports)"), ("tonghop", "/tonghop (district)")):
        phase = op.get(who)
        if not phase:
            continue
        req = phase["requests"] or {}
        out.append(
            [f"others' p50 / p95 / p99 at {fmt(ours.get('blocking_rate'))}/s while {what} "
             f"repeats (baseline p99 {fmt(_p99(base))}), ms", _lat(phase), "", "",
             f"p99 < {P99_TARGET_MS:.0f} ms", _met(_below(_p99(phase), P99_TARGET_MS))]
        )  # fmt: skip
        out.append(
            [f"{what} turnaround in the bot, median / max, ms (n={req.get('n', 0)})",
             f"{fmt(req.get('p50'))} / {fmt(req.get('max'))}", "", "", "", ""]
        )  # fmt: skip
    rss = [r for r in ours["rss_mb"] if r is not None]
    brss = [r for r in (bare or {}).get("rss_mb", []) if r is not None]
    wrss = [r for r in ours.get("worker_rss_mb", []) if r is not None]
    out += [
        [f"unit report, median of {t['unit_report_runs']} (in-process), ms",
         fmt(t["unit_report_ms"]), "", "", f"< {REPORT_TARGET_MS:.0f} ms",
         _met(t["unit_report_ms"] < REPORT_TARGET_MS)],
        ["both reports (/baocao), median, ms", fmt(t["both_reports_ms"]), "", "", "", ""],
        [f"district export, 40 units, median of {t['district_export_runs']}, ms",
         fmt(t["district_export_ms"]), "", "", f"< {EXPORT_TARGET_MS:.0f} ms",
         _met(t["district_export_ms"] < EXPORT_TARGET_MS)],
        ["peak RSS per bot process, MB", " + ".join(fmt(r) for r in rss),
         " + ".join(fmt(r) for r in brss), "", f"< {RSS_TARGET_MB:.0f} MB",
         _met(bool(rss) and max(rss) < RSS_TARGET_MB)],
        ["peak RSS per report worker process (documents), MB",
         " + ".join(fmt(r) for r in wrss) or "—", "", "", f"< {RSS_TARGET_MB:.0f} MB",
         _met(max(wrss, default=0.0) < RSS_TARGET_MB)],
        ["database size at the end, MB", fmt(figures["db_bytes"] / 1e6), "", "", "", ""],
        ["bot CPU in saturation, % of one core",
         " + ".join(fmt(c, 0) for c in op["saturation"]["bot_cpu_pct"]),
         " + ".join(fmt(c, 0) for c in bp.get("saturation", {}).get("bot_cpu_pct", [])),
         "", "", ""],
        ["bot process CPU per answered update in saturation (report workers not counted), ms",
         fmt(cpu := op["saturation"].get("bot_cpu_ms_per_update"), 2),
         fmt(bcpu := bp.get("saturation", {}).get("bot_cpu_ms_per_update"), 2),
         ratio(bcpu, cpu), "", ""],
        ["runner (fake server + officers) CPU in saturation, %",
         fmt(op["saturation"]["runner_cpu_pct"], 0),
         fmt(bp.get("saturation", {}).get("runner_cpu_pct"), 0), "", "", ""],
    ]  # fmt: skip
    unique = list({id(p): p for p in op.values()}.values())  # "baseline" may be "paced"
    stuck = sum(p.get("stuck_after_drain", 0) for p in unique)
    timeouts = sum(p["results"].get("timeout", 0) for p in unique)
    errors = sum(e["count"] for e in ours.get("bot_errors", []))
    out.append(["updates never answered (stuck after the drain + timeouts) / bot ERROR lines",
                f"{stuck + timeouts} / {errors}", "", "", "0 / 0",
                _met(stuck + timeouts + errors == 0)])  # fmt: skip
    noise = [p.get("others_cpu_pct") or 0.0 for p in [*op.values(), *bp.values()]]
    noise.append(t.get("others_cpu_pct") or 0.0)
    out.append(["other processes' CPU during the run, max %", fmt(max(noise), 0), "", "",
                "≈ 0 (else the figures are disturbed)", _met(max(noise) < 10)])  # fmt: skip
    if against:
        theirs = against["ours"]["phases"]["saturation"]["updates_per_s"]
        a = against["args"]
        label = f"{a['db']}, {'webhook' if a['webhook'] == 'True' else 'polling'}, "
        label += f"{a['processes']} process(es)"
        out.append([f"saturation vs {label} ({fmt(theirs)}/s)", fmt(sat), "",
                    ratio(sat, theirs), "", ""])  # fmt: skip
    return out


def title(figures: dict[str, Any]) -> str:
    a = figures["args"]
    transport = "webhook" if a["webhook"] == "True" else "polling"
    variant = ", profiled" if a.get("profile") == "True" else ""
    if a.get("bot_env") not in (None, "[]"):
        variant += f", bot env {a['bot_env']}"
    if a.get("telegram_rate_limit") not in (None, "None"):
        variant += f", TELEGRAM_RATE_LIMIT={a['telegram_rate_limit']}"
    return (
        f"{a['db']}, {transport}, {a['processes']} process(es), {a['officers']} officers, "
        f"{a['duration']} s per phase{variant} (commit {figures.get('commit', '?')})"
    )


def print_report(
    figures: dict[str, Any], against: dict[str, Any] | None, markdown: bool = False
) -> None:
    head = ["figure", "ours", "bare PTB", "ours/bare", "target", "met"]
    table = rows(figures, against)
    print(f"\n## {title(figures)}\n")
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for row in table:
            print("| " + " | ".join(row) + " |")
        return
    widths = [max(len(r[i]) for r in [head, *table]) for i in range(len(head))]
    for row in [head, *table]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
