"""Real evidence files for the channel tests, small and made on the spot: the bot opens what it
receives (``storage.filetypes``), so a few magic bytes no longer pass for a PDF or a photo."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from pathlib import Path

from docx import Document
from PIL import Image
from pypdf import PdfWriter


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


# -- files that are not what they claim -------------------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures" / "evidence"


def zip_of(entries: dict[str, bytes]) -> bytes:
    """A plain ZIP archive (what a .docx is made of, without being one)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in entries.items():
            z.writestr(name, body)
    return out.getvalue()


def ole_not_word() -> bytes:
    """A real OLE2 container that is neither a Word nor an Excel file."""
    data = (FIXTURES / "so-lieu.xls").read_bytes()
    return data.replace("Workbook".encode("utf-16-le"), "Contents".encode("utf-16-le"))


def png_of_size(width: int, height: int) -> bytes:
    """A real, complete 1-bit PNG of any size (black: it compresses to almost nothing), e.g.
    the 20000 x 20000 "pixel bomb"."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
