"""Kind-first and reason-first partial indexes over unaddressed broken promises, for the stuck
list filtered or ordered by kind or by reason (the dashboard, `terrain stuck`, /v1/ops/stuck).

Without them a filter on a rare reason or kind reads every unaddressed broken promise along
the due_at index and checks each row (236 ms p95 at 800,000 cases for an empty reason), and
ordering by kind or reason sorts them all (430-530 ms). Both indexes only hold the promises
that are stuck right now, so they stay small and cheap to maintain.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UNADDRESSED = "verdict = 'broken' AND NOT addressed AND fulfilled_at IS NULL"


def upgrade() -> None:
    op.create_index(
        "ix_promises_kind_due_at_unaddressed",
        "promises",
        ["kind", "due_at"],
        postgresql_where=sa.text(UNADDRESSED),
        sqlite_where=sa.text(UNADDRESSED),
    )
    op.create_index(
        "ix_promises_reason_due_at_unaddressed",
        "promises",
        ["reason", "due_at"],
        postgresql_where=sa.text(UNADDRESSED),
        sqlite_where=sa.text(UNADDRESSED),
    )


def downgrade() -> None:
    op.drop_index("ix_promises_reason_due_at_unaddressed", "promises")
    op.drop_index("ix_promises_kind_due_at_unaddressed", "promises")
