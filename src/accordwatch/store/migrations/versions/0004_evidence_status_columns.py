"""Status without joins: evidence carries its report's date, story and its event's day.

A status reads, for one agreement and known-at K, every counted evidence row's
provision, relation, review state, report date, story and the day its event
happened (the event's date, else the report's). Those lived in ``events`` and
``reports``: a 3-table join over ~10,000 rows per agreement. This revision
copies them onto ``evidence``:

- ``report_id``, ``report_published``, ``story_id``: of the event's report;
- ``happened_on``: the event's date, else the report's published date;

fills them for existing rows, and lets the database keep them true whatever
writes the rows (the ingest, ``add_evidence``, a bulk insert, a later
``set_story``): a trigger fills them on every insert into ``evidence`` and
copies changes of ``reports.published`` / ``reports.story_id`` and of
``events.date`` / ``events.report_id``. One covering index,
(agreement_id, provision_id, report_published, id, state, relation,
happened_on, story_id, report_id, event_id), answers the status's aggregate,
its "most recent rows per provision" and its search for deadline moves from
the index alone; it replaces the 0003 index and ``ix_evidence_agreement_id``
(its prefix).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OLD_INDEX = "ix_evidence_agreement_id_provision_id_relation_state_event_id"
OLD_COLUMNS = ["agreement_id", "provision_id", "relation", "state", "event_id"]
INDEX = "ix_evidence_status"
INDEX_COLUMNS = [
    "agreement_id", "provision_id", "report_published", "id",
    "state", "relation", "happened_on", "story_id", "report_id", "event_id",
]
REDUNDANT = "ix_evidence_agreement_id"  # a prefix of INDEX

# The copied values of one evidence row, from its event (alias e) and report (alias r).
_COPY = {
    "report_id": "e.report_id",
    "report_published": "r.published",
    "story_id": "r.story_id",
    "happened_on": "COALESCE(e.date, r.published)",
}


def _copy_from(event_id: str, column: str) -> str:
    """A correlated subquery: ``column``'s value for the event ``event_id``."""
    return (
        f"(SELECT {_COPY[column]} FROM events e JOIN reports r ON r.id = e.report_id "
        f"WHERE e.id = {event_id})"
    )


def _set_all(event_id: str) -> str:
    """SET clause giving every copied column its value, in one subquery (a row value)."""
    return (
        f"({', '.join(_COPY)}) = (SELECT {', '.join(_COPY.values())} FROM events e "
        f"JOIN reports r ON r.id = e.report_id WHERE e.id = {event_id})"
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("evidence", sa.Column("report_id", sa.Integer(), nullable=True))
    op.add_column("evidence", sa.Column("report_published", sa.Date(), nullable=True))
    op.add_column("evidence", sa.Column("story_id", sa.Integer(), nullable=True))
    op.add_column("evidence", sa.Column("happened_on", sa.Date(), nullable=True))
    # Backfill every existing row.
    if dialect == "postgresql":
        op.execute(
            "UPDATE evidence AS v SET report_id = e.report_id, report_published = r.published, "
            "story_id = r.story_id, happened_on = COALESCE(e.date, r.published) "
            "FROM events e JOIN reports r ON r.id = e.report_id WHERE e.id = v.event_id"
        )
    else:
        op.execute(f"UPDATE evidence SET {_set_all('evidence.event_id')}")
    _create_triggers(dialect)
    op.drop_index(op.f(OLD_INDEX), table_name="evidence")
    op.drop_index(op.f(REDUNDANT), table_name="evidence")
    op.create_index(INDEX, "evidence", INDEX_COLUMNS)


def _create_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        # SQLite cannot change NEW in a BEFORE trigger: update the new row after it.
        for name, when in (("evidence_copy_insert", "AFTER INSERT ON evidence"),
                           ("evidence_copy_event_id", "AFTER UPDATE OF event_id ON evidence")):
            op.execute(f"CREATE TRIGGER {name} {when} FOR EACH ROW BEGIN "
                       f"UPDATE evidence SET {_set_all('NEW.event_id')} WHERE id = NEW.id; END")
        op.execute(
            "CREATE TRIGGER reports_copy_to_evidence AFTER UPDATE OF published, story_id ON reports FOR EACH ROW "
            "WHEN OLD.published IS NOT NEW.published OR OLD.story_id IS NOT NEW.story_id BEGIN "
            "UPDATE evidence SET report_published = NEW.published, story_id = NEW.story_id, "
            f"happened_on = {_copy_from('evidence.event_id', 'happened_on')} "
            "WHERE event_id IN (SELECT id FROM events WHERE report_id = NEW.id); END"
        )
        op.execute(
            "CREATE TRIGGER events_copy_to_evidence AFTER UPDATE OF date, report_id ON events FOR EACH ROW "
            "WHEN OLD.date IS NOT NEW.date OR OLD.report_id IS NOT NEW.report_id BEGIN "
            f"UPDATE evidence SET {_set_all('NEW.id')} WHERE event_id = NEW.id; END"
        )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION evidence_copy() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "SELECT e.report_id, r.published, r.story_id, COALESCE(e.date, r.published) "
            "INTO NEW.report_id, NEW.report_published, NEW.story_id, NEW.happened_on "
            "FROM events e JOIN reports r ON r.id = e.report_id WHERE e.id = NEW.event_id; "
            "RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER evidence_copy BEFORE INSERT OR UPDATE OF event_id ON evidence "
            "FOR EACH ROW EXECUTE FUNCTION evidence_copy()"
        )
        op.execute(
            "CREATE FUNCTION reports_copy_to_evidence() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "UPDATE evidence v SET report_published = NEW.published, story_id = NEW.story_id, "
            "happened_on = COALESCE(e.date, NEW.published) "
            "FROM events e WHERE e.report_id = NEW.id AND v.event_id = e.id; "
            "RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER reports_copy_to_evidence AFTER UPDATE OF published, story_id ON reports FOR EACH ROW "
            "WHEN (OLD.published IS DISTINCT FROM NEW.published OR OLD.story_id IS DISTINCT FROM NEW.story_id) "
            "EXECUTE FUNCTION reports_copy_to_evidence()"
        )
        op.execute(
            "CREATE FUNCTION events_copy_to_evidence() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "UPDATE evidence v SET report_id = NEW.report_id, report_published = r.published, "
            "story_id = r.story_id, happened_on = COALESCE(NEW.date, r.published) "
            "FROM reports r WHERE r.id = NEW.report_id AND v.event_id = NEW.id; "
            "RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER events_copy_to_evidence AFTER UPDATE OF date, report_id ON events FOR EACH ROW "
            "WHEN (OLD.date IS DISTINCT FROM NEW.date OR OLD.report_id IS DISTINCT FROM NEW.report_id) "
            "EXECUTE FUNCTION events_copy_to_evidence()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("evidence_copy_insert", "evidence_copy_event_id", "reports_copy_to_evidence", "events_copy_to_evidence"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS evidence_copy ON evidence")
        op.execute("DROP TRIGGER IF EXISTS reports_copy_to_evidence ON reports")
        op.execute("DROP TRIGGER IF EXISTS events_copy_to_evidence ON events")
        for fn in ("evidence_copy", "reports_copy_to_evidence", "events_copy_to_evidence"):
            op.execute(f"DROP FUNCTION IF EXISTS {fn}()")
    op.drop_index(INDEX, table_name="evidence")
    op.create_index(op.f(REDUNDANT), "evidence", ["agreement_id"])
    op.create_index(op.f(OLD_INDEX), "evidence", OLD_COLUMNS)
    # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): a batch copy of the table
    # would fail on review_log's foreign key to it.
    for column in ("happened_on", "story_id", "report_published", "report_id"):
        op.drop_column("evidence", column)
