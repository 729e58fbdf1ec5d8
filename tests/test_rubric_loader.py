"""The shipped Hưng Yên 2022 rubric and the loader (lookup, cache, errors, hash)."""

from __future__ import annotations

import hashlib
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from rubric.loader import (
    DATA_DIR,
    RubricError,
    available_rubrics,
    load_rubric,
    load_rubric_file,
    rubric_sha256,
)
from rubric.model import ItemType, Rubric

FIXTURES = Path(__file__).parent / "fixtures" / "rubrics"


@pytest.fixture(scope="module")
def hy() -> Rubric:
    return load_rubric("hung-yen-2022")


def test_criteria_and_points(hy: Rubric) -> None:
    assert [c.id for c in hy.criteria] == ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"]
    assert [c.number for c in hy.criteria] == list(range(1, 9))
    assert [int(c.max_points) for c in hy.criteria] == [14, 10, 15, 23, 8, 10, 10, 10]
    assert sum(c.max_points for c in hy.criteria) == hy.total_points == 100
    assert hy.score_step == Decimal("0.5")
    for c in hy.criteria:
        assert sum(i.max_points for i in c.items) == c.max_points, c.id
        assert all(i.id.startswith(f"{c.id}.") for i in c.items)


def test_items(hy: Rubric) -> None:
    items = hy.items()
    assert len(items) == 28
    assert [len(c.items) for c in hy.criteria] == [5, 2, 8, 4, 2, 2, 3, 2]
    for item in items:
        assert item.required
        assert item.hint and item.constraint_message
    assert hy.item("I.5") is not None and hy.item("I.5").max_points == 6
    assert hy.item("IV.3").max_points == 7


def test_tiered_items(hy: Rubric) -> None:
    tiered = {i.id: [int(c.points) for c in i.choices] for i in hy.items() if i.is_tiered}
    assert tiered == {"IV.1": [7, 3, 0], "IV.4": [6, 3, 0], "V.2": [5, 2, 0], "VIII.2": [5, 3, 0]}
    item = hy.item("IV.1")
    assert item.type is ItemType.SELECT_ONE
    assert [c.id for c in item.choices] == ["IV.1.1", "IV.1.2", "IV.1.3"]
    assert [c.number for c in item.choices] == ["1.1", "1.2", "1.3"]
    assert all(not i.choices for i in hy.items() if not i.is_tiered)


def test_texts_word_for_word(hy: Rubric) -> None:
    i5 = hy.item("I.5").label
    assert i5.startswith("Cụ thể hóa các chủ trương, chỉ thị, nghị quyết")
    assert "đảm bảo tính hợp pháp và khả thi" in i5
    assert hy.item("IV.4").choice("IV.4.2").label == (
        "Cơ quan, đơn vị để xảy ra điểm nóng hoặc các vụ việc khiếu nại, tố cáo đông người, "
        "vượt cấp, kéo dài, tuy nhiên đã tiến hành chỉ đạo xử lý kịp thời, ổn thỏa, đạt yêu cầu "
        "về các mặt chính trị, kinh tế, xã hội"
    )
    # The seed's own spelling is kept.
    assert "không tổ tiếp xúc" in hy.item("IV.1").choice("IV.1.3").label
    # Cells split across pages are joined.
    assert "Quyết định số 1548-QĐ/TU" in hy.criterion("IV").label
    assert "định kỳ hàng năm tổ chức kiểm tra" in hy.item("I.2").label
    assert hy.item("VIII.2").label.endswith("không còn uy tín đối với Nhân dân")
    assert hy.criterion("VII").outline_heading.endswith("KIẾN NGHỊ CỦA CỬ TRI")
    assert "QUY CHẾ PHỐI HỢP" in hy.criterion("VII").outline_heading


def test_no_artefacts(hy: Rubric) -> None:
    texts = [hy.title, hy.document.legal_basis]
    for c in hy.criteria:
        texts += [c.label, c.outline_heading, *c.guidance]
        for i in c.items:
            texts += [i.label, i.hint or "", *(ch.label for ch in i.choices)]
    for text in texts:
        assert "<" not in text and "\n" not in text and "  " not in text, text
        assert text == text.strip()
    for c in hy.criteria:
        assert "số điểm" not in c.outline_heading and "điểm)" not in c.outline_heading
        assert not c.outline_heading.startswith(f"{c.id}.")
        for i in c.items:
            assert "trong 3 tiêu chí sau" not in i.label, i.id


def test_outline_and_guidance(hy: Rubric) -> None:
    assert hy.criterion("I").outline_heading == (
        "TỔ CHỨC TRIỂN KHAI THỰC HIỆN VÀ THỂ CHẾ HÓA CÁC VĂN BẢN CỦA CẤP TRÊN VỀ CÔNG TÁC DÂN VẬN "
        "CHÍNH QUYỀN"
    )
    assert [len(c.guidance) for c in hy.criteria] == [5, 2, 10, 10, 5, 2, 3, 5]
    assert hy.criterion("VI").guidance[1].startswith("Tàn suất tổ chức hoạt động")
    tiers = [g for g in hy.criterion("IV").guidance if g.startswith("+ ")]
    assert len(tiers) == 6


def test_document_ratings_narratives(hy: Rubric) -> None:
    doc = hy.document
    assert (doc.authority, doc.place) == ("UBND huyện Văn Giang", "Văn Giang")
    assert doc.tier_instruction == "Chấm 1 trong 3 tiêu chí sau"
    basis = doc.legal_basis.format(unit="Phòng Nội vụ")
    assert basis.startswith("Căn cứ Quyết định số 02/2020/QĐ-UBND ngày 08/01/2020")
    assert "tỉnh Hưng Yên, Phòng Nội vụ báo cáo kết quả tự đánh giá" in basis
    assert basis.endswith("năm 2022 gồm những nội dung sau:")
    assert hy.ratings.confirmed is False
    assert [(b.code, b.label, int(b.min_points)) for b in hy.ratings.bands] == [
        ("tot", "Tốt", 80),
        ("kha", "Khá", 65),
        ("trung_binh", "Trung bình", 50),
        ("yeu", "Yếu", 0),
    ]
    assert hy.band_for(Decimal(80)).label == "Tốt"
    assert hy.band_for(Decimal("79.5")).label == "Khá"
    assert hy.band_for(Decimal("49.5")).label == "Yếu"
    assert hy.band_for(Decimal(0)).code == "yeu"
    assert [(n.name, n.label) for n in hy.narratives] == [
        ("strengths", "Những nội dung đã thực hiện tốt"),
        ("shortcomings", "Những mặt còn hạn chế"),
    ]


def test_available_and_extra_dirs(tmp_path: Path) -> None:
    assert "hung-yen-2022" in available_rubrics()
    shutil.copy(FIXTURES / "mini.yaml", tmp_path / "mini.yaml")
    assert available_rubrics([tmp_path]) == sorted(["mini", *available_rubrics()])
    assert load_rubric("mini", extra_dirs=[tmp_path]).total_points == 10
    with pytest.raises(RubricError) as info:
        load_rubric("mini")
    assert "mini" in str(info.value) and "hung-yen-2022" in str(info.value)


def test_id_must_match_file_name(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "mini.yaml", tmp_path / "other.yaml")
    with pytest.raises(RubricError) as info:
        load_rubric("other", extra_dirs=[tmp_path])
    assert "mini" in info.value.problems[0].message


def test_rejects_path_like_ids() -> None:
    with pytest.raises(RubricError):
        load_rubric("../etc/passwd")


def test_invalid_file_lists_every_problem() -> None:
    with pytest.raises(RubricError) as info:
        load_rubric_file(FIXTURES / "many-errors.yaml")
    assert len(info.value.problems) >= 5
    assert "criteria[II]" in str(info.value)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: broken\ntitle: [không đóng\nyear: 2022\n", encoding="utf-8")
    with pytest.raises(RubricError) as info:
        load_rubric_file(path)
    assert info.value.problems[0].location.startswith("dòng ")


def test_cache_follows_modification(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    shutil.copy(FIXTURES / "mini.yaml", path)
    first = load_rubric_file(path)
    assert load_rubric_file(path) is first
    path.write_text(
        path.read_text(encoding="utf-8").replace("Bảng điểm thử nghiệm", "Tên mới"),
        encoding="utf-8",
    )
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert load_rubric_file(path).title == "Tên mới"


def test_sha256_of_file_bytes() -> None:
    expected = hashlib.sha256((DATA_DIR / "hung-yen-2022.yaml").read_bytes()).hexdigest()
    assert rubric_sha256("hung-yen-2022") == expected
    assert len(expected) == 64
