"""Two officers of one unit answering at the same time, by typing (the same script on every
channel): each answer lands on the question its sender was shown, each sees the other's
answers, and the one whose answer was changed later is told on their next step."""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from sqlalchemy import select

from bot.app import App
from storage.models import Answer, Person


class Typist(Protocol):
    async def type(self, text: str) -> None: ...

    def texts(self, since: int = 0) -> str: ...


async def answers(
    app: App, assessment_id: int
) -> dict[str, tuple[Decimal | None, str | None, str]]:
    """item -> (score, results text, who last changed it)."""
    async with app.sessions() as s:
        rows = await s.execute(
            select(Answer.item_id, Answer.score, Answer.results_text, Person.full_name)
            .join(Person, Person.id == Answer.updated_by_id)
            .where(Answer.assessment_id == assessment_id)
        )
        return {item: (score, text, who) for item, score, text, who in rows.all()}


async def interleave(
    app: App, assessment_id: int, a: Typist, b: Typist, names: tuple[str, str]
) -> None:
    one, two = names
    await a.type("/tieptuc")  # A: the first item, I.1
    assert "I.1." in a.texts()
    await a.type("2")  # A: on to I.2 at once
    await a.type("Kết quả I.1 của A")  # typed on I.2: the item just scored
    await b.type("/xemlai")  # B: edits II.1 from the review
    await b.type("II.1")
    for by, text in [
        (a, "2"),  # I.2 (A is there); A on to I.3
        (b, "4"),  # II.1 (B is there); B back to the review
        (a, "Kết quả I.2 của A"),  # typed on I.3: I.2's
        (b, "II.1: Kết quả II.1 của B"),  # on the review: the text names its item
    ]:
        await by.type(text)
    got = await answers(app, assessment_id)
    assert got["I.1"] == (Decimal(2), "Kết quả I.1 của A", one)
    assert got["I.2"] == (Decimal(2), "Kết quả I.2 của A", one)
    assert got["II.1"] == (Decimal(4), "Kết quả II.1 của B", two)
    assert set(got) == {"I.1", "I.2", "II.1"}

    await b.type("I.1")  # B changes an item A answered
    await b.type("1")
    assert (await answers(app, assessment_id))["I.1"][0] == Decimal(1)
    mark = len(a.texts())
    await a.type("1")  # A's next step (I.3): told that B changed I.1
    told = a.texts()[mark:]
    assert "đã sửa mục đồng chí đã trả lời" in told and f"I.1: 1 điểm (đồng chí {two})" in told
    got = await answers(app, assessment_id)
    assert got["I.3"] == (Decimal(1), None, one) and got["I.1"][2] == two
    mark = len(a.texts())
    await a.type("/xemlai")
    review = a.texts()[mark:]
    assert "Người chấm: " in review, review
    assert f"{one} (2 mục)" in review and f"{two} (2 mục)" in review
