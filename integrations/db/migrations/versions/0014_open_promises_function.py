"""The open promises naming some references, as a PL/pgSQL function (PostgreSQL only).

Every ingest asks PostgreSQL which open promises name the references it just stored. As a plain
statement, PostgreSQL plans that join of promises (a dozen indexes), cases and the references
anew on each call: about 0.25 ms of the database's CPU per transaction, more than the lock,
insert and commit together. PL/pgSQL keeps the plan of the function's query for the session:
about 0.08 ms. The query itself stays the repository's (integrations/db/repositories.py,
`SqlPromiseRepository.for_references`), which SQLite runs as a statement.

Revision ID: 0014_open_promises
Revises: 0012_carrier_accounts
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0014_open_promises"
down_revision = "0012_carrier_accounts"
branch_labels = None
depends_on = None

# STABLE: it reads the snapshot of the statement that calls it, which ingest takes after the
# reference locks (a separate statement), so it sees every promise recorded before them.
CREATE = """
CREATE OR REPLACE FUNCTION terrain_open_promises(partners text[], refs text[])
RETURNS SETOF promises LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
    SELECT p.* FROM promises p
    JOIN cases c ON c.case_id = p.case_id
    JOIN unnest(partners, refs) AS r(partner, reference) ON p.partner = r.partner AND p.reference = r.reference
    WHERE c.status <> 'closed';
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CREATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS terrain_open_promises(text[], text[])")
