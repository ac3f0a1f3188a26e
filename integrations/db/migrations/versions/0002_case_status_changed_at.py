"""cases.status_changed_at, for escalating cases left reopened too long

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(
            "ix_cases_status_changed_at_reopened",
            ["status_changed_at"],
            postgresql_where=sa.text("status = 'reopened'"),
            sqlite_where=sa.text("status = 'reopened'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_status_changed_at_reopened")
        batch.drop_column("status_changed_at")
