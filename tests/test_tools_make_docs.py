"""make docs: which pages become pictures, and the README shows exactly the pictures made."""

from __future__ import annotations

import re
from pathlib import Path

from tools.make_docs import BEGIN, DOCS, END, README, ROOT, pick
from tools.pdf_pages import Page

A4 = (298, 421)  # pixels at 36 dpi, portrait


def page(n: int, text: str, *, landscape: bool = False, numbered: bool = True) -> Page:
    width, height = A4[::-1] if landscape else A4
    first = f"{n}\n" if numbered else ""
    return Page(n, first + text, width, height, lowest_ink=height // 2)


def test_first_page_signature_page_and_each_attachment() -> None:
    pages = [
        page(1, "ỦY BAN NHÂN DÂN", numbered=False),
        page(2, "Tiêu chí số 4"),
        page(3, "Nơi nhận:\n- Như trên;"),
        page(4, "BẢNG CHẤM ĐIỂM", landscape=True, numbered=False),
        page(5, "…", landscape=True),
        page(6, "DANH MỤC TÀI LIỆU", landscape=True, numbered=False),
    ]
    assert [(n, suffix) for n, suffix, _ in pick(pages)] == [
        (1, "trang-1"),
        (3, "chu-ky"),
        (4, "phu-luc-1"),
        (6, "phu-luc-2"),
    ]
    assert [n for n, _, _ in pick(pages, attachments=False)] == [1, 3]


def test_a_one_page_letter_is_pictured_once() -> None:
    pages = [
        page(1, "Kính gửi: Sở Nội vụ tỉnh Hưng Yên.\nNơi nhận:", numbered=False),
        page(2, "TỔNG HỢP", landscape=True, numbered=False),
    ]
    assert [(n, caption) for n, _, caption in pick(pages)] == [
        (1, "trang 1: nơi nhận, chữ ký"),
        (2, "phụ lục 1, trang đầu"),
    ]


def test_the_readme_shows_every_picture_in_docs() -> None:
    text = README.read_text(encoding="utf-8")
    block = text[text.index(BEGIN) : text.index(END)]
    shown = {ROOT / p for p in re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", block)}
    assert shown and shown == set(DOCS.glob("*.png")), "run: make docs"
    assert all(Path(p).stat().st_size > 10_000 for p in shown)  # pages, not blanks
