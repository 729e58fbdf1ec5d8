"""SQLAlchemy 2 models: the whole data model (the README shows how they relate)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    ScalarSelect,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from rubric.vietnam import ZONE_NAME
from storage import audit_triggers

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Score = Numeric(5, 1)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(
        cls,
        native_enum=False,
        length=20,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class UnitKind(enum.StrEnum):
    """What a unit is. Since 01/07/2025 (two-level local government) a province appraises its
    sở, ban, ngành and its xã, phường and đặc khu directly; huyện, their phòng and thị trấn
    remain for the years before."""

    PROVINCE = "tinh"
    DEPARTMENT = "so"  # sở, ban, ngành of the province
    DISTRICT = "huyen"
    OFFICE = "phong"  # phòng chuyên môn
    SERVICE = "su_nghiep"  # đơn vị sự nghiệp công lập
    WARD = "phuong"
    COMMUNE = "xa"  # xã (and, in files before 2025, thị trấn)
    TOWNSHIP = "thi_tran"
    SPECIAL_ZONE = "dac_khu"
    OTHER = "khac"


# How each kind is named, in the order the letters list them (offices before communes)
KIND_LABELS = {
    UnitKind.DEPARTMENT: "sở, ban, ngành",
    UnitKind.OFFICE: "phòng chuyên môn",
    UnitKind.SERVICE: "đơn vị sự nghiệp",
    UnitKind.COMMUNE: "xã",
    UnitKind.WARD: "phường",
    UnitKind.TOWNSHIP: "thị trấn",
    UnitKind.SPECIAL_ZONE: "đặc khu",
    UnitKind.DISTRICT: "huyện",
    UnitKind.PROVINCE: "tỉnh",
    UnitKind.OTHER: "khác",
}


class Role(enum.StrEnum):
    OFFICER = "officer"
    APPRAISER = "appraiser"
    ADMIN = "admin"


class Status(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPRAISED = "appraised"  # the appraisal team's rating is decided: the assessment is closed


# How an assessment's status reads, wherever it is shown (chat, command line, documents)
STATUS_LABELS = {
    Status.DRAFT: "đang làm",
    Status.SUBMITTED: "đã nộp",
    Status.APPRAISED: "đã thẩm định",
}


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str | None] = mapped_column(String(40))  # for "Số: .../BC-<short>"
    kind: Mapped[UnitKind] = mapped_column(_enum(UnitKind), default=UnitKind.OTHER)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    place: Mapped[str | None] = mapped_column(String(100))  # địa danh for the date line
    # Who signs the unit's reports: title ("CHỦ TỊCH", "PHÓ CHỦ TỊCH"), full name, and how
    # (reports.letterhead: "tm", "kt", "own"; empty: by the title). Kept for the next year.
    head_title: Mapped[str | None] = mapped_column(String(100))
    head_name: Mapped[str | None] = mapped_column(String(100))
    sign_as: Mapped[str | None] = mapped_column(String(8))

    parent: Mapped[Unit | None] = relationship(remote_side=[id])


class UnitSuccession(Base):
    """A unit that succeeds another from a date (mergers of 2025: three communes into one). The
    predecessor stays, read-only, with its periods and reports; the successor sees them."""

    __tablename__ = "unit_successions"
    __table_args__ = (UniqueConstraint("predecessor_id", "successor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    predecessor_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    successor_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), index=True
    )
    effective_on: Mapped[date] = mapped_column(Date)


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(30))
    # Where the person is in a conversation that is not an assessment's (the appraiser's).
    cursor: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Identity(Base):
    """A person's account on one channel (Telegram user id, Zalo user id, console)."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str | None] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(120))
    unreachable_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The message that holds the chat's open question (its buttons are retired when the next
    # question comes), kept across restarts; channels with buttons only (Telegram).
    open_prompt: Mapped[str | None] = mapped_column(String(32))


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("person_id", "role", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)


class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    redeemed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    redeemed_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A link code (``/lienket``): redeemed on another channel, it adds that channel's account
    # to this person instead of creating a new one.
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), index=True
    )


class Period(Base):
    __tablename__ = "periods"
    __table_args__ = (UniqueConstraint("year", "authority_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    rubric_id: Mapped[str] = mapped_column(String(64))
    rubric_sha256: Mapped[str | None] = mapped_column(String(64))
    authority_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # the appraising unit
    submit_by: Mapped[date] = mapped_column(Date)
    appraise_by: Mapped[date] = mapped_column(Date)
    report_by: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(40), default=ZONE_NAME)
    # Reminder schedule as data: {"offsets_days": [7, 3, 1, 0], "hour": 8, "quiet": [21, 7]}
    reminder_schedule: Mapped[dict | None] = mapped_column(JSON)


# "The current period" wherever there are several: the newest year, then the newest made
NEWEST_PERIOD_FIRST = (Period.year.desc(), Period.id.desc())


def newest_period_id(authority_id: ColumnElement[int]) -> ScalarSelect[int]:
    """The id of the newest period of the authority that ``authority_id`` (a column of Unit,
    e.g. ``Unit.id`` or ``Unit.parent_id``) names: a subquery correlated to Unit."""
    return (
        select(Period.id)
        .where(Period.authority_id == authority_id)
        .order_by(*NEWEST_PERIOD_FIRST)
        .limit(1)
        .correlate(Unit)
        .scalar_subquery()
    )


class Assessment(Base):
    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("unit_id", "period_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id", ondelete="CASCADE"), index=True)
    status: Mapped[Status] = mapped_column(_enum(Status), default=Status.DRAFT)
    proposed_rating: Mapped[str | None] = mapped_column(String(20))
    report_number: Mapped[str | None] = mapped_column(String(40))
    # The signer as it was when the assessment was submitted (the unit's head may change)
    signer_name: Mapped[str | None] = mapped_column(String(120))
    signer_title: Mapped[str | None] = mapped_column(String(100))
    sign_as: Mapped[str | None] = mapped_column(String(8))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    returned_reason: Mapped[str | None] = mapped_column(Text)
    final_rating: Mapped[str | None] = mapped_column(String(20))
    appraised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # who confirmed the appraisal (who gave the rating, until it is confirmed)
    appraised_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    # The totals as submitted and as appraised, by the period's rubric (a bonus and a penalty
    # within their caps): what the report said, whatever later edits of the rubric file do
    self_total: Mapped[Decimal | None] = mapped_column(Score)
    appraised_total: Mapped[Decimal | None] = mapped_column(Score)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Position(Base):
    """Where one officer is in one assessment: two officers of a unit each answer their own
    question. ``cursor`` is the engine's state ("score:IV.1"); ``updated_at`` this person's last
    step (an answer another person changed after it is news to them)."""

    __tablename__ = "positions"
    __table_args__ = (UniqueConstraint("person_id", "assessment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    cursor: Mapped[str | None] = mapped_column(String(80))
    return_to: Mapped[str | None] = mapped_column(String(80))  # where an edit goes back to
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # when this person was told the submission deadline had passed (told once)
    late_told_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Answer(Base):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("assessment_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(20))
    score: Mapped[Decimal | None] = mapped_column(Score)
    choice_id: Mapped[str | None] = mapped_column(String(20))
    results_text: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))


class CriterionNote(Base):
    __tablename__ = "criterion_notes"
    __table_args__ = (UniqueConstraint("assessment_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    criterion_id: Mapped[str] = mapped_column(String(10))
    strengths: Mapped[str | None] = mapped_column(Text)
    shortcomings: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Evidence(Base):
    __tablename__ = "evidence"
    # The unique constraint's index also serves "files of this assessment / item" queries.
    __table_args__ = (UniqueConstraint("assessment_id", "item_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))  # photo | document
    original_name: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    caption: Mapped[str | None] = mapped_column(Text)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    uploaded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Appraisal(Base):
    """The authority's score for one item ("Kết quả chấm điểm của cơ quan có thẩm quyền")."""

    __tablename__ = "appraisals"
    __table_args__ = (UniqueConstraint("assessment_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(20))
    score: Mapped[Decimal | None] = mapped_column(Score)
    choice_id: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    appraiser_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_assessment_at", "assessment_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE")
    )
    action: Mapped[str] = mapped_column(String(40))  # e.g. "answer.score"
    target: Mapped[str | None] = mapped_column(String(40))  # item / criterion id
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)


class InboxUpdate(Base):
    """A channel's update, stored before the channel is told it arrived and kept as long as
    the channel may deliver it again. ``body`` (the update's JSON) lets an update that was
    stored but not handled before a crash be handled after the restart; ``handled_at`` marks
    the transaction that applied it (a redelivery changes nothing), ``answered_at`` that its
    replies went out. Only updates of known people are stored with a body."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "update_key"),
        Index("ix_inbox_received_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    update_key: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[str | None] = mapped_column(String(64))
    chat_id: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReminderSent(Base):
    """A reminder that went out. ``key`` names it completely (kind, deadline, offset, unit,
    person), so that the unique constraint holds without nullable columns in it."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("period_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(120))  # e.g. "submit_by:-3:unit=12:person=7"
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DeskSession(Base):
    """An appraiser signed in to the desk (the web pages, bot/web/desk/): the browser's cookie
    holds a random token, this row its SHA-256. Ended by the page's sign-out, by its day's end
    and, with the person, by ``danvan person remove``."""

    __tablename__ = "desk_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    link_nonce: Mapped[str] = mapped_column(String(32), unique=True)  # its link signs in once
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


audit_triggers.attach(Base.metadata.tables)  # score and rating changes audit themselves
