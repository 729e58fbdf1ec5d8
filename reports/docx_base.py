"""Page setup and shared helpers for Vietnamese administrative documents (NĐ 30/2020/NĐ-CP).

A4, Times New Roman (also for the east-asian/complex-script slots so Vietnamese
diacritics never fall back to another font), margins 20/20/30/15 mm, justified
body with a first-line indent, and the two-column header (tên cơ quan | quốc hiệu).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

from docx import Document as new_docx
from docx.document import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_ALIGN_VERTICAL
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Cm, Length, Mm, Pt
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

FONT = "Times New Roman"
BODY_PT = 14
CELL_STYLE = "Cell"  # compact paragraph style for table cells and header blocks
CENTER = WD_ALIGN_PARAGRAPH.CENTER
LEFT = WD_ALIGN_PARAGRAPH.LEFT
QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"
TIEU_NGU_RULE = Mm(60)  # the rule under the tiêu ngữ is as long as the text (14pt bold)

# A run of text with its own formatting: plain str, or (text, {"bold": True, ...}).
Segment = str | tuple[str, dict]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str | None) -> str:
    """Text safe for XML: control characters that user input may carry are dropped."""
    return _CONTROL.sub("", text or "")


# Children that must follow a given element (WordprocessingML schema order; Word
# rejects out-of-order properties even where LibreOffice does not).
_AFTER = {
    tag: tuple(f"w:{t}" for t in after.split())
    for tag, after in {
        "w:szCs": "highlight u effect bdr shd fitText vertAlign rtl cs em lang eastAsianLayout"
        " specVanish oMath",
        "w:lang": "eastAsianLayout specVanish oMath",
        "w:pBdr": "shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct"
        " autoSpaceDE autoSpaceDN bidi adjustRightInd snapToGrid spacing ind contextualSpacing"
        " mirrorIndents suppressOverlap jc textDirection textAlignment textboxTightWrap"
        " outlineLvl divId cnfStyle rPr sectPr pPrChange",
        "w:tblBorders": "shd tblLayout tblCellMar tblLook tblCaption tblDescription tblPrChange",
        "w:tblCellMar": "tblLook tblCaption tblDescription tblPrChange",
    }.items()
}


def _child(parent, tag: str):
    """The ``tag`` child of ``parent``, created in its schema position if missing."""
    el = parent.find(qn(tag))
    if el is None:
        el = parent.insert_element_before(OxmlElement(tag), *_AFTER[tag])
    return el


def _set_fonts(rpr, size: float | None = None) -> None:
    fonts = rpr.get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)
    if size is not None:
        rpr.get_or_add_sz().val = Pt(size)
        _child(rpr, "w:szCs").set(qn("w:val"), str(round(size * 2)))


def new_document() -> Document:
    """An empty A4 portrait document with the Normal and Cell styles set up."""
    doc = new_docx()
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if rpr is not None:
            _set_fonts(rpr)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    _set_fonts(normal.element.get_or_add_rPr(), BODY_PT)
    _child(normal.element.get_or_add_rPr(), "w:lang").set(qn("w:val"), "vi-VN")
    pf = normal.paragraph_format
    pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    pf.first_line_indent = Cm(1)
    pf.space_before = Pt(0)
    pf.space_after = Pt(6)
    pf.line_spacing = 1.15
    pf.widow_control = True
    cell = doc.styles.add_style(CELL_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = normal
    cell.font.size = Pt(12)
    cpf = cell.paragraph_format
    cpf.alignment = LEFT
    cpf.first_line_indent = Cm(0)
    cpf.space_before = Pt(1)
    cpf.space_after = Pt(1)
    cpf.line_spacing = 1.0
    setup_section(doc.sections[0])
    return doc


def setup_section(section: Section, *, landscape: bool = False) -> None:
    """A4 with the NĐ 30 margins (top/bottom 20 mm, left 30 mm, right 15 mm)."""
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (
        (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    )
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin = Mm(30)
    section.right_margin = Mm(15)
    section.header_distance = section.footer_distance = Mm(10)


def add_landscape_section(doc: Document) -> Section:
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    setup_section(section, landscape=True)
    return section


def text_width(section: Section) -> Length:
    return Length(section.page_width - section.left_margin - section.right_margin)


def add_run(paragraph: Paragraph, text: str, **fmt) -> None:
    run = paragraph.add_run(clean(text))
    run.bold = fmt.get("bold")
    run.italic = fmt.get("italic")
    if fmt.get("size"):
        _set_fonts(run._r.get_or_add_rPr(), fmt["size"])


def par(
    container,
    content: Segment | Sequence[Segment] = "",
    *,
    style: str | None = None,
    align=None,
    indent: Length | None = None,
    before: float | None = None,
    after: float | None = None,
    keep_next: bool = False,
    **fmt,
) -> Paragraph:
    """Add a paragraph; ``fmt`` (bold, italic, size) applies to every plain segment."""
    if isinstance(container, _Cell) and _is_blank_cell(container):
        p = container.paragraphs[0]
        if style:
            p.style = style
    else:
        p = container.add_paragraph(style=style)
    segments = [content] if isinstance(content, str | tuple) else content
    for seg in segments:
        text, own = (seg, {}) if isinstance(seg, str) else seg
        add_run(p, text, **{**fmt, **own})
    pf = p.paragraph_format
    if align is not None:
        pf.alignment = align
    if indent is not None:
        pf.first_line_indent = indent
    if before is not None:
        pf.space_before = Pt(before)
    if after is not None:
        pf.space_after = Pt(after)
    if keep_next:
        pf.keep_with_next = True
    return p


def _is_blank_cell(cell: _Cell) -> bool:
    ps = cell.paragraphs
    return len(ps) == 1 and not ps[0].runs and ps[0].style.name == "Normal"


def _border(parent, tag: str, sides: Iterable[str], val: str, sz: int = 4) -> None:
    box = _child(parent, tag)
    for side in sides:
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), val)
        el.set(qn("w:sz"), str(sz))
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000" if val != "nil" else "auto")
        box.append(el)


def rule(container, length: Length, available: Length, *, after: float = 4) -> Paragraph:
    """A centred horizontal rule: a tiny paragraph with a bottom border and side indents."""
    p = par(container, "", style=CELL_STYLE, before=0, after=after)
    pf = p.paragraph_format
    pf.left_indent = pf.right_indent = Length(max(0, (available - length) // 2))
    pf.line_spacing = Pt(5)  # exact: leaves a gap under the descenders above
    _border(p._p.get_or_add_pPr(), "w:pBdr", ["bottom"], "single", 6)
    return p


def table(
    container, rows: int, widths: Sequence[Length], *, grid: bool, pad: Length | None = None
) -> Table:
    """A fixed-layout table with the given column widths, all borders on or all off.

    ``pad`` overrides the left/right cell padding (0 for the borderless header blocks).
    """
    t = container.add_table(rows=rows, cols=len(widths))
    t.autofit = False
    tbl_pr = t._tbl.tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))  # python-docx always writes one
    tbl_w.set(qn("w:w"), str(sum(w.twips for w in widths)))
    tbl_w.set(qn("w:type"), "dxa")
    sides = ["top", "left", "bottom", "right", "insideH", "insideV"]
    _border(tbl_pr, "w:tblBorders", sides, "single" if grid else "nil")
    if pad is not None:
        mar = _child(tbl_pr, "w:tblCellMar")
        for side in ("left", "right"):
            el = OxmlElement(f"w:{side}")
            el.set(qn("w:w"), str(pad.twips))
            el.set(qn("w:type"), "dxa")
            mar.append(el)
    for col, w in zip(t.columns, widths, strict=True):
        col.width = w
    for row in t.rows:
        for cell, w in zip(row.cells, widths, strict=True):
            cell.width = w
    return t


def add_row(t: Table, *, header: bool = False) -> _Row:
    row = t.add_row()
    keep_row_together(row, header=header)
    return row


def keep_row_together(row: _Row, *, header: bool = False) -> None:
    """Mark a row cantSplit, and as a header row repeated on every page if asked."""
    tr_pr = row._tr.get_or_add_trPr()
    tags = ["w:cantSplit", "w:tblHeader"] if header else ["w:cantSplit"]
    for tag in tags:
        if tr_pr.find(qn(tag)) is None:
            tr_pr.append(OxmlElement(tag))


def middle(*cells: _Cell) -> None:
    for cell in cells:
        cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER


def ngay_thang_nam(d: date | None, year: int) -> str:
    """'ngày 05 tháng 02 năm 2022' (NĐ 30: zero for days < 10 and months 1, 2); dots if None."""
    if d is None:
        return f"ngày ... tháng ... năm {year}"
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"ngày {d.day:02d} tháng {month} năm {d.year}"


def header_block(
    container,
    width: Length,
    *,
    unit: str,
    parent: str | None = None,
    number: str | None = None,
    date_line: str | None = None,
    left_share: float = 0.38,
) -> Table:
    """Two borderless columns: cơ quan chủ quản/ban hành + số | quốc hiệu, tiêu ngữ + date."""
    left = Length(int(width * left_share))
    right = Length(width - left)
    rows = 2 if (number or date_line) else 1
    t = table(container, rows, [left, right], grid=False, pad=Mm(0))
    lc, rc = t.rows[0].cells
    if parent:
        par(lc, clean(parent).upper(), style=CELL_STYLE, align=CENTER, size=13, after=0)
    par(lc, clean(unit).upper(), style=CELL_STYLE, align=CENTER, bold=True, size=13, after=0)
    rule(lc, Length(int(left / 3)), left)
    par(rc, QUOC_HIEU, style=CELL_STYLE, align=CENTER, bold=True, size=13, after=0)
    par(rc, TIEU_NGU, style=CELL_STYLE, align=CENTER, bold=True, size=14, after=0)
    rule(rc, TIEU_NGU_RULE, right)
    if rows == 2:
        lc, rc = t.rows[1].cells
        par(lc, number or "", style=CELL_STYLE, align=CENTER, size=13, before=4)
        par(rc, date_line or "", style=CELL_STYLE, align=CENTER, italic=True, size=14, before=4)
    return t
