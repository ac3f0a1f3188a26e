"""What the flows need, built from settings when a flow runs (never at import)."""

from __future__ import annotations

from sqlalchemy import Engine

from integrations.db.engine import engine_for
from integrations.settings import Settings, get_settings


def settings() -> Settings:
    return get_settings()


def engine() -> Engine:
    return engine_for(settings().sqlalchemy_url)
