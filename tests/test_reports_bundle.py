"""The evidence bundle: a ZIP of a unit's reports and evidence files, written as a stream and
read back here entry by entry."""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import tracemalloc
import unicodedata
import zipfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path, PurePosixPath

import pytest
from openpyxl import load_workbook

from reports.bundle import (
    INDEX_HEADERS,
    INDEX_NAME,
    MAX_NAME_BYTES,
    MISSING_NOTE,
    BundleEntry,
    UnitPart,
    plan,
    safe_name,
    total_size,
    write_bundle,
)
from reports.data import EvidenceRow, ReportData
from rubric.loader import load_rubric
from rubric.model import Rubric
from tests.evidence_samples import FIXTURES, docx, jpeg, pdf, png

AT = datetime(2022, 11, 10, 2, 5, 30, tzinfo=UTC)  # 09:05:30 in Việt Nam
VN = timezone(timedelta(hours=7))
FORBIDDEN = set('/\\:*?"<>|')
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MIMES = {
    ".pdf": ("document", "application/pdf"),
    ".jpg": ("photo", "image/jpeg"),
    ".png": ("photo", "image/png"),
    ".docx": ("document", DOCX_MIME),
    ".doc": ("document", "application/msword"),
}
REPORT_DOCX = "Báo cáo tự đánh giá công tác dân vận chính quyền năm 2022.docx"
REPORT_PDF = "Báo cáo tự đánh giá công tác dân vận chính quyền năm 2022.pdf"


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return load_rubric("hung-yen-2022")


def stored(folder: Path, name: str, content: bytes) -> Path:
    """A file as the store keeps it (its own name on disk, not the original one)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    return path


def row(
    item_id: str,
    original_name: str,
    path: Path,
    *,
    at: datetime = AT,
    caption: str | None = None,
    ext: str | None = None,
) -> EvidenceRow:
    kind, mime = MIMES[ext or PurePosixPath(original_name).suffix.lower()]
    data = path.read_bytes() if path.exists() else b""
    return EvidenceRow(
        item_id=item_id,
        original_name=original_name,
        kind=kind,
        mime_type=mime,
        size=len(data) if data else 1234,
        sha256=hashlib.sha256(data).hexdigest() if data else "0" * 64,
        uploaded_at=at,
        caption=caption,
        path=path,
    )


def report_data(unit: str, evidence: dict[str, list[EvidenceRow]]) -> ReportData:
    return ReportData(
        unit_name=unit,
        year=2022,
        authority="UBND huyện Văn Giang",
        place="Văn Giang",
        status="submitted",
        evidence=evidence,
    )


def reports(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / REPORT_DOCX, folder / REPORT_PDF]
    paths[0].write_bytes(docx("Báo cáo tự đánh giá"))
    paths[1].write_bytes(pdf("Báo cáo tự đánh giá"))
    return paths


def unit_part(tmp_path: Path, unit: str = "UBND xã Cửu Cao", folder: str = "") -> UnitPart:
    """A unit with evidence in criteria I, IV and VIII, a duplicate name, a file attached to
    two items, a DOC, and an item the rubric does not know."""
    files = tmp_path / "store" / unit
    plan_pdf = stored(files, "ke-hoach", pdf(f"Kế hoạch {unit}"))
    photo = stored(files, "anh", jpeg(1))
    photo2 = stored(files, "anh2", jpeg(2))
    chart = stored(files, "png", png(3))
    minutes = stored(files, "docx", docx(f"Biên bản {unit}"))
    doc = stored(files, "doc", (FIXTURES / "bien-ban.doc").read_bytes())
    evidence = {
        "I.1": [row("I.1", "Quyết định 12.png", chart, caption="Quyết định ban hành")],
        "IV.1": [
            row("IV.1", "Kế hoạch dân vận 2022.pdf", plan_pdf),
            row("IV.1", "Ảnh hội nghị.jpg", photo, caption="Hội nghị đối thoại"),
            row("IV.1", "Ảnh hội nghị.jpg", photo2),
        ],
        "IV.2": [
            row("IV.2", "Kế hoạch dân vận 2022.pdf", plan_pdf),
            row("IV.2", "Biên bản.docx", minutes),
        ],
        "VIII.1": [row("VIII.1", "Biên bản họp dân.doc", doc)],
        "X.9": [row("X.9", "Cũ.pdf", plan_pdf)],
    }
    return UnitPart(folder, reports(tmp_path / "reports" / unit), report_data(unit, evidence))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_index(zf: zipfile.ZipFile, name: str = INDEX_NAME) -> list[list[str]]:
    """The index workbook's rows, every value as the text a CSV would have held."""
    ws = load_workbook(io.BytesIO(zf.read(name))).active
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    return [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]


# -- one unit ------------------------------------------------------------------------------------


def test_a_unit_bundle_holds_its_reports_and_every_evidence_file(
    tmp_path: Path, rubric: Rubric
) -> None:
    part = unit_part(tmp_path)
    out = write_bundle(rubric, [part], tmp_path / "ho-so.zip")
    assert out == tmp_path / "ho-so.zip"

    iv = "Tiêu chí 4 - Quán triệt, triển khai, thực hiện Quyết định…"
    expected = {
        REPORT_DOCX,
        REPORT_PDF,
        INDEX_NAME,
        "Tiêu chí 1 - Tổ chức triển khai thực hiện và thể chế hóa…/I.1 - Quyết định 12.png",
        f"{iv}/IV.1 - Kế hoạch dân vận 2022.pdf",
        f"{iv}/IV.1 - Ảnh hội nghị.jpg",
        f"{iv}/IV.1 - Ảnh hội nghị (2).jpg",
        f"{iv}/IV.2 - Kế hoạch dân vận 2022.pdf",  # the same stored file, under both items
        f"{iv}/IV.2 - Biên bản.docx",
        "Tiêu chí 8 - Thực hiện dân chủ theo Nghị định số…/VIII.1 - Biên bản họp dân.doc",
        "Khác/X.9 - Cũ.pdf",
    }
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None
        assert set(zf.namelist()) == expected
        assert len(zf.namelist()) == len(expected)
        folders = {n.split("/")[0] for n in zf.namelist() if "/" in n}
        assert all(len(f) <= 60 for f in folders)
        # every file is its source, byte for byte
        sources = {e.name: e.source for e in plan(rubric, [part])}
        for name, source in sources.items():
            assert source is not None
            assert sha(zf.read(name)) == sha(source.read_bytes()), name
        for rows in part.data.evidence.values():
            for r in rows:
                assert r.path is not None
                assert sha(r.path.read_bytes()) == r.sha256
        # compressed or not by type: deflating a JPEG or a PDF again gains nothing
        methods = {PurePosixPath(i.filename).suffix: i.compress_type for i in zf.infolist()}
        assert methods == {
            ".pdf": zipfile.ZIP_STORED,
            ".jpg": zipfile.ZIP_STORED,
            ".png": zipfile.ZIP_STORED,
            ".docx": zipfile.ZIP_STORED,
            ".doc": zipfile.ZIP_DEFLATED,
            ".xlsx": zipfile.ZIP_STORED,  # the index: a workbook, already compressed
        }
        # an evidence file is dated when it was received, in Việt Nam time; a report: now
        assert zf.getinfo(f"{iv}/IV.2 - Biên bản.docx").date_time == (2022, 11, 10, 9, 5, 30)
        written = datetime(*zf.getinfo(REPORT_DOCX).date_time)
        now = datetime.now(UTC).astimezone(VN).replace(tzinfo=None)
        assert abs(written - now) < timedelta(minutes=5)
        # the extracted tree is the same on disk
        zf.extractall(tmp_path / "unpacked")
    photo = tmp_path / "unpacked" / iv / "IV.1 - Ảnh hội nghị (2).jpg"
    assert photo.read_bytes() == jpeg(2)


def test_the_index_lists_every_evidence_file(tmp_path: Path, rubric: Rubric) -> None:
    part = unit_part(tmp_path)
    out = write_bundle(rubric, [part], tmp_path / "ho-so.zip")
    with zipfile.ZipFile(out) as zf:
        table = read_index(zf)
        names = set(zf.namelist())
    assert tuple(table[0]) == INDEX_HEADERS
    rows = [dict(zip(INDEX_HEADERS, r, strict=True)) for r in table[1:]]
    assert [r["STT"] for r in rows] == [str(n) for n in range(1, 9)]
    assert [(r["Tiêu chí"], r["Mục"]) for r in rows] == [
        ("I", "I.1"),
        ("IV", "IV.1"),
        ("IV", "IV.1"),
        ("IV", "IV.1"),
        ("IV", "IV.2"),
        ("IV", "IV.2"),
        ("VIII", "VIII.1"),
        ("Khác", "X.9"),
    ]
    assert {r["Tên tệp trong hồ sơ"] for r in rows} == names - {REPORT_DOCX, REPORT_PDF, INDEX_NAME}
    evidence = [e for rows_ in part.data.evidence.values() for e in rows_]
    assert rows[0] == {
        "STT": "1",
        "Tiêu chí": "I",
        "Mục": "I.1",
        "Tên tệp trong hồ sơ": (
            "Tiêu chí 1 - Tổ chức triển khai thực hiện và thể chế hóa…/I.1 - Quyết định 12.png"
        ),
        "Tên gốc": "Quyết định 12.png",
        "Loại": "Ảnh",
        "Dung lượng": str(evidence[0].size),
        "Thời gian nhận": "10/11/2022 09:05",
        "SHA-256": evidence[0].sha256,
        "Ghi chú": "Quyết định ban hành",
    }
    assert rows[2]["Ghi chú"] == "Hội nghị đối thoại"
    assert [r["Loại"] for r in rows[4:7]] == ["Tài liệu"] * 3
    assert [int(r["Dung lượng"]) for r in rows] == [e.size for e in evidence]
    assert [r["SHA-256"] for r in rows] == [e.sha256 for e in evidence]


# -- names ---------------------------------------------------------------------------------------


def assert_safe(name: str) -> None:
    """Every component of ``name`` unzips on Windows and Linux."""
    for part in name.split("/"):
        assert part and part not in (".", "..")
        assert not FORBIDDEN & set(part), part
        assert all(unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp") for c in part), part
        assert part == unicodedata.normalize("NFC", part)
        assert part == part.strip() and not part.endswith("."), part
        assert len(part.encode()) <= MAX_NAME_BYTES


def test_hostile_and_long_names_are_made_safe(tmp_path: Path, rubric: Rubric) -> None:
    files = tmp_path / "store"
    content = pdf("Tệp")
    source = stored(files, "x", content)
    long_name = "Biên bản hội nghị đối thoại với Nhân dân " * 8 + "cuối.pdf"
    assert len(long_name.encode()) > 255
    hostile = {
        "a/b\\c:d?.pdf": "IV.1 - a-b-c-d-.pdf",
        'Kế "hoạch" <mới>|*.pdf': "IV.1 - Kế -hoạch- -mới---.pdf",
        "Biên bản\nhọp\tdân\r\n.pdf": "IV.1 - Biên bản họp dân.pdf",
        "tài\u202eliệu\u200b.pdf": "IV.1 - tàiliệu.pdf",  # bidi override, zero-width space
        unicodedata.normalize("NFD", "Quyết định.pdf"): "IV.1 - Quyết định.pdf",
        "báo cáo. .pdf": "IV.1 - báo cáo.pdf",
    }
    rows = [row("IV.1", name, source) for name in [*hostile, long_name]]
    rows.append(row("IV.1", "A.PDF", source, ext=".pdf"))
    rows.append(row("IV.1", "a.pdf", source))  # Windows: the same file as "A.PDF"
    part = UnitPart("", [], report_data("UBND xã Cửu Cao", {"IV.1": rows}))
    with zipfile.ZipFile(write_bundle(rubric, [part], tmp_path / "b.zip")) as zf:
        names = [n for n in zf.namelist() if n != INDEX_NAME]
        for name in names:
            assert_safe(name)
            assert zf.read(name) == content
    files_ = [n.split("/")[-1] for n in names]
    assert files_[: len(hostile)] == list(hostile.values())
    cut = files_[len(hostile)]
    assert cut.startswith("IV.1 - Biên bản hội nghị đối thoại với Nhân dân")
    assert cut.endswith("….pdf") and len(cut) <= 100
    assert files_[-2:] == ["IV.1 - A.PDF", "IV.1 - a (2).pdf"]


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("CON.pdf", "CON-.pdf"),
        ("nul", "nul-"),
        ("com1.tar.gz", "com1-.tar.gz"),
        ("..", "tệp"),
        ("  . ẩn.pdf", "ẩn.pdf"),
        ("Số 12. Biên bản", "Số 12. Biên bản"),  # no extension: nothing kept apart
        ("x" * 300 + ".docx", "x" * 94 + "….docx"),
        ("ệ" * 200 + ".pdf", "ệ" * 82 + "….pdf"),  # 255 bytes bound before 100 characters
    ],
)
def test_safe_name(raw: str, safe: str) -> None:
    assert safe_name(raw) == safe
    assert_safe(safe_name(raw))


def test_a_cut_name_keeps_its_duplicate_number_and_extension(
    tmp_path: Path, rubric: Rubric
) -> None:
    source = stored(tmp_path / "store", "x", jpeg(0))
    name = "Ảnh " + "rất " * 60 + "dài.jpg"
    part = UnitPart("", [], report_data("UBND xã Cửu Cao", {"V.1": [row("V.1", name, source)] * 3}))
    names = [e.name.split("/")[-1] for e in plan(rubric, [part])]
    assert len(set(names)) == 3
    assert names[1].endswith("… (2).jpg") and names[2].endswith("… (3).jpg")
    assert all(n.startswith("V.1 - Ảnh rất") and len(n) <= 100 for n in names)


def test_a_report_named_like_the_index_does_not_replace_it(tmp_path: Path, rubric: Rubric) -> None:
    report = tmp_path / "danh mục hồ sơ.xlsx"
    report.write_text("báo cáo", encoding="utf-8")
    part = UnitPart("", [report], report_data("UBND xã Cửu Cao", {}))
    with zipfile.ZipFile(write_bundle(rubric, [part], tmp_path / "b.zip")) as zf:
        assert zf.namelist() == ["danh mục hồ sơ (2).xlsx", INDEX_NAME]
        assert read_index(zf) == [list(INDEX_HEADERS)]  # no evidence: the headers alone


# -- several units, missing files, large files ----------------------------------------------------


def test_a_district_bundle_has_one_folder_per_unit(tmp_path: Path, rubric: Rubric) -> None:
    units = ["UBND xã Cửu Cao", "UBND xã Long Hưng", "UBND thị trấn Văn Giang"]
    parts = [unit_part(tmp_path, unit, folder=unit) for unit in units]
    with zipfile.ZipFile(write_bundle(rubric, parts, tmp_path / "huyen.zip")) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        assert {n.split("/")[0] for n in names} == set(units)
        for unit, part in zip(units, parts, strict=True):
            assert f"{unit}/{REPORT_DOCX}" in names
            table = read_index(zf, f"{unit}/{INDEX_NAME}")
            assert len(table) == 1 + sum(len(r) for r in part.data.evidence.values())
            for line in table[1:]:  # paths inside the unit's folder
                assert sha(zf.read(f"{unit}/{line[3]}")) == line[8]
        assert len(names) == 3 * 11


def test_units_without_a_folder_or_with_the_same_name_get_their_own(
    tmp_path: Path, rubric: Rubric
) -> None:
    parts = [
        unit_part(tmp_path / "a", "UBND xã Cửu Cao", folder="UBND xã Cửu Cao"),
        unit_part(tmp_path / "b", "UBND xã Cửu Cao", folder="UBND xã Cửu Cao"),
        unit_part(tmp_path / "c", "Trường THCS: Văn Giang?", folder=""),
    ]
    top = {e.name.split("/")[0] for e in plan(rubric, parts)}
    assert top == {"UBND xã Cửu Cao", "UBND xã Cửu Cao (2)", "Trường THCS- Văn Giang-"}


def test_a_missing_file_is_listed_not_zipped(tmp_path: Path, rubric: Rubric) -> None:
    files = tmp_path / "store"
    kept = stored(files, "kept", pdf("Còn"))
    gone = stored(files, "gone", pdf("Mất"))
    gone_row = row("II.1", "Mất.pdf", gone, caption="Biên bản")
    gone.unlink()
    never = replace(row("II.2", "Chưa lưu.pdf", files / "chua-luu"), path=None)
    evidence = {"II.1": [gone_row, row("II.1", "Còn.pdf", kept)], "II.2": [never]}
    missing_report = tmp_path / "khong-co.docx"
    part = UnitPart("", [missing_report], report_data("UBND xã Cửu Cao", evidence))
    with zipfile.ZipFile(write_bundle(rubric, [part], tmp_path / "b.zip")) as zf:
        assert zf.testzip() is None
        folder = "Tiêu chí 2 - Mức độ hoàn thành nhiệm vụ chính trị"
        assert zf.namelist() == [f"{folder}/II.1 - Còn.pdf", INDEX_NAME]
        table = read_index(zf)
    assert [(r[4], r[3], r[9]) for r in table[1:]] == [
        ("Mất.pdf", "", f"{MISSING_NOTE}. Biên bản"),
        ("Còn.pdf", f"{folder}/II.1 - Còn.pdf", ""),
        ("Chưa lưu.pdf", "", MISSING_NOTE),
    ]
    assert table[1][6] == str(gone_row.size)


def test_a_large_file_is_copied_in_chunks(tmp_path: Path, rubric: Rubric) -> None:
    big = tmp_path / "store" / "big"
    big.parent.mkdir()
    digest = hashlib.sha256()
    with big.open("wb") as fh:
        for _ in range(30):
            chunk = os.urandom(1024 * 1024)
            digest.update(chunk)
            fh.write(chunk)
    evidence = {
        "III.1": [row("III.1", "Hồ sơ lớn.pdf", big)],
        "III.2": [row("III.2", "Biên bản.doc", stored(tmp_path / "store", "d", b"\0" * 10**6))],
    }
    part = UnitPart("", [], report_data("UBND xã Cửu Cao", evidence))
    assert total_size([part]) == 30 * 1024 * 1024 + 10**6
    tracemalloc.start()
    try:
        write_bundle(rubric, [part], tmp_path / "b.zip")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        name = "Tiêu chí 3 - Kết quả thực hiện công tác cải cách hành chính/III.1 - Hồ sơ lớn.pdf"
        info = zf.getinfo(name)
        assert info.file_size == 30 * 1024 * 1024
        assert info.compress_type == zipfile.ZIP_STORED
        h = hashlib.sha256()
        with zf.open(name) as fh:
            while chunk := fh.read(1024 * 1024):
                h.update(chunk)
        assert h.hexdigest() == digest.hexdigest()
        doc = zf.getinfo(name.replace("III.1 - Hồ sơ lớn.pdf", "III.2 - Biên bản.doc"))
        assert doc.compress_type == zipfile.ZIP_DEFLATED and doc.compress_size < 10**5


# -- the plan, its size, and what a worker process receives --------------------------------------


def test_the_plan_and_the_total_size(tmp_path: Path, rubric: Rubric) -> None:
    part = unit_part(tmp_path)
    entries = plan(rubric, [part])
    assert all(isinstance(e, BundleEntry) for e in entries)
    assert [e.name for e in entries[:2]] == [REPORT_DOCX, REPORT_PDF]
    assert entries[0].sha256 is None and entries[0].modified is None
    assert entries[2].sha256 == part.data.evidence["I.1"][0].sha256
    assert entries[2].modified == AT
    assert total_size([part]) == sum(e.size for e in entries)
    assert total_size([part, part]) == 2 * total_size([part])
    assert sum(e.size for e in entries[2:]) == sum(
        r.size for rows in part.data.evidence.values() for r in rows
    )


def test_the_arguments_pickle_for_a_worker_process(tmp_path: Path, rubric: Rubric) -> None:
    args = (write_bundle, rubric, [unit_part(tmp_path)], tmp_path / "b.zip")
    fn, *rest = pickle.loads(pickle.dumps(args))
    assert rest == list(args[1:])
    fn(*rest)
    assert zipfile.is_zipfile(tmp_path / "b.zip")


def test_a_file_that_may_be_large_gets_zip64_headers(
    tmp_path: Path, rubric: Rubric, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("reports.bundle.LARGE_FILE", 1000)  # instead of writing 1 GB
    source = stored(tmp_path / "store", "big", pdf("Lớn", attached=5000))
    part = UnitPart(
        "", [], report_data("UBND xã Cửu Cao", {"VI.1": [row("VI.1", "Lớn.pdf", source)]})
    )
    out = write_bundle(rubric, [part], tmp_path / "b.zip")
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None
        name = next(n for n in zf.namelist() if n.endswith("VI.1 - Lớn.pdf"))
        assert zf.read(name) == source.read_bytes()
    with out.open("rb") as fh:  # the local header of the first entry carries a ZIP64 field
        head = fh.read(30 + 400)
    name_len, extra_len = (
        int.from_bytes(head[26:28], "little"),
        int.from_bytes(head[28:30], "little"),
    )
    extra = head[30 + name_len : 30 + name_len + extra_len]
    assert b"\x01\x00\x10\x00" in extra  # header id 1 (ZIP64), 16 bytes of sizes


def test_names_that_look_like_formulas_stay_text(tmp_path: Path, rubric: Rubric) -> None:
    data = tmp_path / "a.pdf"
    data.write_bytes(pdf("Công thức"))
    evidence = {"I.1": [row("I.1", "=HYPERLINK(1).pdf", data, caption="+cmd")]}
    part = UnitPart("", [], report_data("UBND xã Cửu Cao", evidence))
    with zipfile.ZipFile(write_bundle(rubric, [part], tmp_path / "b.zip")) as zf:
        ws = load_workbook(io.BytesIO(zf.read(INDEX_NAME))).active
    name, note = ws.cell(2, 5), ws.cell(2, 10)
    assert (name.value, name.data_type) == ("=HYPERLINK(1).pdf", "s")
    assert (note.value, note.data_type) == ("+cmd", "s")
