"""Every button label of the chat, in one place (the texts are in templates/chat.j2). Short:
a phone shows two or three buttons in a row."""

from __future__ import annotations

# moving about
BACK = "◀ Quay lại"
BACK_SHORT = "◀"
SKIP = "Bỏ qua ▶"
KEEP = "Giữ nguyên ▶"
CONTINUE = "▶ Tiếp tục"
CONTINUE_ANSWERING = "▶ Tiếp tục trả lời"
MENU = "☰ Menu"
PREVIOUS_PAGE = "◀ Trang trước"
NEXT_PAGE = "Trang sau ▶"

# the officer's menu and submission
REVIEW = "📋 Xem lại"
SUBMIT = "📤 Nộp báo cáo"
HELP = "❓ Hướng dẫn"
BUNDLE = "📦 Tải hồ sơ"
CARRY = "📋 Dùng lại năm"  # + the year: last year's texts, narratives and files
EDIT_ONE = "✏️ Sửa một mục"
CONFIRM_SUBMIT = "✅ Xác nhận nộp"
SIGNER = "✏️ Người ký"
GENERAL_NOTES = "📝 Đánh giá chung"
GUIDE = "📖 Hướng dẫn"  # the criterion's full guidance (the Đề cương)
SHORTCOMINGS = "✍️ Mặt còn hạn chế"

# answers
SUGGESTED = " (gợi ý)"  # after the rating the points suggest


def choice(n: int, points: str) -> str:
    """A tier of a tiered item: its number and its points."""
    return f"{n} · {points} điểm"


# the appraiser's desk
UNIT_MENU = "☰ Đơn vị"
BACK_TO_LIST = "◀ Danh sách"
CANCEL = "◀ Huỷ"
REPORT = "📄 Báo cáo"
FILES = "📎 Tệp minh chứng"
BUNDLE_ZIP = "📦 Hồ sơ (ZIP)"
APPRAISE = "✍️ Thẩm định"
RETURN = "↩️ Trả lại"
CONFIRM_RESULT = "✅ Xác nhận kết quả"
ALL_UNITS = "Tất cả"
NOT_SUBMITTED = "Chưa nộp"
SUBMITTED = "Đã nộp"
APPRAISED = "Đã thẩm định"


def same_as_unit(score: str) -> str:
    """The appraiser keeps the unit's own score."""
    return f"= Như đơn vị ({score})"
