"""bot.channel.uploads: one acceptance path for every channel (names, early refusal, content,
store)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Cm
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from bot.channel.uploads import (
    MAX_NAME_BYTES,
    Offered,
    Rejected,
    accept,
    accept_path,
    clean_name,
    named_for,
    refuse_early,
    too_big,
)
from conversations.events import FileUpload
from conversations.texts import msg
from reports.docx_base import MAX_PICTURE_PIXELS, PICTURE_MAX_SIDE, picture
from storage import filetypes
from storage.filestore import FileStore
from storage.filetypes import DOC, DOCX, JPEG, PDF, PNG, XLS, XLSX, FileType
from tests.evidence_samples import (
    docm_bytes,
    docx_bytes,
    image_bytes,
    jpeg_claiming,
    ole_not_word_nor_excel,
    pdf_bytes,
    png_of_size,
    with_declared_size,
    zip_bytes,
)
from tests.test_storage_filetypes import FUZZ, MAGICS, SAMPLES

MB = 1024 * 1024
LIMIT = 20 * MB


def files_under(root: Path) -> list[Path]:
    """Every file in the store, temp files included."""
    return sorted(p for p in root.rglob("*") if p.is_file())


async def chunks_of(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


async def offer(
    store: FileStore, name: str | None, data: bytes, *, declared: int | None = -1, **more: str
) -> FileUpload | Rejected:
    size = len(data) if declared == -1 else declared
    return await accept(Offered(name, size, **more), chunks_of(data), store, LIMIT)


# -- names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Kế hoạch số 12.pdf", "Kế hoạch số 12.pdf"),
        ("C:\\Users\\Lan\\Ảnh\\ảnh hội nghị.png", "ảnh hội nghị.png"),  # a browser's full path
        ("/home/lan/../../etc/passwd", "passwd"),
        ("bao\x00cao.pdf", "bao cao.pdf"),
        ("bien ban\nhop\r\n.docx", "bien ban hop .docx"),
        ("anh\u202egpj.exe", "anhgpj.exe"),  # the override that shows it as "anhexe.jpg"
        ("zero\u200bwidth.pdf", "zerowidth.pdf"),
        ("Ke\u0302\u0301 hoa\u0323ch.pdf", "Kế hoạch.pdf"),  # decomposed (macOS) -> NFC
        ("  ..bao cao..  ", "bao cao"),
        ("Số 12. Biên bản", "Số 12. Biên bản"),
        ("", "tep"),
        (None, "tep"),
        ("\x00\n\u202e", "tep"),
        ("C:\\", "tep"),
        ("..", "tep"),
        ("Bi%C3%AAn%20b%E1%BA%A3n%20h%E1%BB%99i%20ngh%E1%BB%8B.pdf", "Biên bản hội nghị.pdf"),
        ("a%2Fb%2F..%2Fk%E1%BA%BF.pdf", "kế.pdf"),  # an encoded path is a path too
        ("Tăng 5%AB.pdf", "Tăng 5%AB.pdf"),  # not UTF-8 once decoded: as it came
        ("100% kế hoạch.pdf", "100% kế hoạch.pdf"),
    ],
)
def test_clean_name(raw: str | None, clean: str) -> None:
    assert clean_name(raw, "tep") == clean


def test_clean_name_fallback_is_cleaned_too() -> None:
    assert clean_name("", "anh-zalo-123.jpg") == "anh-zalo-123.jpg"
    assert clean_name(None, "a/b\x00c.pdf") == "b c.pdf"
    assert clean_name(None, "") == "tep"


def test_long_names_are_cut_in_bytes_keeping_the_extension() -> None:
    ascii_name = clean_name("x" * 300 + ".pdf")
    assert len(ascii_name.encode()) == MAX_NAME_BYTES and ascii_name.endswith("xxx.pdf")
    viet = clean_name("ố" * 100 + ".docx")  # 3 bytes each: 305 bytes
    assert viet == "ố" * 83 + ".docx"  # 249 + 5 bytes: a 4th byte would split the next one
    mixed = clean_name("a" + "ệ" * 120 + ".xlsx")  # the cut falls inside a character
    assert len(mixed.encode()) <= MAX_NAME_BYTES and mixed.endswith("ệ.xlsx")
    no_ext = clean_name("Báo cáo " * 60)
    assert len(no_ext.encode()) <= MAX_NAME_BYTES and no_ext.startswith("Báo cáo")


@FUZZ
@given(st.text(max_size=400), st.sampled_from(["tep", "", "anh.jpg"]))
def test_clean_name_on_any_text(raw: str, fallback: str) -> None:
    name = clean_name(raw, fallback)
    assert name == unicodedata.normalize("NFC", name)
    assert 0 < len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert "/" not in name and "\\" not in name
    assert name == name.strip()
    unsafe = {"Cc", "Cf", "Cs", "Cn", "Zl", "Zp"}
    assert not [c for c in name if unicodedata.category(c) in unsafe]


@pytest.mark.parametrize(
    ("name", "kind", "shown"),
    [
        ("bao-cao.docx", PDF, "bao-cao.pdf"),  # claims another accepted type: replaced
        ("bao-cao.PDF", PDF, "bao-cao.PDF"),
        ("anh.jpeg", JPEG, "anh.jpeg"),
        ("anh.png", JPEG, "anh.jpg"),
        ("scan", PNG, "scan.png"),  # none: the content's is added
        ("Biên bản 12.2023", PDF, "Biên bản 12.2023.pdf"),
        ("x" * 253 + ".doc", DOCX, "x" * 250 + ".docx"),  # still within 255 bytes
    ],
)
def test_named_for(name: str, kind: FileType, shown: str) -> None:
    assert named_for(name, kind) == shown


# -- before downloading ----------------------------------------------------------------------------


def test_refuse_early() -> None:
    big = refuse_early(Offered("ban-do.pdf", LIMIT + 1), LIMIT)
    assert big == too_big("ban-do.pdf", LIMIT + 1, LIMIT) and big.too_big
    exe = refuse_early(Offered("C:\\tai-ve\\setup.exe", 1000), LIMIT)
    assert exe == Rejected(msg("file_bad_type", name="setup.exe"))
    assert refuse_early(Offered("trong.pdf", 0), LIMIT) == Rejected(
        msg("file_empty", name="trong.pdf")
    )
    for fine in ("bao-cao.pdf", "Biên bản 12.2023", "khong-duoi", None):
        assert refuse_early(Offered(fine, 1000), LIMIT) is None
    assert refuse_early(Offered("anh.jpg", None), LIMIT) is None  # size unknown: read it


# -- accepted --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(SAMPLES), ids=lambda t: t.extension)
async def test_each_type_is_accepted_and_stored(filestore: FileStore, kind: FileType) -> None:
    data = SAMPLES[kind]
    name = f"Tài liệu {kind.label}{kind.extension}"
    upload = await offer(filestore, name, data, caption="Hội nghị", item_id="II.1")
    assert upload == FileUpload(
        storage_key=upload.storage_key,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        original_name=name,
        mime_type=kind.mime,
        kind="photo" if kind in (JPEG, PNG) else "document",
        caption="Hội nghị",
        item_id="II.1",
    )
    assert await filestore.read_bytes(upload.storage_key) == data
    assert files_under(filestore.root) == [filestore.path(upload.storage_key)]  # no temp file


async def test_the_content_names_the_type(filestore: FileStore) -> None:
    as_docx = await offer(filestore, "bao-cao.docx", SAMPLES[PDF])
    assert isinstance(as_docx, FileUpload)
    assert (as_docx.original_name, as_docx.mime_type) == ("bao-cao.pdf", PDF.mime)
    bare = await offer(filestore, "so-lieu", SAMPLES[XLS], declared=None)
    assert isinstance(bare, FileUpload)
    assert (bare.original_name, bare.kind) == ("so-lieu.xls", "document")
    unnamed = await accept(
        Offered(None, None, fallback_name="anh.jpg"), chunks_of(SAMPLES[PNG]), filestore, LIMIT
    )
    assert isinstance(unnamed, FileUpload) and unnamed.original_name == "anh.png"
    assert not unnamed.named and as_docx.named  # named after its item and day when attached
    long = await offer(filestore, "C:\\x\\" + "ệ" * 200 + "\x00.docx", SAMPLES[DOCX])
    assert isinstance(long, FileUpload)
    assert len(long.original_name.encode()) <= 255 and long.original_name.endswith("ệ.docx")


# -- refused: nothing kept -------------------------------------------------------------------------


def refusals() -> list[tuple[str, str, bytes, str]]:
    whole = pdf_bytes(pages=2)
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(3000)
    bomb = with_declared_size(docx_bytes(), "word/document.xml", 0xFFFFFFF0)
    return [
        ("zip-named-docx", "bao-cao.docx", zip_bytes({"a.txt": b"xin chao"}), "file_bad_type"),
        ("ole-named-doc", "bien-ban.doc", ole_not_word_nor_excel(), "file_bad_type"),
        ("truncated-pdf", "ke-hoach.pdf", whole[: len(whole) - 40], "file_damaged"),
        ("pdf-without-pages", "ke-hoach.pdf", pdf_bytes(pages=0), "file_damaged"),
        ("exe-named-pdf", "ke-hoach.pdf", exe, "file_bad_type"),
        ("docm", "bien-ban.docx", docm_bytes(), "file_has_macros"),
        ("zip-bomb", "bien-ban.docx", bomb, "file_unsafe_archive"),
        ("pixel-bomb-png", "anh.png", png_of_size(20000, 20000), "file_too_many_pixels"),
        ("huge-jpeg", "anh.jpg", jpeg_claiming(65000, 65000), "file_too_many_pixels"),
        ("half-a-jpeg", "anh.jpg", image_bytes("JPEG", (300, 200))[:400], "file_damaged"),
    ]


@pytest.mark.parametrize(("case", "name", "data", "macro"), refusals(), ids=lambda v: str(v)[:20])
async def test_refused_files_leave_nothing(
    filestore: FileStore, case: str, name: str, data: bytes, macro: str
) -> None:
    rejected = await offer(filestore, name, data)
    extra = {"megapixels": 64} if macro == "file_too_many_pixels" else {}
    assert rejected == Rejected(msg(macro, name=name, **extra)), case
    assert files_under(filestore.root) == []


async def test_over_the_cap_while_streaming(filestore: FileStore) -> None:
    data = SAMPLES[PDF] + bytes(2 * MB)
    for declared in (None, 1000):  # unknown, or a lie
        rejected = await accept(Offered("lon.pdf", declared), chunks_of(data), filestore, MB)
        assert rejected == too_big("lon.pdf", MB + 1, MB)
    assert files_under(filestore.root) == []


async def test_empty_stream(filestore: FileStore) -> None:
    rejected = await offer(filestore, "trong.pdf", b"", declared=None)
    assert rejected == Rejected(msg("file_empty", name="trong.pdf"))
    assert files_under(filestore.root) == []


async def test_a_failing_download_keeps_nothing(filestore: FileStore) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield SAMPLES[PDF][:100]
        raise ConnectionError("download interrupted")

    with pytest.raises(ConnectionError):
        await accept(Offered("a.pdf", None), broken(), filestore, LIMIT)
    assert files_under(filestore.root) == []


@FUZZ
@given(st.sampled_from(MAGICS), st.binary(max_size=2000))
def test_random_bytes_are_never_accepted(filestore: FileStore, magic: bytes, body: bytes) -> None:
    rejected = asyncio.run(offer(filestore, "tep.pdf", magic + body))
    assert isinstance(rejected, Rejected) and not rejected.too_big
    assert files_under(filestore.root) == []


# -- console: a local path -------------------------------------------------------------------------


async def test_accept_path(filestore: FileStore, tmp_path: Path) -> None:
    doc = tmp_path / "biên bản.doc"
    doc.write_bytes(SAMPLES[DOC])
    upload = await accept_path(doc, filestore, LIMIT, caption="Họp dân")
    assert isinstance(upload, FileUpload)
    assert (upload.original_name, upload.mime_type, upload.caption) == (
        "biên bản.doc",
        DOC.mime,
        "Họp dân",
    )
    empty = tmp_path / "trong.pdf"
    empty.write_bytes(b"")
    assert await accept_path(empty, filestore, LIMIT) == Rejected(
        msg("file_empty", name="trong.pdf")
    )
    missing = tmp_path / "khong-co.pdf"
    assert await accept_path(missing, filestore, LIMIT) == Rejected(
        msg("file_missing", path=str(missing))
    )
    assert await accept_path(tmp_path, filestore, LIMIT) == Rejected(
        msg("file_is_dir", path=str(tmp_path))
    )
    big = tmp_path / "lon.xlsx"
    big.write_bytes(SAMPLES[XLSX])
    assert await accept_path(big, filestore, 100) == too_big("lon.xlsx", len(SAMPLES[XLSX]), 100)
    broken = tmp_path / "hong.docx"
    broken.write_bytes(SAMPLES[DOCX][:1000])
    assert await accept_path(broken, filestore, LIMIT) == Rejected(
        msg("file_damaged", name="hong.docx")
    )
    assert files_under(filestore.root) == [filestore.path(upload.storage_key)]


# -- and into the report ---------------------------------------------------------------------------


def test_the_report_pictures_every_accepted_size() -> None:
    assert MAX_PICTURE_PIXELS == filetypes.MAX_PIXELS


def test_an_accepted_photo_goes_into_the_report_small_and_upright(tmp_path: Path) -> None:
    photo = Image.new("RGB", (4000, 3000), (20, 120, 60))
    exif = photo.getexif()
    exif[0x0112] = 6  # taken with the phone turned: shown 3000 wide, 4000 tall
    path = tmp_path / "anh.jpg"
    photo.save(path, quality=90, exif=exif)
    assert filetypes.inspect(path) is JPEG
    doc = Document()
    cell = doc.add_table(rows=1, cols=1).cell(0, 0)
    picture(cell, path, width=Cm(3.5), tall_height=Cm(4.5))
    (part,) = [r.target_part for r in doc.part.rels.values() if "image" in r.reltype]
    embedded = Image.open(io.BytesIO(part.blob))
    assert embedded.size == (PICTURE_MAX_SIDE * 3 // 4, PICTURE_MAX_SIDE)
    assert len(part.blob) < path.stat().st_size
