"""The district summary as one PNG for a phone: units by total, then criterion averages.

Drawn with matplotlib's Agg canvas directly (no pyplot, no global backend, thread-safe) in
DejaVu Sans, which matplotlib ships and which has every Vietnamese glyph.
"""

from __future__ import annotations

import textwrap
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from PIL import Image

from reports.district import DistrictRow, DistrictSummary
from rubric.model import Kind
from rubric.scoring import fmt

COLOURS = {"tot": "#2e7d32", "kha": "#1f77b4", "trung_binh": "#f0a30a", "yeu": "#c62828"}
SPARE = ("#6a3d9a", "#17becf", "#8c564b", "#e377c2")  # bands of other rubrics
NOT_SUBMITTED = "#9e9e9e"
NOT_SUBMITTED_LABEL = "chưa nộp"
SELF_COLOUR = "#64b5f6"
APPRAISED_COLOUR = "#37474f"
WIDTH_IN, DPI = 6.4, 140  # about 900 px wide
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _colours(summary: DistrictSummary) -> dict[str, str]:
    """Band label -> colour."""
    spare = iter(SPARE)
    return {label: COLOURS.get(code) or next(spare, "#444444") for code, label, _ in summary.bands}


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


NAME_LIMIT = 44  # characters of a unit's name beside its bar (the axes make room for them)


def unit_label(name: str) -> str:
    """A unit's name beside its bar, whole where it can be: "UBND" goes (every unit of a
    district's chart is its People's Committee or an office of it); only the rare name longer
    than NAME_LIMIT is cut, at a word."""
    name = " ".join(name.split())
    if name.startswith("UBND "):
        name = name[5:]
    return textwrap.shorten(name, NAME_LIMIT, placeholder=" …")


def _units(ax: Axes, summary: DistrictSummary, colours: dict[str, str]) -> None:
    done = [r for r in summary.rows if r.best_total is not None]
    done.sort(key=lambda r: (-(r.best_total or 0), r.code))
    waiting = [r for r in summary.rows if r.best_total is None]
    rows: list[DistrictRow] = done + waiting
    scored = (c.max_points for c in summary.criteria if c.kind is Kind.SCORE)
    top = float(sum(scored, Decimal(0))) or 100.0
    ys = list(range(len(rows)))[::-1]  # first row at the top
    widths = [float(r.best_total or 0) for r in rows]
    fill = [
        colours.get(r.rating or "", NOT_SUBMITTED) if r.best_total is not None else NOT_SUBMITTED
        for r in rows
    ]
    ax.barh(ys, widths, color=fill, height=0.72)
    for y, r in zip(ys, rows, strict=True):
        if r.best_total is None:
            ax.text(1, y, r.status_label, va="center", fontsize=8.5, color="#555555")
        else:
            mark = " (TĐ)" if r.appraised_total is not None else ""
            ax.text(
                float(r.best_total) + 0.8, y, fmt(r.best_total) + mark, va="center", fontsize=8.5
            )
    ax.set_yticks(ys, [unit_label(r.name) for r in rows], fontsize=8.5)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlim(0, top * 1.12)
    ax.tick_params(axis="y", length=0)
    for _, label, minimum in summary.bands:
        if 0 < minimum < top:
            ax.axvline(float(minimum), color=colours[label], lw=0.8, ls="--", alpha=0.7)
    ax.set_xlabel("Tổng điểm (TĐ: điểm thẩm định; còn lại: điểm tự chấm)", fontsize=9)
    ax.set_title("Tổng điểm các đơn vị", fontsize=11, fontweight="bold", loc="left")
    handles = [Patch(color=colours[label], label=label) for _, label, _ in summary.bands]
    handles.append(Patch(color=NOT_SUBMITTED, label=NOT_SUBMITTED_LABEL))
    ax.legend(
        handles=handles,
        loc="lower right",
        fontsize=8.5,
        title="Xếp loại",
        title_fontsize=9,
        framealpha=0.95,
    )


def _criteria(ax: Axes, summary: DistrictSummary) -> None:
    """Per criterion its label on a line of its own, then the self and appraised bars."""
    stats = [s for s in summary.criterion_stats if s.criterion.kind is Kind.SCORE]
    ys = [3.6 * k for k in range(len(stats))][::-1]

    def percent(value: Decimal | None, top: Decimal) -> float | None:
        return None if value is None else float(value / top * 100)

    for y, st in zip(ys, stats, strict=True):
        c = st.criterion
        label = f"{c.number}. {_short(c.label, 56)} ({fmt(c.max_points)} điểm)"
        ax.text(0, y + 1.45, label, va="center", fontsize=8.5)
        for dy, value, colour in (
            (0.45, percent(st.self_avg, c.max_points), SELF_COLOUR),
            (-0.55, percent(st.appraised_avg, c.max_points), APPRAISED_COLOUR),
        ):
            if value is not None:
                ax.barh(y + dy, value, height=0.9, color=colour)
                ax.text(value + 1, y + dy, f"{value:.0f}%", va="center", fontsize=8.5)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_ylim(min(ys) - 1.3, max(ys) + 2.1)
    ax.set_xlim(0, 112)
    ax.set_xticks(range(0, 101, 20), [f"{v}%" for v in range(0, 101, 20)])
    ax.set_title(
        "Điểm bình quân theo tiêu chí (% điểm tối đa)", fontsize=11, fontweight="bold", loc="left"
    )
    handles = [
        Patch(color=SELF_COLOUR, label=f"Tự chấm ({summary.n_submitted} đơn vị đã nộp)"),
        Patch(color=APPRAISED_COLOUR, label=f"Thẩm định ({summary.n_appraised} đơn vị)"),
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.08),
        ncol=2,
        fontsize=8.5,
        frameon=False,
    )


def render_district_chart(summary: DistrictSummary) -> bytes:
    n = max(len(summary.rows), 1)
    units_in = max(1.8, 0.9 + 0.2 * n)  # room for the legend when there are few units
    criteria_in = 0.9 + 0.55 * sum(c.kind is Kind.SCORE for c in summary.criteria)
    with rc_context(STYLE):
        fig = Figure(figsize=(WIDTH_IN, units_in + criteria_in + 0.8), dpi=DPI)
        FigureCanvasAgg(fig)
        fig.set_layout_engine("constrained", h_pad=0.1, hspace=0.02)
        # two subfigures: each panel lays out on its own, so the units' long names take no
        # width from the criteria's panel below
        upper, lower = fig.subfigures(2, 1, height_ratios=[units_in, criteria_in], hspace=0.02)
        fig.suptitle(
            f"Dân vận chính quyền năm {summary.year} - {summary.authority_name}\n"
            f"Số liệu đến ngày {summary.today:%d/%m/%Y}, hạn nộp {summary.submit_by:%d/%m/%Y}",
            x=0.02,
            ha="left",
            fontsize=11.5,
            fontweight="bold",
            linespacing=1.5,
        )
        _units(upper.add_subplot(), summary, _colours(summary))
        _criteria(lower.add_subplot(), summary)
        raw = BytesIO()
        fig.savefig(raw, format="png", dpi=DPI)
    # Flat colours: a 96-colour palette keeps the file small; "maximum coverage" keeps the
    # legend's small patches in their own colours.
    image = Image.open(BytesIO(raw.getvalue())).convert("RGB")
    small = image.quantize(colors=96, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE)
    out = BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def write_district_chart(summary: DistrictSummary, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render_district_chart(summary))
    return path
