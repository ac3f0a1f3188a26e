"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("partner", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_keys_token_hash")),
    )
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reopen_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("customer_ref", sa.String(length=200), nullable=True),
        sa.Column("order_ref", sa.String(length=200), nullable=True),
        sa.Column("linked_to", sa.String(length=36), nullable=True),
        sa.Column("disputed", sa.Boolean(), server_default=sa.text("(false)"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_cases")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_customer_ref", ["customer_ref"], unique=False)
        batch_op.create_index("ix_cases_order_ref", ["order_ref"], unique=False)
        batch_op.create_index(
            "ix_cases_resolved_at_resolved",
            ["resolved_at"],
            unique=False,
            postgresql_where=sa.text("status = 'resolved'"),
            sqlite_where=sa.text("status = 'resolved'"),
        )

    op.create_table(
        "partners",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("action_url", sa.String(length=2000), nullable=True),
        sa.Column("action_secret", sa.String(length=500), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_partners")),
    )
    op.create_table(
        "updates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("partner", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("signed_by", sa.String(length=200), nullable=True),
        sa.Column("amount", sa.String(length=40), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_updates")),
        sa.UniqueConstraint("partner", "event_id", name=op.f("uq_updates_partner_event_id")),
    )
    with op.batch_alter_table("updates", schema=None) as batch_op:
        batch_op.create_index("ix_updates_partner_reference", ["partner", "reference"], unique=False)

    op.create_table(
        "webhook_secrets",
        sa.Column("partner", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("secret", sa.String(length=500), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("partner", "provider", name=op.f("pk_webhook_secrets")),
    )
    op.create_table(
        "complaints",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("customer_ref", sa.String(length=200), nullable=True),
        sa.Column("order_ref", sa.String(length=200), nullable=True),
        sa.Column("tracking_numbers", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"], name=op.f("fk_complaints_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
        sa.UniqueConstraint("channel", "external_id", name=op.f("uq_complaints_channel_external_id")),
    )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index("ix_complaints_case_id", ["case_id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("promise_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"], name=op.f("fk_outbox_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_next_attempt_at_pending",
            ["next_attempt_at"],
            unique=False,
            postgresql_where=sa.text("state = 'pending'"),
            sqlite_where=sa.text("state = 'pending'"),
        )

    op.create_table(
        "promises",
        sa.Column("promise_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("partner", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expect", sa.JSON(), nullable=False),
        sa.Column("said", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("fulfilled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column("verdict_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("addressed", sa.Boolean(), server_default=sa.text("(false)"), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"], name=op.f("fk_promises_case_id_cases")),
        sa.PrimaryKeyConstraint("promise_id", name=op.f("pk_promises")),
    )
    with op.batch_alter_table("promises", schema=None) as batch_op:
        batch_op.create_index("ix_promises_case_id", ["case_id"], unique=False)
        batch_op.create_index(
            "ix_promises_due_at_pending",
            ["due_at"],
            unique=False,
            postgresql_where=sa.text("verdict = 'pending'"),
            sqlite_where=sa.text("verdict = 'pending'"),
        )
        batch_op.create_index(
            "ix_promises_due_at_unaddressed",
            ["due_at"],
            unique=False,
            postgresql_where=sa.text("verdict = 'broken' AND NOT addressed AND fulfilled_at IS NULL"),
            sqlite_where=sa.text("verdict = 'broken' AND NOT addressed AND fulfilled_at IS NULL"),
        )
        batch_op.create_index("ix_promises_partner_created_at", ["partner", "created_at"], unique=False)
        batch_op.create_index("ix_promises_partner_reference", ["partner", "reference"], unique=False)

    op.create_table(
        "timeline",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"], name=op.f("fk_timeline_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline")),
    )
    with op.batch_alter_table("timeline", schema=None) as batch_op:
        batch_op.create_index("ix_timeline_case_id_id", ["case_id", "id"], unique=False)
        batch_op.create_index("ix_timeline_type_id", ["type", "id"], unique=False)

    op.create_table(
        "outbound_requests",
        sa.Column("promise_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("partner", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"], name=op.f("fk_outbound_requests_case_id_cases")),
        sa.ForeignKeyConstraint(["promise_id"], ["promises.promise_id"], name=op.f("fk_outbound_requests_promise_id_promises")),
        sa.PrimaryKeyConstraint("promise_id", name=op.f("pk_outbound_requests")),
    )
    with op.batch_alter_table("outbound_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbound_requests_next_attempt_at_pending",
            ["next_attempt_at"],
            unique=False,
            postgresql_where=sa.text("state = 'pending'"),
            sqlite_where=sa.text("state = 'pending'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("outbound_requests", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_outbound_requests_next_attempt_at_pending",
            postgresql_where=sa.text("state = 'pending'"),
            sqlite_where=sa.text("state = 'pending'"),
        )

    op.drop_table("outbound_requests")
    with op.batch_alter_table("timeline", schema=None) as batch_op:
        batch_op.drop_index("ix_timeline_type_id")
        batch_op.drop_index("ix_timeline_case_id_id")

    op.drop_table("timeline")
    with op.batch_alter_table("promises", schema=None) as batch_op:
        batch_op.drop_index("ix_promises_partner_reference")
        batch_op.drop_index("ix_promises_partner_created_at")
        batch_op.drop_index(
            "ix_promises_due_at_unaddressed",
            postgresql_where=sa.text("verdict = 'broken' AND NOT addressed AND fulfilled_at IS NULL"),
            sqlite_where=sa.text("verdict = 'broken' AND NOT addressed AND fulfilled_at IS NULL"),
        )
        batch_op.drop_index(
            "ix_promises_due_at_pending",
            postgresql_where=sa.text("verdict = 'pending'"),
            sqlite_where=sa.text("verdict = 'pending'"),
        )
        batch_op.drop_index("ix_promises_case_id")

    op.drop_table("promises")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_outbox_next_attempt_at_pending",
            postgresql_where=sa.text("state = 'pending'"),
            sqlite_where=sa.text("state = 'pending'"),
        )

    op.drop_table("outbox")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index("ix_complaints_case_id")

    op.drop_table("complaints")
    op.drop_table("webhook_secrets")
    with op.batch_alter_table("updates", schema=None) as batch_op:
        batch_op.drop_index("ix_updates_partner_reference")

    op.drop_table("updates")
    op.drop_table("partners")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_cases_resolved_at_resolved",
            postgresql_where=sa.text("status = 'resolved'"),
            sqlite_where=sa.text("status = 'resolved'"),
        )
        batch_op.drop_index("ix_cases_order_ref")
        batch_op.drop_index("ix_cases_customer_ref")

    op.drop_table("cases")
    op.drop_table("api_keys")
