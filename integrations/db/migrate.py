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
