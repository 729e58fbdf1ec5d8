"""Who issues and who signs, for each kind of unit of the two-level local government (since
01/07/2025: the province, its xã/phường and its sở) and of the 2022 districts."""

from __future__ import annotations

import pytest

from reports.letterhead import PLACEHOLDER_TITLE, issuer, signature, titles_for


@pytest.mark.parametrize(
    ("name", "kind", "current", "titles"),
    [
        ("UBND phường Hiến Nam", "xa", None, ("CHỦ TỊCH", "PHÓ CHỦ TỊCH")),
        ("Sở Nội vụ", "phong", None, ("GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")),
        ("Văn phòng HĐND và UBND huyện", "phong", None, ("CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG")),
        ("Thanh tra huyện", "phong", None, ("CHÁNH THANH TRA", "PHÓ CHÁNH THANH TRA")),
        ("Phòng Nội vụ", "phong", None, ("TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG")),
        ("Ban Quản lý dự án", "su_nghiep", None, ("TRƯỞNG BAN", "PHÓ TRƯỞNG BAN")),
        ("Bệnh viện Đa khoa", "su_nghiep", None, ("GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")),
        # the units file's title wins; a deputy's gives the head's first
        ("Ban Quản lý dự án", "su_nghiep", "Giám đốc", ("GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")),
        ("UBND xã Cửu Cao", "xa", "PHÓ CHỦ TỊCH", ("CHỦ TỊCH", "PHÓ CHỦ TỊCH")),
    ],
)  # fmt: skip
def test_the_titles_offered(name: str, kind: str, current: str | None, titles: tuple) -> None:
    assert titles_for(name, kind, current) == titles


@pytest.mark.parametrize(
    ("name", "parent", "title", "above", "lines", "signed"),
    [
        (  # the province's committee: its chairman signs on its behalf
            "UBND tỉnh Hưng Yên", None, "Chủ tịch",
            None, ("ỦY BAN NHÂN DÂN", "TỈNH HƯNG YÊN"), ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
        ),
        (  # a phường under the province (no huyện any more)
            "UBND phường Hiến Nam", "UBND tỉnh Hưng Yên", "Phó Chủ tịch",
            None, ("ỦY BAN NHÂN DÂN", "PHƯỜNG HIẾN NAM"),
            ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
        ),
        (  # a sở under the province's committee; its deputy director signs for the director
            "Sở Nội vụ", "UBND tỉnh Hưng Yên", "Phó Giám đốc",
            "UBND TỈNH HƯNG YÊN", ("SỞ NỘI VỤ",), ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"),
        ),
        (  # the chief of the district's office
            "Văn phòng HĐND và UBND huyện", "UBND huyện Văn Giang", "Chánh Văn phòng",
            "UBND HUYỆN VĂN GIANG", ("VĂN PHÒNG HĐND VÀ UBND HUYỆN",), ("CHÁNH VĂN PHÒNG",),
        ),
    ],
)  # fmt: skip
def test_header_and_signature(
    name: str, parent: str | None, title: str, above: str | None, lines: tuple, signed: tuple
) -> None:
    head = issuer(name, parent, governed=not name.startswith("UBND"))
    assert (head.above, head.lines) == (above, lines)
    assert signature(title, name) == signed


def test_no_title_keeps_the_template_s_placeholder() -> None:
    assert signature(None, "UBND xã Cửu Cao") == (PLACEHOLDER_TITLE,)
    assert signature("  ", "Phòng Nội vụ") == (PLACEHOLDER_TITLE,)
