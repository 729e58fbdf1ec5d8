"""The officer's conversation as a state diagram (Mermaid), generated from declared moves.

``MOVES`` lists every move between states that a button, typed answer or file can cause;
a test drives the engine and checks that each move it observes is declared here, so the
diagram in the README cannot drift from what the engine does.
"""

from __future__ import annotations

from conversations.states import (
    CONFIRM,
    EDIT,
    EDIT_CRITERION,
    EVIDENCE,
    MENU,
    RATING,
    RESULTS,
    REVIEW,
    SCORE,
    SHORTCOMINGS,
    STRENGTHS,
    SUBMITTED,
)

QUESTIONS = (SCORE, RESULTS, EVIDENCE, STRENGTHS, SHORTCOMINGS)

MOVES: tuple[tuple[str, str, str], ...] = (
    (MENU, SCORE, "Tiếp tục"),
    (MENU, RESULTS, "Tiếp tục (câu đang dở)"),
    (MENU, EVIDENCE, "Tiếp tục (câu đang dở)"),
    (MENU, STRENGTHS, "Tiếp tục (câu đang dở)"),
    (MENU, SHORTCOMINGS, "Tiếp tục (câu đang dở)"),
    (MENU, REVIEW, "Xem lại / còn mục chưa chấm"),
    (MENU, RATING, "Nộp báo cáo"),
    (SCORE, RESULTS, "điểm hoặc mức · Bỏ qua"),
    (SCORE, EVIDENCE, "Quay lại"),
    (SCORE, SHORTCOMINGS, "Quay lại (đầu tiêu chí)"),
    (RESULTS, EVIDENCE, "văn bản · tệp · Bỏ qua"),
    (RESULTS, SCORE, "Quay lại"),
    (EVIDENCE, SCORE, "Xong (mục tiếp theo)"),
    (EVIDENCE, STRENGTHS, "Xong (hết tiêu chí)"),
    (EVIDENCE, REVIEW, "Xong (đang sửa)"),
    (EVIDENCE, RESULTS, "Quay lại"),
    (STRENGTHS, SHORTCOMINGS, "văn bản · Bỏ qua"),
    (STRENGTHS, EVIDENCE, "Quay lại"),
    (SHORTCOMINGS, SCORE, "văn bản · Bỏ qua (tiêu chí tiếp theo)"),
    (SHORTCOMINGS, REVIEW, "hết tiêu chí · đang sửa"),
    (SHORTCOMINGS, STRENGTHS, "Quay lại"),
    (REVIEW, EDIT, "Sửa một mục"),
    (REVIEW, SCORE, "gõ số hiệu mục · Tiếp tục"),
    (REVIEW, RESULTS, "Tiếp tục (câu đang dở)"),
    (REVIEW, EVIDENCE, "Tiếp tục (câu đang dở)"),
    (REVIEW, STRENGTHS, "Tiếp tục (câu đang dở)"),
    (REVIEW, SHORTCOMINGS, "Tiếp tục (câu đang dở)"),
    (REVIEW, RATING, "Nộp báo cáo"),
    (EDIT, EDIT_CRITERION, "Tiêu chí n"),
    (EDIT, REVIEW, "Quay lại"),
    (EDIT_CRITERION, SCORE, "mục"),
    (EDIT_CRITERION, STRENGTHS, "Đánh giá chung"),
    (EDIT_CRITERION, EDIT, "Quay lại"),
    (RATING, CONFIRM, "mức xếp loại"),
    (RATING, REVIEW, "Quay lại"),
    (CONFIRM, SUBMITTED, "Xác nhận nộp"),
    (CONFIRM, RATING, "Quay lại"),
    (CONFIRM, REVIEW, "còn mục chưa chấm"),
    *((q, MENU, "Menu") for q in QUESTIONS),
    (SCORE, MENU, "Quay lại (câu đầu tiên)"),
    (REVIEW, MENU, "Menu"),
)

NOTES = {
    MENU: "/start · /huy",
    REVIEW: "/xemlai",
    SUBMITTED: "khoá: chỉ /baocao, /tiendo",
}


def allowed(before: str, after: str) -> bool:
    return before == after or any(m[0] == before and m[1] == after for m in MOVES)


def mermaid() -> str:
    """The diagram as Mermaid ``stateDiagram-v2`` text."""
    lines = ["stateDiagram-v2", f"    [*] --> {MENU}: /start"]
    labels: dict[tuple[str, str], list[str]] = {}
    for before, after, label in MOVES:
        labels.setdefault((before, after), []).append(label)
    for (before, after), texts in labels.items():
        lines.append(f"    {before} --> {after}: {' / '.join(texts)}")
    lines.append(f"    {SUBMITTED} --> [*]")
    for state, note in NOTES.items():
        lines.append(f"    note right of {state}: {note}")
    return "\n".join(lines) + "\n"
