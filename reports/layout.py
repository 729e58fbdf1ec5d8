"""Nghị định 30/2020/NĐ-CP (Phụ lục I) layout: its numbers in one place, and the parts of a
document built from them.

``ND30`` (a frozen dataclass) holds every number: page, margins, font, sizes and styles of
each part of the header and closing blocks; a range in the decree is noted beside the value
chosen from it. Below it: the document and its styles, A4 sections, page numbers (centred in
the top margin, not on page 1), the header block (tên cơ quan | quốc hiệu, tiêu ngữ, số, địa
danh và ngày), the title block and the closing block (Nơi nhận | chữ ký). Both reports use
these; ``reports.docx_base`` has the generic helpers they are made of.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from docx import Document as new_docx
from docx.document import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Cm, Length, Mm, Pt
from docx.table import Table

from reports import docx_base as b
from reports.letterhead import PLACEHOLDER_TITLE, Issuer


@dataclass(frozen=True)
class Nd30Layout:
    # -- page (mm) ------------------------------------------------------------
    page_width_mm: float = 210  # A4
    page_height_mm: float = 297
    margin_top_mm: float = 20  # 20–25
    margin_bottom_mm: float = 20  # 20–25
    margin_left_mm: float = 30  # 30–35
    margin_right_mm: float = 15  # 15–20
    header_distance_mm: float = 10  # the page number sits inside the top margin

    # -- text -----------------------------------------------------------------
    font: str = "Times New Roman"
    language: str = "vi-VN"
    body_pt: float = 14  # 13–14, justified
    first_line_indent_cm: float = 1.0  # 1–1.27
    space_after_pt: float = 6  # at least 6 pt between paragraphs
    line_spacing: float = 1.15  # single … 1.5 lines
    cell_pt: float = 12  # table cells (the decree leaves tables to the issuer)
    page_number_pt: float = 13  # 13–14, upright, centred in the top margin, not on page 1

    # -- header block ---------------------------------------------------------
    quoc_hieu_pt: float = 13  # 12–13, bold, capitals
    tieu_ngu_pt: float = 14  # 13–14, bold (one point above the quốc hiệu)
    tieu_ngu_rule_mm: float = 60  # the rule under the tiêu ngữ is as long as the text
    parent_pt: float = 13  # cơ quan chủ quản, 12–13, capitals
    unit_pt: float = 13  # cơ quan ban hành, 12–13, bold, capitals
    number_pt: float = 13  # "Số: …/BC-…", 13
    letter_subject_pt: float = 12  # a letter's "V/v …" under its number, 12–13
    place_date_pt: float = 14  # 13–14, italic
    header_left_share: float = 0.38  # width of the unit's column (portrait page)

    # -- title ----------------------------------------------------------------
    title_pt: float = 14  # "BÁO CÁO", 13–14, bold, capitals
    subject_pt: float = 14  # trích yếu, 13–14, bold
    subject_rule_cm: float = 4  # rule under the trích yếu: 1/3–1/2 of the line

    # -- closing block --------------------------------------------------------
    noi_nhan_pt: float = 12  # "Nơi nhận:", bold, italic
    recipients_pt: float = 11  # the list under it, upright
    signer_pt: float = 14  # 13–14; title bold capitals, "(Ký, đóng dấu)" italic
    signature_space_lines: int = 4  # room for the signature and the seal
    closing_left_share: float = 0.45


ND30 = Nd30Layout()

QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"


# -- document, sections, page numbers ----------------------------------------


def new_document(layout: Nd30Layout = ND30) -> Document:
    """An empty A4 portrait document: Normal and Cell styles, page numbers from page 2."""
    doc = new_docx()
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if rpr is not None:
            b.set_fonts(rpr, layout.font)
    normal = doc.styles["Normal"]
    normal.font.name = layout.font
    b.set_fonts(normal.element.get_or_add_rPr(), layout.font, layout.body_pt)
    b.child(normal.element.get_or_add_rPr(), "w:lang").set(qn("w:val"), layout.language)
    pf = normal.paragraph_format
    pf.alignment = b.JUSTIFY
    pf.first_line_indent = Cm(layout.first_line_indent_cm)
    pf.space_before = Pt(0)
    pf.space_after = Pt(layout.space_after_pt)
    pf.line_spacing = layout.line_spacing
    pf.widow_control = True
    cell = doc.styles.add_style(b.CELL_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = normal
    cell.font.size = Pt(layout.cell_pt)
    cpf = cell.paragraph_format
    cpf.alignment = b.LEFT
    cpf.first_line_indent = Cm(0)
    cpf.space_before = cpf.space_after = Pt(1)
    cpf.line_spacing = 1.0
    setup_section(doc.sections[0], layout=layout)
    page_numbers(doc.sections[0], first_page=False, layout=layout)
    return doc


def setup_section(section: Section, *, landscape: bool = False, layout: Nd30Layout = ND30) -> None:
    """A4 with the decree's margins."""
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    short, long = Mm(layout.page_width_mm), Mm(layout.page_height_mm)
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    section.top_margin = Mm(layout.margin_top_mm)
    section.bottom_margin = Mm(layout.margin_bottom_mm)
    section.left_margin = Mm(layout.margin_left_mm)
    section.right_margin = Mm(layout.margin_right_mm)
    section.header_distance = section.footer_distance = Mm(layout.header_distance_mm)


def add_annex_section(doc: Document, layout: Nd30Layout = ND30) -> Section:
    """A landscape section on a new page for an attachment (phụ lục): NĐ 30 numbers an
    attachment's pages on their own, so they start again at 1, shown from its second page."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    setup_section(section, landscape=True, layout=layout)
    page_numbers(section, first_page=False, layout=layout)
    b.child(section._sectPr, "w:pgNumType").set(qn("w:start"), "1")
    return section


def page_numbers(section: Section, *, first_page: bool, layout: Nd30Layout = ND30) -> None:
    """A PAGE field centred in the section's own header. ``first_page=False``: no number on
    the section's first page (w:titlePg with an empty first-page header)."""
    section.different_first_page_header_footer = not first_page
    for header in (section.header, section.first_page_header, section.even_page_header):
        header.is_linked_to_previous = True  # drop definitions cloned from the section before
    if not first_page:
        section.first_page_header.is_linked_to_previous = False
    section.header.is_linked_to_previous = False
    p = section.header.paragraphs[0]
    pf = p.paragraph_format
    pf.alignment, pf.first_line_indent = b.CENTER, Cm(0)
    pf.space_before = pf.space_after = Pt(0)
    b.page_field(p, layout.page_number_pt)


# -- header, title and closing blocks -----------------------------------------


def ngay_thang_nam(d: date | None, year: int) -> str:
    """'ngày 05 tháng 02 năm 2022' (zero for days < 10 and months 1, 2); dots if None."""
    if d is None:
        return f"ngày ... tháng ... năm {year}"
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"ngày {d.day:02d} tháng {month} năm {d.year}"


def header_block(
    container,
    width: Length,
    *,
    issuer: Issuer,
    number: str | None = None,
    subject: str | None = None,
    date_line: str | None = None,
    left_share: float = ND30.header_left_share,
    layout: Nd30Layout = ND30,
) -> Table:
    """Two borderless columns: cơ quan chủ quản / cơ quan ban hành, số (and for a letter its
    trích yếu "V/v …") | quốc hiệu, tiêu ngữ, địa danh và ngày."""
    left = Length(int(width * left_share))
    right = Length(width - left)
    rows = 2 if (number or date_line or subject) else 1
    t = b.table(container, rows, [left, right], grid=False, pad=Mm(0))
    lc, rc = t.rows[0].cells
    box = {"style": b.CELL_STYLE, "align": b.CENTER, "after": 0}
    if issuer.above:
        b.par(lc, b.clean(issuer.above).upper(), **box, size=layout.parent_pt)
    for line in issuer.lines:
        b.par(lc, b.clean(line).upper(), **box, bold=True, size=layout.unit_pt)
    b.rule(lc, Length(int(left / 3)), left)
    b.par(rc, QUOC_HIEU, **box, bold=True, size=layout.quoc_hieu_pt)
    b.par(rc, TIEU_NGU, **box, bold=True, size=layout.tieu_ngu_pt)
    b.rule(rc, Mm(layout.tieu_ngu_rule_mm), right)
    if rows == 2:
        lc, rc = t.rows[1].cells
        box.update(before=4, after=None)
        b.par(lc, number or "", **box, size=layout.number_pt)
        if subject:  # a letter's trích yếu, under its number (NĐ 30: 12–13 pt, upright)
            b.par(lc, subject, **{**box, "before": 0}, size=layout.letter_subject_pt)
        b.par(rc, date_line or "", **box, italic=True, size=layout.place_date_pt)
    return t


def title_block(
    doc: Document, width: Length, *, recipient: str, subject: str, layout: Nd30Layout = ND30
) -> None:
    """ "Kính gửi: …", "BÁO CÁO", the trích yếu and the short rule under it."""
    center = {"align": b.CENTER, "indent": Cm(0)}
    b.par(doc, f"Kính gửi: {b.clean(recipient).rstrip('. ')}.", **center, before=12, after=12)
    b.par(doc, "BÁO CÁO", **center, bold=True, size=layout.title_pt, after=0)
    b.par(doc, subject, **center, bold=True, size=layout.subject_pt, after=0)
    b.rule(doc, Cm(layout.subject_rule_cm), width, after=12)


def closing_block(
    doc: Document,
    width: Length,
    *,
    recipients: Sequence[str],
    signature: Sequence[str],
    signer_name: str | None,
    layout: Nd30Layout = ND30,
) -> Table:
    """ "Nơi nhận:" and its list | the signer's lines (quyền hạn, chức vụ), room for the
    signature and the seal, the full name. The template's placeholder title keeps its
    "(Ký, đóng dấu)" hint; a real signer's block has none, as signed documents do."""
    left = int(width * layout.closing_left_share)
    t = b.table(doc, 1, [Length(left), Length(width - left)], grid=False)
    b.keep_row_together(t.rows[0])
    lc, rc = t.rows[0].cells
    noi_nhan = {"bold": True, "italic": True, "size": layout.noi_nhan_pt}
    b.par(lc, "Nơi nhận:", style=b.CELL_STYLE, **noi_nhan, before=6)
    for line in recipients:
        b.par(lc, line, style=b.CELL_STYLE, size=layout.recipients_pt, before=0, after=0)
    sign = {"style": b.CELL_STYLE, "align": b.CENTER, "size": layout.signer_pt}
    for n, line in enumerate(signature):
        b.par(rc, b.clean(line).upper(), **sign, bold=True, before=6 if n == 0 else 0, after=0)
    if tuple(signature) == (PLACEHOLDER_TITLE,):
        b.par(rc, "(Ký, đóng dấu)", **sign, italic=True)
    for _ in range(layout.signature_space_lines):
        b.par(rc, "", **sign)
    if signer_name:
        b.par(rc, signer_name, **sign, bold=True)
    return t
