"""Webhook secrets and partner action secrets encrypted at rest.

Rows written in plain text are encrypted here with the key of integrations/secret_box.py
(TERRAIN_SECRET_KEY, else <data dir>/secret.key, created now when neither exists); the columns
grow to hold a Fernet token. The code also reads a plain-text row as it is, so a row written by
an older process during a rolling upgrade still works (and is encrypted at the next upgrade or
when it is set again). Downgrade decrypts them back.

Revision ID: 0011_secrets_at_rest
Revises: 0009_suggestions
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_secrets_at_rest"
down_revision = "0009_suggestions"
branch_labels = None
depends_on = None

COLUMNS = (("partners", "action_secret", ("name",), True), ("webhook_secrets", "secret", ("partner", "provider"), False))


def _widen(length: int) -> None:
    # SQLite does not enforce VARCHAR lengths, but the declared type must still match the tables
    # (tests/integration/test_migrations.py compares types): a batch copy there, ALTER elsewhere.
    for table, column, _, nullable in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, type_=sa.String(length), existing_nullable=nullable)


def _rewrite(change) -> None:
    bind = op.get_bind()
    for table_name, column, keys, _ in COLUMNS:
        table = sa.table(table_name, sa.column(column), *(sa.column(k) for k in keys))
        rows = bind.execute(sa.select(table).where(table.c[column].is_not(None))).all()
        for row in rows:
            stored = row._mapping[column]
            new = change(stored)
            if new != stored:
                bind.execute(sa.update(table).where(*(table.c[k] == row._mapping[k] for k in keys)).values({column: new}))


def upgrade() -> None:
    from integrations import secret_box

    _widen(2000)
    _rewrite(lambda stored: stored if secret_box.is_encrypted(stored) else secret_box.encrypt(stored))


def downgrade() -> None:
    from integrations import secret_box

    _rewrite(secret_box.decrypt)
    _widen(500)
