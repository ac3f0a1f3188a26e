"""What every command needs: settings, a migrated engine, the console."""

from __future__ import annotations

from rich.console import Console
from sqlalchemy import Engine

from integrations.db.engine import engine_for
from integrations.settings import Settings, get_settings

console = Console(stderr=True)


def settings() -> Settings:
    return get_settings()


def engine() -> Engine:
    return engine_for(settings().sqlalchemy_url)
