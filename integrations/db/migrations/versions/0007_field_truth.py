"""Field truth (v1.1): place and hand-over evidence on updates, handoffs, and on promises the
fields a keep could not verify and the early warning (at risk), with the ops lists' indexes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

AT_RISK = "verdict = 'pending' AND at_risk_since IS NOT NULL"
TO_CHECK = "verdict = 'kept' AND unverified IS NOT NULL"
RISK_CHECK = "verdict = 'pending' AND risk_check_at IS NOT NULL"


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy on SQLite): the promises triggers of 0005 must stay.
    for name, type_ in (
        ("postal_code", sa.String(20)),
        ("city", sa.String(200)),
        ("country", sa.String(2)),
        ("pickup_point_id", sa.String(100)),
        ("handed_to", sa.String(16)),
        ("carrier_code", sa.String(50)),
        ("handoff_partner", sa.String(200)),
        ("handoff_reference", sa.String(200)),
    ):
        op.add_column("updates", sa.Column(name, type_, nullable=True))
    op.add_column("promises", sa.Column("unverified", sa.JSON(), nullable=True))
    op.add_column("promises", sa.Column("at_risk", sa.JSON(), nullable=True))
    op.add_column("promises", sa.Column("at_risk_since", sa.DateTime(timezone=True), nullable=True))
    op.add_column("promises", sa.Column("risk_check_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_promises_risk_check_at",
        "promises",
        ["risk_check_at"],
        postgresql_where=sa.text(RISK_CHECK),
        sqlite_where=sa.text(RISK_CHECK),
    )
    op.create_index(
        "ix_promises_at_risk_due_at", "promises", ["due_at"], postgresql_where=sa.text(AT_RISK), sqlite_where=sa.text(AT_RISK)
    )
    op.create_index(
        "ix_promises_unverified_verdict_at",
        "promises",
        ["verdict_at"],
        postgresql_where=sa.text(TO_CHECK),
        sqlite_where=sa.text(TO_CHECK),
    )


def downgrade() -> None:
    op.drop_index("ix_promises_unverified_verdict_at", table_name="promises")
    op.drop_index("ix_promises_at_risk_due_at", table_name="promises")
    op.drop_index("ix_promises_risk_check_at", table_name="promises")
    for name in ("risk_check_at", "at_risk_since", "at_risk", "unverified"):
        op.drop_column("promises", name)
    for name in (
        "handoff_reference",
        "handoff_partner",
        "carrier_code",
        "handed_to",
        "pickup_point_id",
        "country",
        "city",
        "postal_code",
    ):
        op.drop_column("updates", name)
