"""Partner-first partial indexes for the stuck list filtered by partner

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UNADDRESSED = "verdict = 'broken' AND NOT addressed AND fulfilled_at IS NULL"


def upgrade() -> None:
    op.create_index(
        "ix_promises_partner_due_at_pending",
        "promises",
        ["partner", "due_at"],
        postgresql_where=sa.text("verdict = 'pending'"),
        sqlite_where=sa.text("verdict = 'pending'"),
    )
    op.create_index(
        "ix_promises_partner_due_at_unaddressed",
        "promises",
        ["partner", "due_at"],
        postgresql_where=sa.text(UNADDRESSED),
        sqlite_where=sa.text(UNADDRESSED),
    )


def downgrade() -> None:
    op.drop_index("ix_promises_partner_due_at_unaddressed", "promises")
    op.drop_index("ix_promises_partner_due_at_pending", "promises")
