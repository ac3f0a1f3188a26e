"""Schema management through Alembic: the only way the schema is created or changed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)
    if revision == "head":
        _fold_scorecards(url)


def _fold_scorecards(url: str) -> None:
    """Migration 0005 backfills existing promises as scorecard deltas: fold them now, so the
    first scorecard after an upgrade does not read them one by one."""
    from integrations.db.engine import make_engine
    from integrations.db.scorecard_stats import fold

    engine = make_engine(url)
    try:
        fold(engine)
    finally:
        engine.dispose()


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def head_revisions() -> set[str]:
    """The revisions the code expects (read from the migration scripts, no database)."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def current_revisions(connection) -> set[str]:
    """The revisions the database is at (empty when it was never migrated)."""
    from alembic.runtime.migration import MigrationContext

    return set(MigrationContext.configure(connection).get_current_heads())


class SchemaBehind(Exception):
    """The database is not at the code's migration head; `terrain db upgrade` brings it there."""


def require_head(engine) -> None:
    """For read-only commands, which never migrate: refuse clearly when the schema is behind."""
    with engine.connect() as conn:
        current = current_revisions(conn)
    heads = head_revisions()
    if current != heads:
        raise SchemaBehind(
            f"the database schema is at {', '.join(sorted(current)) or 'nothing (never migrated)'}, "
            f"the code expects {', '.join(sorted(heads))}: run `terrain db upgrade` first "
            "(this command is read-only and does not migrate)"
        )
