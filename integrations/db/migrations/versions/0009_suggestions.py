"""Suggestions: promises a reply may have made that the extraction was unsure of, kept on the
case until the community manager confirms (the promise is then recorded) or dismisses them.

Revision ID: 0009_suggestions
Revises: 0010_people_sessions
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_suggestions"
down_revision = "0010_people_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suggestions",
        sa.Column("suggestion_id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("said_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expect", sa.JSON(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("partner", sa.String(200)),
        sa.Column("reference", sa.String(200)),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True)),
        sa.Column("settled_by", sa.String(200)),
        sa.Column("promise_id", sa.String(36)),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"], name="fk_suggestions_case_id_cases"),
        sa.PrimaryKeyConstraint("suggestion_id", name="pk_suggestions"),
    )
    op.create_index("ix_suggestions_case_id_state", "suggestions", ["case_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_suggestions_case_id_state", "suggestions")
    op.drop_table("suggestions")
