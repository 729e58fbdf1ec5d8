"""The conversations as state diagrams (Mermaid), generated from declared moves.

``OFFICER`` and ``APPRAISER`` list every move between states that a button, typed answer
or file can cause (a state kind to a state kind; a command's jump is a note, not a move).
Tests drive the engine, check that each move they observe is declared here and that each
declared move happens, so the diagrams in the README cannot drift from what the engine does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conversations.appraiser import scoring, units
from conversations.states import (
    CONFIRM,
    EDIT,
    EDIT_CRITERION,
    MENU,
    RATING,
    REVIEW,
    SCORE,
    SHORTCOMINGS,
    SIGNER_NAME,
    SIGNER_TITLE,
    STRENGTHS,
    SUBMITTED,
)

Move = tuple[str, str, str]  # (before, after, Vietnamese label: the buttons or input)


@dataclass(frozen=True)
class Diagram:
    """One conversation: where it starts, its moves, notes on states, where it ends."""

    start: str
    start_label: str
    moves: tuple[Move, ...]
    notes: dict[str, str] = field(default_factory=dict)
    end: str | None = None

    def allowed(self, before: str, after: str) -> bool:
        """Staying is always allowed (invalid input); any other move must be declared."""
        return before == after or any(m[0] == before and m[1] == after for m in self.moves)

    def states(self) -> set[str]:
        return {m[0] for m in self.moves} | {m[1] for m in self.moves}

    def mermaid(self) -> str:
        """The diagram as Mermaid ``stateDiagram-v2`` text."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.start}: {self.start_label}"]
        labels: dict[tuple[str, str], list[str]] = {}
        for before, after, label in self.moves:
            labels.setdefault((before, after), []).append(label)
        for (before, after), texts in labels.items():
            lines.append(f"    {before} --> {after}: {' / '.join(texts)}")
        if self.end is not None:
            lines.append(f"    {self.end} --> [*]")
        for state, note in self.notes.items():
            lines.append(f"    note right of {state}: {note}")
        return "\n".join(lines) + "\n"


QUESTIONS = (SCORE, STRENGTHS, SHORTCOMINGS)

OFFICER = Diagram(
    start=SCORE,
    start_label="/start (câu đang dở)",
    moves=(
        (SCORE, SCORE, "điểm hoặc mức · Bỏ qua · Quay lại (mục kế bên)"),
        (SCORE, STRENGTHS, "điểm · Bỏ qua (hết tiêu chí) · Quay lại"),
        (SCORE, REVIEW, "điểm (đang sửa) · hết câu hỏi"),
        (STRENGTHS, SCORE, "văn bản · Bỏ qua (tiêu chí tiếp theo) · Quay lại"),
        (STRENGTHS, SHORTCOMINGS, "Mặt còn hạn chế"),
        (STRENGTHS, REVIEW, "hết câu hỏi · đang sửa"),
        (SHORTCOMINGS, SCORE, "văn bản · Bỏ qua (tiêu chí tiếp theo)"),
        (SHORTCOMINGS, STRENGTHS, "văn bản (chưa có nội dung tốt) · Quay lại"),
        (SHORTCOMINGS, REVIEW, "đang sửa · hết câu hỏi"),
        (MENU, SCORE, "Tiếp tục · gõ bất kỳ"),
        (MENU, STRENGTHS, "Tiếp tục (câu đang dở)"),
        (MENU, SHORTCOMINGS, "Tiếp tục (câu đang dở)"),
        (MENU, REVIEW, "Xem lại / đã chấm đủ"),
        (MENU, RATING, "Nộp báo cáo"),
        (MENU, SIGNER_NAME, "Nộp báo cáo (chưa có người ký)"),
        (REVIEW, EDIT, "Sửa một mục"),
        (REVIEW, SCORE, "gõ số hiệu mục · Tiếp tục trả lời"),
        (REVIEW, STRENGTHS, "Tiếp tục (câu đang dở)"),
        (REVIEW, SHORTCOMINGS, "Tiếp tục (câu đang dở)"),
        (REVIEW, RATING, "Nộp báo cáo"),
        (REVIEW, SIGNER_NAME, "Nộp báo cáo (chưa có người ký)"),
        (SIGNER_NAME, SIGNER_TITLE, "họ tên · Giữ nguyên"),
        (SIGNER_NAME, REVIEW, "Quay lại"),
        (SIGNER_TITLE, RATING, "chức vụ"),
        (SIGNER_TITLE, CONFIRM, "chức vụ (đã chọn mức xếp loại)"),
        (SIGNER_TITLE, SIGNER_NAME, "Quay lại"),
        (EDIT, EDIT_CRITERION, "Tiêu chí n"),
        (EDIT, REVIEW, "Quay lại"),
        (EDIT_CRITERION, SCORE, "mục"),
        (EDIT_CRITERION, STRENGTHS, "Đánh giá chung"),
        (EDIT_CRITERION, EDIT, "Quay lại"),
        (RATING, CONFIRM, "mức xếp loại"),
        (RATING, REVIEW, "Quay lại"),
        (CONFIRM, SUBMITTED, "Xác nhận nộp"),
        (CONFIRM, RATING, "Quay lại"),
        (CONFIRM, SIGNER_NAME, "Người ký"),
        (CONFIRM, REVIEW, "còn mục chưa chấm"),
        *((q, MENU, "Menu") for q in QUESTIONS),
        (REVIEW, MENU, "Menu"),
    ),
    notes={
        SCORE: "kết quả đạt được, ảnh, tệp: gõ hoặc gửi ngay sau khi chấm (lưu vào mục vừa chấm)",
        MENU: "☰ Menu · /huy",
        REVIEW: "/xemlai",
        SUBMITTED: "khoá: chỉ /baocao, /hoso, /tiendo",
    },
    end=SUBMITTED,
)

UNITS, UNIT, RETURN = units.UNITS, units.UNIT, units.RETURN
ITEM, A_RATING, A_CONFIRM = scoring.ITEM, scoring.RATING, scoring.CONFIRM

# The appraiser's screens also move within a state (another filter or page, the next item):
# those moves are drawn as loops, since they are most of what an appraiser does.
APPRAISER = Diagram(
    start=UNITS,
    start_label="/donvi",
    moves=(
        (UNITS, UNITS, "Tất cả · Chưa nộp · Đã nộp · Đã thẩm định · Trang trước · Trang sau"),
        (UNITS, UNIT, "số thứ tự đơn vị"),
        (UNIT, UNIT, "Báo cáo · Tệp minh chứng · Hồ sơ (ZIP)"),
        (UNIT, UNITS, "Danh sách"),
        (UNIT, ITEM, "Thẩm định"),
        (UNIT, RETURN, "Trả lại"),
        (RETURN, UNIT, "lý do trả lại · Huỷ"),
        (
            ITEM,
            ITEM,
            "điểm hoặc mức · = Như đơn vị · Bỏ qua (mục sau) · ◀ (mục trước) · gõ nhận xét",
        ),
        (ITEM, A_RATING, "điểm hoặc mức · = Như đơn vị · Bỏ qua (mục cuối)"),
        (ITEM, UNIT, "Đơn vị · ◀ (mục đầu tiên)"),
        (A_RATING, A_CONFIRM, "mức xếp loại"),
        (A_RATING, ITEM, "Quay lại · còn mục chưa chấm"),
        (A_CONFIRM, UNIT, "Xác nhận kết quả"),
        (A_CONFIRM, A_RATING, "Quay lại"),
    ),
    notes={
        UNITS: "từ mọi bước: /donvi · /start · /huy · /thamdinh (lọc Đã nộp)",
        UNIT: "/tonghop, /hoso, /ban, /huongdan ở mọi bước: công văn tổng hợp, hồ sơ các đơn vị "
        "(ZIP), đường dẫn bàn thẩm định, hướng dẫn (không đổi bước)",
    },
)
