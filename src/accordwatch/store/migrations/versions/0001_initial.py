"""Initial schema: reports, copies, events, evidence, review log, quarantine, meta.

Revision ID: 0001
Revises:
Create Date: 2024-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Timestamps are stored in UTC (see tables.UTCDateTime).
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("published", sa.Date(), nullable=False),
        sa.Column("source", sa.String(), nullable=True),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("title", sa.String(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("path", sa.String(), nullable=True),
        sa.Column("ingested_at", TS, nullable=False),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("story_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.ForeignKeyConstraint(["duplicate_of"], ["reports.id"], name=op.f("fk_reports_duplicate_of_reports")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_reports_content_hash")),
    )
    op.create_index(op.f("ix_reports_published"), "reports", ["published"])
    op.create_index(op.f("ix_reports_story_id"), "reports", ["story_id"])

    op.create_table(
        "report_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(), nullable=True),
        sa.Column("url", sa.String(), server_default="", nullable=False),
        sa.Column("title", sa.String(), nullable=True),
        sa.Column("path", sa.String(), server_default="", nullable=False),
        sa.Column("seen_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_copies")),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_report_copies_report_id_reports")),
        sa.UniqueConstraint("report_id", "path", "url", name=op.f("uq_report_copies_seen")),
    )

    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("modality", sa.String(length=32), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("places", sa.Text(), server_default="[]", nullable=False),
        sa.Column("agent", sa.String(), nullable=True),
        sa.Column("recipient", sa.String(), nullable=True),
        sa.Column("quantity", sa.String(), nullable=True),
        sa.Column("subject", sa.String(), nullable=True),
        sa.Column("old_date", sa.Date(), nullable=True),
        sa.Column("new_date", sa.Date(), nullable=True),
        sa.Column("requested_by", sa.String(), nullable=True),
        sa.Column("granted_by", sa.String(), nullable=True),
        sa.Column("via", sa.String(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("trigger", sa.String(), nullable=True),
        sa.Column("trigger_start", sa.Integer(), nullable=True),
        sa.Column("trigger_end", sa.Integer(), nullable=True),
        sa.Column("rule", sa.String(), nullable=True),
        sa.Column("date_precision", sa.String(length=16), nullable=True),
        sa.Column("extractor_version", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_events_report_id_reports")),
        sa.UniqueConstraint(
            "report_id",
            "extractor_version",
            "start",
            "end",
            "type",
            "modality",
            "seq",
            name=op.f("uq_events_span"),
        ),
    )
    op.create_index(op.f("ix_events_report_id"), "events", ["report_id"])
    op.create_index(op.f("ix_events_date"), "events", ["date"])
    op.create_index(op.f("ix_events_type"), "events", ["type"])

    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.String(length=128), nullable=False),
        sa.Column("provision_id", sa.String(length=255), nullable=False),
        sa.Column("relation", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), server_default="proposed", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_evidence_event_id_events")),
        sa.UniqueConstraint("event_id", "provision_id", "relation", name=op.f("uq_evidence_link")),
        sa.CheckConstraint("state IN ('proposed', 'accepted', 'rejected')", name=op.f("ck_evidence_state")),
    )
    op.create_index(op.f("ix_evidence_agreement_id"), "evidence", ["agreement_id"])
    op.create_index(op.f("ix_evidence_provision_id"), "evidence", ["provision_id"])
    op.create_index(op.f("ix_evidence_state"), "evidence", ["state"])

    op.create_table(
        "review_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("previous_state", sa.String(length=16), nullable=False),
        sa.Column("who", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_log")),
        sa.ForeignKeyConstraint(["evidence_id"], ["evidence.id"], name=op.f("fk_review_log_evidence_id_evidence")),
        sa.CheckConstraint("decision IN ('accepted', 'rejected')", name=op.f("ck_review_log_decision")),
        sa.CheckConstraint("outcome IN ('applied', 'conflict')", name=op.f("ck_review_log_outcome")),
    )
    op.create_index(op.f("ix_review_log_evidence_id"), "review_log", ["evidence_id"])
    _append_only("review_log")

    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("raw", sa.LargeBinary(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.Column("count", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine")),
        sa.UniqueConstraint("content_hash", "reason", name=op.f("uq_quarantine_hash_reason")),
    )

    op.create_table(
        "meta",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_meta")),
    )


def _append_only(table: str) -> None:
    """Make the database itself refuse UPDATE and DELETE on ``table``."""
    dialect = op.get_bind().dialect.name
    message = f"{table} is append-only: add a new row instead of changing or deleting one"
    if dialect == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{message}'; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS review_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS review_log_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS review_log_append_only ON review_log")
        op.execute("DROP FUNCTION IF EXISTS review_log_append_only()")
    for table in ("meta", "quarantine", "review_log", "evidence", "events", "report_copies", "reports"):
        op.drop_table(table)
