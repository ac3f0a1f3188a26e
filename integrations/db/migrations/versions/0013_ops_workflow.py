"""Ops workflow: a case's owner, a stuck promise's acknowledgement and snooze, and the stuck
promise a new one replaces (judged only on what the field says after it was made).

`cases.owner` is the person's name (an agent or ops key's name); the owned cases are few, so
the stuck list reads them along the partial index `ix_cases_owner` and the unowned ones along
the existing due-date indexes. Snoozed promises are read along `ix_promises_snoozed_until`.

Revision ID: 0013_ops_workflow
Revises: 0011_secrets_at_rest
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_ops_workflow"
down_revision = "0011_secrets_at_rest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy on SQLite: it would drop the scorecard triggers of 0005).
    op.add_column("cases", sa.Column("owner", sa.String(200), nullable=True))
    op.add_column("cases", sa.Column("owned_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("promises", sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column("promises", sa.Column("acknowledged_by", sa.String(200), nullable=True))
    op.add_column("promises", sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("promises", sa.Column("replaces", sa.String(36), nullable=True))
    op.create_index(
        "ix_cases_owner",
        "cases",
        ["owner"],
        postgresql_where=sa.text("owner IS NOT NULL"),
        sqlite_where=sa.text("owner IS NOT NULL"),
    )
    op.create_index(
        "ix_promises_snoozed_until",
        "promises",
        ["snoozed_until"],
        postgresql_where=sa.text("snoozed_until IS NOT NULL"),
        sqlite_where=sa.text("snoozed_until IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_promises_snoozed_until", table_name="promises")
    op.drop_index("ix_cases_owner", table_name="cases")
    for column in ("replaces", "acknowledged_at", "acknowledged_by", "snoozed_until"):
        op.drop_column("promises", column)
    for column in ("owned_at", "owner"):
        op.drop_column("cases", column)
