"""storage.filetypes: the accepted types, decided from real files' content, and every refusal."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfWriter

from storage import filetypes
from storage.filetypes import (
    ACCEPTED,
    DOC,
    DOCX,
    JPEG,
    PDF,
    PNG,
    XLS,
    XLSX,
    FileType,
    Refused,
    inspect,
)
from tests.evidence_samples import (
    OLE_MAGIC,
    PNG_MAGIC,
    docm_bytes,
    docx_bytes,
    image_bytes,
    jpeg_claiming,
    ole_not_word_nor_excel,
    pdf_bytes,
    png_of_size,
    rezip,
    samples,
    with_declared_size,
    zip_bytes,
)
from tests.fuzzing import fuzz

FUZZ = fuzz(150)


SAMPLES = samples()


def inspect_bytes(tmp_path: Path, data: bytes, name: str = "tep") -> FileType:
    path = tmp_path / name
    path.write_bytes(data)
    return inspect(path)


def refusal(tmp_path: Path, data: bytes) -> str:
    with pytest.raises(Refused) as refused:
        inspect_bytes(tmp_path, data)
    return refused.value.reason


# -- the list --------------------------------------------------------------------------------------


def test_one_list_and_what_derives_from_it() -> None:
    extensions = [".pdf", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".jpeg", ".png"]
    assert [t.extension for t in ACCEPTED] == [e for e in extensions if e != ".jpeg"]
    assert {t.mime for t in ACCEPTED if t.kind == "photo"} == {"image/jpeg", "image/png"}
    assert sorted(filetypes.EXTENSIONS) == sorted(extensions)
    assert filetypes.ACCEPT_ATTRIBUTE == (
        ".pdf,.doc,.docx,.xls,.xlsx,.jpg,.jpeg,.png,image/jpeg,image/png"
    )
    assert filetypes.BY_MIME["application/msword"] is DOC
    assert all(t.label for t in ACCEPTED)
    assert filetypes.LABELS == "PDF, Word (DOC, DOCX), Excel (XLS, XLSX), ảnh (JPG, PNG)"


@pytest.mark.parametrize(
    ("name", "other"),
    [
        ("setup.exe", True),
        ("anh.ZIP", True),
        ("ghi chu.txt", True),
        ("clip.mp4", True),
        ("bao-cao.PDF", False),
        ("anh.jpeg", False),
        ("Biên bản 12.2023", False),  # not a known extension: the content decides
        ("Kế hoạch.KH", False),
        ("khong-duoi", False),
        (None, False),
    ],
)
def test_names_other_type(name: str | None, other: bool) -> None:
    assert filetypes.names_other_type(name) is other


# -- accepted --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(SAMPLES), ids=lambda t: t.extension)
def test_each_accepted_type_is_recognised_whatever_the_name(tmp_path: Path, kind: FileType) -> None:
    assert inspect_bytes(tmp_path, SAMPLES[kind], "ten-sai.txt") is kind


def test_variants_that_are_still_accepted(tmp_path: Path) -> None:
    progressive = image_bytes("JPEG", (400, 300), progressive=True, quality=70)
    rotated = Image.new("RGB", (30, 20))
    exif = rotated.getexif()
    exif[0x0112] = 6  # the camera was turned
    out = io.BytesIO()
    rotated.save(out, "JPEG", exif=exif)
    assert inspect_bytes(tmp_path, progressive) is JPEG
    assert inspect_bytes(tmp_path, out.getvalue()) is JPEG
    transparent = io.BytesIO()
    Image.new("RGBA", (10, 10)).save(transparent, "PNG")
    assert inspect_bytes(tmp_path, transparent.getvalue()) is PNG
    assert inspect_bytes(tmp_path, pdf_bytes(pages=3)) is PDF
    # an owner password only (printing restricted): it opens without one
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt(user_password="", owner_password="chu-so-huu", algorithm="AES-128")
    protected = io.BytesIO()
    writer.write(protected)
    assert inspect_bytes(tmp_path, protected.getvalue()) is PDF


def test_the_largest_accepted_image(tmp_path: Path) -> None:
    side = int(filetypes.MAX_PIXELS**0.5)
    assert inspect_bytes(tmp_path, png_of_size(side, side)) is PNG


# -- refused ---------------------------------------------------------------------------------------


def test_a_zip_named_docx_is_not_word(tmp_path: Path) -> None:
    plain = zip_bytes({"bao-cao.txt": "Báo cáo".encode()})
    assert refusal(tmp_path, plain) == "type"
    # word/ parts but no [Content_Types].xml: what the old sniffer took for Word
    assert refusal(tmp_path, zip_bytes({"word/document.xml": b"<w:document/>"})) == "type"


def test_other_office_zips_are_refused(tmp_path: Path) -> None:
    template = b"wordprocessingml.template.main+xml"

    def as_template(name: str, body: bytes) -> bytes:
        return body.replace(b"wordprocessingml.document.main+xml", template)

    assert refusal(tmp_path, rezip(docx_bytes(), as_template)) == "type"  # .dotx
    odt = zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text", "c.xml": b"<x/>"})
    assert refusal(tmp_path, odt) == "type"


def test_a_docx_missing_its_main_part_is_damaged(tmp_path: Path) -> None:
    gone = rezip(docx_bytes(), lambda name, body: None if name == "word/document.xml" else body)
    assert refusal(tmp_path, gone) == "damaged"


def test_macro_enabled_documents_are_refused(tmp_path: Path) -> None:
    assert refusal(tmp_path, docm_bytes()) == "macro"
    # a VBA project smuggled into a file that declares itself a plain DOCX
    smuggled = rezip(docx_bytes(), lambda name, body: body, **{"word/vbaProject.bin": b"x"})
    assert refusal(tmp_path, smuggled) == "macro"


def test_zip_bombs_are_refused(tmp_path: Path) -> None:
    huge = with_declared_size(docx_bytes(), "word/document.xml", 0xFFFFFFF0)
    assert refusal(tmp_path, huge) == "zip_bomb"
    zeros = rezip(docx_bytes(), lambda name, body: body, **{"word/media/x.xml": bytes(2**20)})
    assert refusal(tmp_path, zeros) == "zip_bomb"  # 1 MiB packed into ~1 KB: ratio ~1000
    parts = {f"word/p{i}.xml": b"" for i in range(filetypes.MAX_ZIP_ENTRIES)}
    many = rezip(docx_bytes(), lambda name, body: body, **parts)
    assert refusal(tmp_path, many) == "zip_bomb"


def test_an_ole2_file_neither_word_nor_excel(tmp_path: Path) -> None:
    assert refusal(tmp_path, ole_not_word_nor_excel()) == "type"
    assert refusal(tmp_path, OLE_MAGIC + bytes(600)) == "damaged"  # the header alone


@pytest.mark.parametrize("kind", list(SAMPLES), ids=lambda t: t.extension)
def test_half_a_file_is_refused(tmp_path: Path, kind: FileType) -> None:
    data = SAMPLES[kind]
    assert refusal(tmp_path, data[: len(data) // 2]) in ("damaged", "type")


def test_pdfs_that_are_not(tmp_path: Path) -> None:
    whole = pdf_bytes(pages=2)
    assert refusal(tmp_path, whole[: len(whole) - 40]) == "damaged"  # truncated: no %%EOF
    assert refusal(tmp_path, pdf_bytes(pages=0)) == "damaged"  # no page
    assert refusal(tmp_path, b"%PDF-1.7\n" + bytes(3000) + b"\n%%EOF\n") == "damaged"
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt("mat-khau")
    locked = io.BytesIO()
    writer.write(locked)
    assert refusal(tmp_path, locked.getvalue()) == "encrypted"


def test_an_exe_named_pdf(tmp_path: Path) -> None:
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(3000)
    with pytest.raises(Refused) as refused:
        inspect_bytes(tmp_path, exe, "ke-hoach.pdf")
    assert refused.value.reason == "type"


@pytest.mark.parametrize(
    "data",
    [b"Xin ch\xc3\xa0o", b"GIF89a" + bytes(100), b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(50)],
    ids=["text", "gif", "webp"],
)
def test_other_types_are_refused(tmp_path: Path, data: bytes) -> None:
    assert refusal(tmp_path, data) == "type"


def test_empty_and_missing(tmp_path: Path) -> None:
    assert refusal(tmp_path, b"") == "empty"
    with pytest.raises(Refused) as refused:
        inspect(tmp_path / "khong-co")
    assert refused.value.reason == "damaged"


def test_pixel_bombs_are_refused_without_decoding(tmp_path: Path) -> None:
    assert refusal(tmp_path, png_of_size(20000, 20000)) == "too_many_pixels"
    side = int(filetypes.MAX_PIXELS**0.5) + 1
    assert refusal(tmp_path, png_of_size(side, side)) == "too_many_pixels"
    assert refusal(tmp_path, jpeg_claiming(65000, 65000)) == "too_many_pixels"
    assert refusal(tmp_path, jpeg_claiming(9000, 9000)) == "too_many_pixels"  # 81 MP


def test_pillows_own_warning_where_warnings_are_not_errors(tmp_path: Path) -> None:
    """Between Pillow's limit (~89 MP: a warning) and twice it (an error), the warning is only
    printed in production; our limit refuses the image all the same."""
    path = tmp_path / "anh.jpg"
    path.write_bytes(jpeg_claiming(10000, 10000))
    with pytest.warns(Image.DecompressionBombWarning), pytest.raises(Refused) as refused:
        inspect(path)
    assert refused.value.reason == "too_many_pixels"


def test_a_damaged_image(tmp_path: Path) -> None:
    jpeg = image_bytes("JPEG", (300, 200), quality=90)
    assert refusal(tmp_path, jpeg[: len(jpeg) * 2 // 3]) == "damaged"
    png = bytearray(image_bytes("PNG", (300, 200)))
    png[60] ^= 0xFF  # inside IDAT: its CRC no longer matches
    assert refusal(tmp_path, bytes(png)) == "damaged"


# -- the media type of a download ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "head", "mime"),
    [
        ("bao_cao.pdf", b"%PDF-1.7\n%\xe2\xe3", "application/pdf"),
        ("anh", b"\xff\xd8\xff\xe1", "image/jpeg"),  # no extension: content decides
        ("photo.png", b"\xff\xd8\xff\xe0", "image/jpeg"),  # wrong name: content wins
        ("bang.xlsx", b"PK\x03\x04" + bytes(40), XLSX.mime),  # the name picks within a ZIP
        ("bao-cao.docx", b"PK\x03\x04" + bytes(40), DOCX.mime),
        ("archive.zip", b"PK\x03\x04" + bytes(40), "application/zip"),
        ("old.xls", OLE_MAGIC + bytes(40), XLS.mime),
        ("old.msi", OLE_MAGIC + bytes(40), "application/x-ole-storage"),
        ("fake.pdf", b"MZ\x90\x00\x03\x00\x00\x00", "application/octet-stream"),
        ("trang.html", b"<html><script>", "application/octet-stream"),  # never served as HTML
        (None, b"", "application/octet-stream"),
    ],
)
def test_guess_mime(name: str | None, head: bytes, mime: str) -> None:
    assert filetypes.guess_mime(name, head) == mime


# -- no input breaks it ----------------------------------------------------------------------------

MAGICS = [b"", b"%PDF-", b"PK\x03\x04", OLE_MAGIC, b"\xff\xd8\xff", PNG_MAGIC, b"%PDF-1.4\n"]


@FUZZ
@given(st.sampled_from(MAGICS), st.binary(max_size=3000), st.booleans())
def test_random_bytes_are_always_refused(
    tmp_path: Path, magic: bytes, body: bytes, eof: bool
) -> None:
    data = magic + body + (b"\n%%EOF\n" if eof else b"")
    with pytest.raises(Refused):
        inspect_bytes(tmp_path, data)


@FUZZ
@given(st.sampled_from(list(SAMPLES)), st.data())
def test_mutated_files_never_raise_anything_else(
    tmp_path: Path, kind: FileType, data: st.DataObject
) -> None:
    original = SAMPLES[kind]
    at = data.draw(st.integers(0, len(original) - 1), label="position")
    if data.draw(st.booleans(), label="truncate"):
        mutated = original[:at]
    else:
        flip = data.draw(st.integers(1, 255), label="xor")
        mutated = original[:at] + bytes([original[at] ^ flip]) + original[at + 1 :]
    try:
        found = inspect_bytes(tmp_path, mutated)
    except Refused as refused:
        assert refused.reason in filetypes.REASONS
    else:
        assert found is kind  # a harmless change (metadata, padding): still the same type
