"""Index for status at any date: evidence of an agreement read from the index alone.

``Store.status_evidence`` reads, for one agreement, every evidence row's
provision, relation, review state and event; this index holds them all, so
the evidence table itself is not visited (a covering index on SQLite).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = ["agreement_id", "provision_id", "relation", "state", "event_id"]
NAME = "ix_evidence_agreement_id_provision_id_relation_state_event_id"


def upgrade() -> None:
    op.create_index(op.f(NAME), "evidence", COLUMNS)


def downgrade() -> None:
    op.drop_index(op.f(NAME), table_name="evidence")
