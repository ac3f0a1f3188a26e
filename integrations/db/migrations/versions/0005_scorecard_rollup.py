"""Scorecards from a maintained aggregate instead of a scan of every promise.

At 1,000,000 cases the scorecards read 1.25 M promises per request (2.5 s p95). Now triggers on
`promises` append every change of partner, created_at, verdict, reason or fulfilled_at to
`scorecard_deltas` (-1 for the old state, +1 for the new), and integrations/db/scorecard_stats.py
folds those rows into per-day counts (`scorecard_days`) and time-to-keep histograms
(`keep_time_days`). Deltas are insert-only, so concurrent ingests never queue on a shared
counter row. Triggers rather than application code so that no writer (the seeder's COPY, a
manual fix in psql) can leave the aggregate behind.

Existing promises are backfilled as deltas; `integrations.db.migrate.upgrade` folds them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = "partner, created_at, verdict, reason, fulfilled_at"
CHANGED_PG = (
    "(OLD.partner, OLD.created_at, OLD.verdict, OLD.reason, OLD.fulfilled_at) IS DISTINCT FROM "
    "(NEW.partner, NEW.created_at, NEW.verdict, NEW.reason, NEW.fulfilled_at)"
)
CHANGED_SQLITE = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in COLUMNS.split(", "))


def _row(prefix: str, sign: int) -> str:
    return "(" + ", ".join(f"{prefix}.{c}" for c in COLUMNS.split(", ")) + f", {sign})"


POSTGRES_UP = [
    # Statement-level with a transition table for inserts: a COPY of a million promises costs
    # one INSERT … SELECT, not a million trigger calls.
    f"""CREATE FUNCTION scorecard_deltas_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO scorecard_deltas ({COLUMNS}, sign) SELECT {COLUMNS}, 1 FROM new_rows;
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION scorecard_deltas_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO scorecard_deltas ({COLUMNS}, sign) SELECT {COLUMNS}, -1 FROM old_rows;
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION scorecard_deltas_updated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO scorecard_deltas ({COLUMNS}, sign) VALUES {_row("OLD", -1)}, {_row("NEW", 1)};
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER promises_scorecard_insert AFTER INSERT ON promises REFERENCING NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION scorecard_deltas_inserted()""",
    """CREATE TRIGGER promises_scorecard_delete AFTER DELETE ON promises REFERENCING OLD TABLE AS old_rows
       FOR EACH STATEMENT EXECUTE FUNCTION scorecard_deltas_deleted()""",
    # A queue table: rows come and go all day; vacuum it after a few thousand dead rows, not
    # after 20% of a table that is nearly always small.
    """ALTER TABLE scorecard_deltas SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,
       autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 5000)""",
    # Row-level for updates: only the rows whose scorecard columns changed leave a trace.
    f"""CREATE TRIGGER promises_scorecard_update AFTER UPDATE ON promises FOR EACH ROW
       WHEN ({CHANGED_PG}) EXECUTE FUNCTION scorecard_deltas_updated()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS promises_scorecard_update ON promises",
    "DROP TRIGGER IF EXISTS promises_scorecard_delete ON promises",
    "DROP TRIGGER IF EXISTS promises_scorecard_insert ON promises",
    "DROP FUNCTION IF EXISTS scorecard_deltas_updated()",
    "DROP FUNCTION IF EXISTS scorecard_deltas_deleted()",
    "DROP FUNCTION IF EXISTS scorecard_deltas_inserted()",
]
SQLITE_UP = [
    f"""CREATE TRIGGER promises_scorecard_insert AFTER INSERT ON promises BEGIN
        INSERT INTO scorecard_deltas ({COLUMNS}, sign) VALUES {_row("NEW", 1)};
    END""",
    f"""CREATE TRIGGER promises_scorecard_delete AFTER DELETE ON promises BEGIN
        INSERT INTO scorecard_deltas ({COLUMNS}, sign) VALUES {_row("OLD", -1)};
    END""",
    f"""CREATE TRIGGER promises_scorecard_update AFTER UPDATE OF {COLUMNS} ON promises
        WHEN {CHANGED_SQLITE} BEGIN
        INSERT INTO scorecard_deltas ({COLUMNS}, sign) VALUES {_row("OLD", -1)}, {_row("NEW", 1)};
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS promises_scorecard_update",
    "DROP TRIGGER IF EXISTS promises_scorecard_delete",
    "DROP TRIGGER IF EXISTS promises_scorecard_insert",
]
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_index("ix_promises_created_at", "promises", ["created_at"])
    op.create_table(
        "scorecard_deltas",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("partner", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("fulfilled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sign", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scorecard_deltas")),
    )
    op.create_index("ix_scorecard_deltas_created_at", "scorecard_deltas", ["created_at"])
    op.create_table(
        "scorecard_days",
        sa.Column("partner", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("promises", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("partner", "day", "verdict", "reason", name=op.f("pk_scorecard_days")),
    )
    op.create_table(
        "keep_time_days",
        sa.Column("partner", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("promises", sa.BigInteger(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("partner", "day", "bucket", name=op.f("pk_keep_time_days")),
    )
    for statement in POSTGRES_UP if op.get_bind().dialect.name == "postgresql" else SQLITE_UP:
        op.execute(statement)
    op.execute(f"INSERT INTO scorecard_deltas ({COLUMNS}, sign) SELECT {COLUMNS}, 1 FROM promises")


def downgrade() -> None:
    for statement in POSTGRES_DOWN if op.get_bind().dialect.name == "postgresql" else SQLITE_DOWN:
        op.execute(statement)
    op.drop_table("keep_time_days")
    op.drop_table("scorecard_days")
    op.drop_index("ix_scorecard_deltas_created_at", "scorecard_deltas")
    op.drop_table("scorecard_deltas")
    op.drop_index("ix_promises_created_at", "promises")
