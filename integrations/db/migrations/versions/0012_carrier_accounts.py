"""Carrier accounts (the tracking API polled per partner) and when each reference was last polled.

Revision ID: 0012_carrier_accounts
Revises: 0013_ops_workflow
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_carrier_accounts"
down_revision = "0013_ops_workflow"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "carrier_accounts",
        sa.Column("partner", sa.String(200), nullable=False),
        sa.Column("carrier", sa.String(32), nullable=False),
        sa.Column("api_url", sa.String(2000), nullable=False),
        sa.Column("api_key", sa.String(2000)),
        sa.Column("client_id", sa.String(200)),
        sa.Column("client_secret", sa.String(2000)),
        sa.Column("carrier_name", sa.String(50)),
        sa.Column("poll_every_seconds", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_pass_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text()),
        sa.Column("last_error_at", sa.DateTime(timezone=True)),
        sa.Column("errors", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("backoff_until", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("partner", name="pk_carrier_accounts"),
    )
    op.create_table(
        "carrier_polls",
        sa.Column("partner", sa.String(200), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("last_polled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("partner", "reference", name="pk_carrier_polls"),
    )
    op.create_index("ix_carrier_polls_partner_last_polled_at", "carrier_polls", ["partner", "last_polled_at"])


def downgrade() -> None:
    op.drop_index("ix_carrier_polls_partner_last_polled_at", table_name="carrier_polls")
    op.drop_table("carrier_polls")
    op.drop_table("carrier_accounts")
