"""SQLAlchemy tables of the AccordWatch database (portable: SQLite and PostgreSQL).

The schema is created and changed only by the Alembic migrations in
``migrations/versions``; these classes must describe the same schema
(``tests/test_store.py`` compares them with the migrated database).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Raw bytes kept for a quarantined input.
QUARANTINE_RAW_LIMIT = 1 << 20  # 1 MiB


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (UTC).

    SQLite keeps no zone, PostgreSQL returns the session's zone: both come back
    as UTC. A naive datetime given to the database is taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        value = value.astimezone(dt.timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ReportRow(Base):
    """One stored report: the first copy of a normalised text."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    published: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String)
    url: Mapped[str | None] = mapped_column(String)
    title: Mapped[str | None] = mapped_column(String)
    language: Mapped[str] = mapped_column(String(16))
    path: Mapped[str | None] = mapped_column(String)
    ingested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    duplicate_of: Mapped[int | None] = mapped_column(Integer, ForeignKey("reports.id"))
    story_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("content_hash", name="uq_reports_content_hash"),
        Index("ix_reports_published", "published"),
        Index("ix_reports_story_id", "story_id"),
    )


class ReportCopyRow(Base):
    """Another sighting of a stored report's text (exact duplicate).

    ``path`` and ``url`` are '' rather than NULL so that the unique constraint
    makes re-ingesting the same file a no-op.
    """

    __tablename__ = "report_copies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(Integer, ForeignKey("reports.id"))
    source: Mapped[str | None] = mapped_column(String)
    url: Mapped[str] = mapped_column(String, server_default="")
    title: Mapped[str | None] = mapped_column(String)
    path: Mapped[str] = mapped_column(String, server_default="")
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("report_id", "path", "url", name="uq_report_copies_seen"),)


class EventRow(Base):
    """One event extracted from a report by one extractor version."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(Integer, ForeignKey("reports.id"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    modality: Mapped[str] = mapped_column(String(32))
    date: Mapped[dt.date | None] = mapped_column(Date)
    places: Mapped[str] = mapped_column(Text, server_default="[]")  # JSON list of names
    agent: Mapped[str | None] = mapped_column(String)
    recipient: Mapped[str | None] = mapped_column(String)
    quantity: Mapped[str | None] = mapped_column(String)
    subject: Mapped[str | None] = mapped_column(String)
    old_date: Mapped[dt.date | None] = mapped_column(Date)
    new_date: Mapped[dt.date | None] = mapped_column(Date)
    requested_by: Mapped[str | None] = mapped_column(String)
    granted_by: Mapped[str | None] = mapped_column(String)
    via: Mapped[str | None] = mapped_column(String)
    reason: Mapped[str | None] = mapped_column(Text)
    sentence: Mapped[str] = mapped_column(Text)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float)
    trigger: Mapped[str | None] = mapped_column(String)
    trigger_start: Mapped[int | None] = mapped_column(Integer)
    trigger_end: Mapped[int | None] = mapped_column(Integer)
    rule: Mapped[str | None] = mapped_column(String)
    date_precision: Mapped[str | None] = mapped_column(String(16))
    extractor_version: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint(
            "report_id", "extractor_version", "start", "end", "type", "modality", "seq", name="uq_events_span"
        ),
        Index("ix_events_report_id", "report_id"),
        Index("ix_events_date", "date"),
        Index("ix_events_type", "type"),
    )


class EvidenceRow(Base):
    """An event linked to an agreement provision; ``state`` caches the review log."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, ForeignKey("events.id"))
    agreement_id: Mapped[str] = mapped_column(String(128))
    provision_id: Mapped[str] = mapped_column(String(255))
    relation: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), server_default="proposed")
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # Copies kept by database triggers (migration 0004), never written by the
    # application: the event's report, its date and story, and the day the
    # event happened (its date, else the report's). Status reads no other table.
    report_id: Mapped[int | None] = mapped_column(Integer)
    report_published: Mapped[dt.date | None] = mapped_column(Date)
    story_id: Mapped[int | None] = mapped_column(Integer)
    happened_on: Mapped[dt.date | None] = mapped_column(Date)

    __table_args__ = (
        UniqueConstraint("event_id", "provision_id", "relation", name="uq_evidence_link"),
        CheckConstraint("state IN ('proposed', 'accepted', 'rejected')", name="state"),
        # status at any date reads only these columns of one agreement's evidence (migration 0004);
        # its prefix serves every other look-up by agreement
        Index(
            "ix_evidence_status",
            "agreement_id", "provision_id", "report_published", "id",
            "state", "relation", "happened_on", "story_id", "report_id", "event_id",
        ),
        Index("ix_evidence_provision_id", "provision_id"),
        Index("ix_evidence_state", "state"),
    )


class ReviewLogRow(Base):
    """An analyst's decision on evidence. Append-only (database triggers refuse changes)."""

    __tablename__ = "review_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evidence_id: Mapped[int] = mapped_column(Integer, ForeignKey("evidence.id"))
    decision: Mapped[str] = mapped_column(String(16))
    previous_state: Mapped[str] = mapped_column(String(16))
    who: Mapped[str] = mapped_column(String)
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(16))

    __table_args__ = (
        CheckConstraint("decision IN ('accepted', 'rejected')", name="decision"),
        CheckConstraint("outcome IN ('applied', 'conflict')", name="outcome"),
        Index("ix_review_log_evidence_id", "evidence_id"),
    )


class QuarantineRow(Base):
    """An input that could not be read, dated or parsed, counted per (content, reason)."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String)
    reason: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    count: Mapped[int] = mapped_column(Integer, server_default="1")

    __table_args__ = (UniqueConstraint("content_hash", "reason", name="uq_quarantine_hash_reason"),)


class MetaRow(Base):
    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)


class UserRow(Base):
    """A person who may use the web dashboard and API (role: viewer, analyst, admin)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    disabled: Mapped[int] = mapped_column(Integer, server_default="0")

    __table_args__ = (
        UniqueConstraint("name", name="uq_users_name"),
        CheckConstraint("role IN ('viewer', 'analyst', 'admin')", name="role"),
    )


class ApiTokenRow(Base):
    """A bearer token for scripts; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(128))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_used: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked: Mapped[int] = mapped_column(Integer, server_default="0")

    __table_args__ = (UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),)


class ReportSignatureRow(Base):
    """MinHash signature of a report's text, for near-duplicate (story) grouping."""

    __tablename__ = "report_signatures"

    report_id: Mapped[int] = mapped_column(Integer, ForeignKey("reports.id"), primary_key=True)
    num_perm: Mapped[int] = mapped_column(Integer)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
