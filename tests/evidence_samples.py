"""Real evidence files for the channel tests, small and made on the spot: the bot opens what it
receives (``storage.filetypes``), so a few magic bytes no longer pass for a PDF or a photo."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from docx import Document
from openpyxl import Workbook
from PIL import Image
from pypdf import PdfWriter

from storage.filetypes import DOC, DOCX, JPEG, PDF, PNG, XLS, XLSX, FileType

FIXTURES = Path(__file__).parent / "fixtures" / "evidence"  # real .doc and .xls files
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def pdf(title: str = "Kế hoạch", pages: int = 1, attached: int = 0) -> bytes:
    """A PDF of blank A4 pages; ``title`` (in its metadata) makes its content unique;
    ``attached`` bytes of an attachment make it as large as needed."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": title})
    if attached:
        writer.add_attachment("phu-luc.bin", random.Random(title).randbytes(attached))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def jpeg(seed: int = 0, size: tuple[int, int] = (160, 120)) -> bytes:
    """A photo-like JPEG; each ``seed`` gives other pixels (another file)."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    for _ in range(20):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        image.putpixel((x, y), (rng.randrange(256), 0, rng.randrange(256)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def png(seed: int = 0, size: tuple[int, int] = (120, 90)) -> bytes:
    rng = random.Random(seed)
    out = io.BytesIO()
    Image.new("RGB", size, (rng.randrange(256), 90, 40)).save(out, "PNG")
    return out.getvalue()


def docx(text: str = "Biên bản hội nghị") -> bytes:
    document = Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# -- the sample of each type, and files that are not what they claim -----------------------


def pdf_bytes(pages: int = 1) -> bytes:
    return pdf("Mẫu", pages)


def docx_bytes() -> bytes:
    return docx("Biên bản hội nghị đối thoại với Nhân dân năm 2022")


def xlsx_bytes() -> bytes:
    wb = Workbook()
    wb.active.append(["Nội dung", "Số lượng"])
    wb.active.append(["Lượt tiếp dân", 37])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def image_bytes(fmt: str, size: tuple[int, int] = (64, 48), **options: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt, **options)
    return out.getvalue()


def rezip(data: bytes, change: Callable[[str, bytes], bytes | None], **extra: bytes) -> bytes:
    """The ZIP ``data`` with each part passed through ``change`` (None drops it), plus ``extra``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            new = change(info.filename, src.read(info))
            if new is not None:
                dst.writestr(info.filename, new, zipfile.ZIP_DEFLATED)
        for name, body in extra.items():
            dst.writestr(name, body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def docm_bytes() -> bytes:
    """A DOCX turned macro-enabled as Word saves one: main part type and a VBA project."""
    main = b"wordprocessingml.document.main+xml"
    macro = b"ms-word.document.macroEnabled.main+xml"

    def change(name: str, body: bytes) -> bytes:
        if name == "[Content_Types].xml":
            body = body.replace(b"openxmlformats-officedocument." + main, macro)
        return body

    return rezip(docx_bytes(), change, **{"word/vbaProject.bin": OLE_MAGIC + bytes(500)})


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in entries.items():
            z.writestr(name, body)
    return out.getvalue()


def with_declared_size(data: bytes, part: str, size: int) -> bytes:
    """The ZIP ``data`` whose central directory claims ``part`` unpacks to ``size`` bytes."""
    buf = bytearray(data)
    start = 0
    while (at := buf.find(b"PK\x01\x02", start)) >= 0:
        name_len = struct.unpack_from("<H", buf, at + 28)[0]
        if buf[at + 46 : at + 46 + name_len] == part.encode():
            struct.pack_into("<I", buf, at + 24, size)
            return bytes(buf)
        start = at + 4
    raise AssertionError(f"{part} not in the ZIP")


def png_of_size(width: int, height: int) -> bytes:
    """A real, complete 1-bit PNG of any size (black: its pixels compress to almost nothing),
    e.g. the 20000 x 20000 "pixel bomb"."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return PNG_MAGIC + chunk(b"IHDR", ihdr) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims ``width`` x ``height``."""
    data = bytearray(image_bytes("JPEG"))
    sof = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def ole_not_word_nor_excel() -> bytes:
    """A real OLE2 container (the XLS fixture) whose Workbook stream is renamed."""
    data = (FIXTURES / "so-lieu.xls").read_bytes()
    renamed = data.replace("Workbook".encode("utf-16-le"), "Contents".encode("utf-16-le"))
    assert renamed != data
    return renamed


def samples() -> dict[FileType, bytes]:
    """One real file of each accepted type."""
    return {
        PDF: pdf_bytes(),
        DOC: (FIXTURES / "bien-ban.doc").read_bytes(),
        DOCX: docx_bytes(),
        XLS: (FIXTURES / "so-lieu.xls").read_bytes(),
        XLSX: xlsx_bytes(),
        JPEG: image_bytes("JPEG"),
        PNG: image_bytes("PNG"),
    }
