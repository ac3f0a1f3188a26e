"""What every command needs: settings, an engine (checked at the migration head for read-only commands), the console."""

from __future__ import annotations

import typer
from rich.console import Console
from sqlalchemy import Engine

from integrations import secret_box
from integrations.db.engine import engine_for
from integrations.settings import Settings, get_settings

console = Console(stderr=True)


def settings() -> Settings:
    return get_settings()


def engine() -> Engine:
    return engine_for(settings().sqlalchemy_url)


def read_only_engine() -> Engine:
    """For commands that only read: they never migrate, and say so when the schema is behind
    (exit status 2) instead of reading a schema they do not know."""
    from integrations.db.migrate import SchemaBehind, require_head

    ready = engine()
    try:
        require_head(ready)
    except SchemaBehind as behind:
        console.print(f"[red]{behind}[/]")
        raise typer.Exit(2) from None
    return ready


def ensure_secret_key() -> None:
    """The key that encrypts stored secrets: TERRAIN_SECRET_KEY, else <data dir>/secret.key, made
    now when absent. A malformed key stops the command with what to do."""
    try:
        secret_box.ensure_key()
    except secret_box.SecretKeyError as exc:
        console.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(1) from None
