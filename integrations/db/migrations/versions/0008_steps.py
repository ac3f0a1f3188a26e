"""End-to-end steps: a follow-on step names the promise it carries on (`parent_id`), and a
promise made from a playbook plan keeps the steps still to come (`plan`).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("promises", sa.Column("parent_id", sa.String(36), nullable=True))
    op.add_column("promises", sa.Column("plan", sa.JSON(), nullable=True))
    op.create_index(
        "ix_promises_parent_id",
        "promises",
        ["parent_id"],
        postgresql_where=sa.text("parent_id IS NOT NULL"),
        sqlite_where=sa.text("parent_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_promises_parent_id", table_name="promises")
    op.drop_column("promises", "plan")
    op.drop_column("promises", "parent_id")
