"""Generic building blocks for the DOCX reports: runs, paragraphs, rules, tables, fields.

No number of Nghị định 30/2020 lives here: ``reports.layout`` sets the page, the styles and
the administrative blocks up from ``ND30`` with these helpers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from io import BytesIO
from pathlib import Path

from docx.document import Document
from docx.enum.table import WD_ALIGN_VERTICAL
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.image.image import Image
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.styles import styleId_from_name
from docx.section import Section
from docx.shared import Length, Pt
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph
from PIL import ExifTags, ImageOps
from PIL import Image as Pillow

CELL_STYLE = "Cell"  # compact paragraph style for table cells and the header/closing blocks
CENTER = WD_ALIGN_PARAGRAPH.CENTER
LEFT = WD_ALIGN_PARAGRAPH.LEFT
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY

# A run of text with its own formatting: plain str, or (text, {"bold": True, ...}).
Segment = str | tuple[str, dict]

MAX_PICTURE_SOURCE = 64 * 1024 * 1024  # bytes; the pixels are bounded by MAX_PICTURE_PIXELS
# storage.filetypes.MAX_PIXELS: no accepted image is larger (a test keeps them equal; not
# imported, report workers load no storage code). Older evidence may be: no picture then.
MAX_PICTURE_PIXELS = 64_000_000
# A picture is printed at most 4.5 cm tall (531 px at 300 dpi); 1200 px on the long side stays
# sharp when zoomed in, and keeps a photo near 200 KB in the DOCX whatever the camera.
PICTURE_MAX_SIDE = 1200
PICTURE_QUALITY = 85  # JPEG
# Memory the pixels of one picture may take once decoded. A JPEG is decoded at a reduced scale
# (draft) and never comes near; a PNG can only be decoded whole (a 64 MP colour PNG: 256 MB):
# past this it gets no thumbnail (the appendix still lists it), and a report worker stays
# under 200 MB.
PICTURE_MAX_DECODED = 96 * 1024 * 1024
_RESIZABLE = {"1": "L", "P": "RGB"}  # Pillow resizes these by nearest neighbour: convert first
JFIF_APP0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
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
        "w:pgNumType": "cols formProt vAlign noEndnote titlePg textDirection bidi rtlGutter"
        " docGrid printerSettings sectPrChange",
    }.items()
}


def child(parent, tag: str):
    """The ``tag`` child of ``parent``, created in its schema position if missing."""
    el = parent.find(qn(tag))
    if el is None:
        el = parent.insert_element_before(OxmlElement(tag), *_AFTER[tag])
    return el


def set_fonts(rpr, font: str | None = None, size: float | None = None) -> None:
    """Put ``font`` in every slot (ascii, hAnsi, east-asian, complex script) and the size."""
    if font is not None:
        fonts = rpr.get_or_add_rFonts()
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(theme), None)
        for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(slot), font)
    if size is not None:
        rpr.get_or_add_sz().val = Pt(size)
        child(rpr, "w:szCs").set(qn("w:val"), str(round(size * 2)))


def page_field(paragraph: Paragraph, size: float) -> None:
    """Append a PAGE field (begin, instruction, separate, cached result, end)."""
    parts = (("begin", ""), ("instr", " PAGE "), ("separate", ""), ("", "2"), ("end", ""))
    for kind, text in parts:
        run = paragraph.add_run(text if kind == "" else "")
        set_fonts(run._r.get_or_add_rPr(), size=size)
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
            run._r.append(el)
        elif kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)


def text_width(section: Section) -> Length:
    return Length(section.page_width - section.left_margin - section.right_margin)


# -- paragraphs ---------------------------------------------------------------


def add_run(paragraph: Paragraph, text: str, **fmt) -> None:
    run = paragraph.add_run(clean(text))
    for name in ("bold", "italic"):  # a new run inherits both: set only what is asked
        if fmt.get(name) is not None:
            setattr(run, name, fmt[name])
    if fmt.get("size"):
        set_fonts(run._r.get_or_add_rPr(), size=fmt["size"])


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
    p = (
        container.paragraphs[0]
        if isinstance(container, _Cell) and _is_blank_cell(container)
        else container.add_paragraph()
    )
    if style:
        # by id: python-docx's lookup by name walks every style, for every paragraph (slow)
        p._p.get_or_add_pPr().style = styleId_from_name(style)
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
    if len(ps) != 1 or ps[0].runs:
        return False
    ppr = ps[0]._p.pPr  # the style id, not ``.style`` (which walks every style to find it)
    return ppr is None or ppr.style in (None, "Normal")


def _border(parent, tag: str, sides: Iterable[str], val: str, sz: int = 4) -> None:
    box = child(parent, tag)
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


# -- tables -------------------------------------------------------------------


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
        mar = child(tbl_pr, "w:tblCellMar")
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


def keep_with_next(row: _Row) -> None:
    """Keep the row on the same page as the next one (Word and LibreOffice honour it)."""
    for cell in row.cells:
        for p in cell.paragraphs:
            p.paragraph_format.keep_with_next = True


def middle(*cells: _Cell) -> None:
    for cell in cells:
        cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER


# -- pictures and files -------------------------------------------------------


def picture(cell: _Cell, path: Path, *, width: Length, tall_height: Length) -> None:
    """A centred picture of the image at ``path``, at most PICTURE_MAX_SIDE pixels on its long
    side and turned as its EXIF orientation says; nothing when it cannot be read (HEIC, broken,
    missing, too big). Tall images get ``tall_height``, others ``width``."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_PICTURE_SOURCE:
            return
        blob = _picture_blob(path)
        if blob is None:
            return
        image = Image.from_blob(blob)
        tall = image.px_height > image.px_width * 1.3
        size = {"height": tall_height} if tall else {"width": width}
        run = par(cell, "", style=CELL_STYLE, align=CENTER).add_run()
        run.add_picture(BytesIO(blob), **size)
    except Exception:  # a broken image must never break the report
        return


def _picture_blob(path: Path) -> bytes | None:
    """The image as it goes into the DOCX: the file itself when it is a small, upright JPEG or
    PNG, else a downscaled copy (JPEG, or PNG when it has transparency); None: no picture."""
    with Pillow.open(path) as im:  # reads the header only
        if im.width * im.height > MAX_PICTURE_PIXELS:
            return None
        small_enough = max(im.size) <= PICTURE_MAX_SIDE
        # JPEG: libjpeg decodes at 1/2, 1/4 or 1/8 scale, still at least the size asked for;
        # a 64 MP photo never lies in memory whole. Other formats ignore it.
        im.draft("RGB", (PICTURE_MAX_SIDE, PICTURE_MAX_SIDE))
        if _decoded_bytes(im) > PICTURE_MAX_DECODED:
            return None
        # (A PNG's getexif() decodes the pixels: its eXIf chunk may follow them. Hence after.)
        upright = im.getexif().get(ExifTags.Base.Orientation, 1) == 1
        if im.format in ("JPEG", "PNG") and small_enough and upright:
            return _docx_readable(path.read_bytes())
        small = im
        if im.mode in _RESIZABLE:  # (convert keeps the EXIF orientation in info)
            small = im.convert("RGBA" if "transparency" in im.info else _RESIZABLE[im.mode])
        small.thumbnail((PICTURE_MAX_SIDE, PICTURE_MAX_SIDE))  # in place: the full size is freed
        ImageOps.exif_transpose(small, in_place=True)  # turn the small copy only
        out = BytesIO()
        if small.mode in ("RGBA", "LA", "PA"):
            small.save(out, "PNG")
        else:
            rgb = small if small.mode in ("L", "RGB") else small.convert("RGB")
            rgb.save(out, "JPEG", quality=PICTURE_QUALITY)
        return out.getvalue()


def _decoded_bytes(im: Pillow.Image) -> int:
    """Bytes the pixels take once loaded (Pillow keeps 1, 2 or 4 per pixel), and converted."""
    per_pixel = 1 if im.mode in ("1", "L", "P") else 2 if im.mode.startswith("I;16") else 4
    per_pixel += {"1": 1, "P": 4}.get(im.mode, 0)
    return im.width * im.height * per_pixel


def _docx_readable(blob: bytes) -> bytes:
    """python-docx knows a JPEG only by a JFIF/Exif segment right after SOI; some cameras and
    editors write neither: prepend a minimal JFIF header (the pixels are untouched)."""
    if blob[:3] == b"\xff\xd8\xff" and blob[3:4] not in (b"\xe0", b"\xe1"):
        return blob[:2] + JFIF_APP0 + blob[2:]
    return blob


def to_bytes(doc: Document) -> bytes:
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def write_file(path: Path, blob: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(blob)
    return path
