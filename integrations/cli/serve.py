"""`terrain serve`: the API (and dashboard) alone."""

from __future__ import annotations

import typer
import uvicorn

from integrations.cli.context import console, ensure_secret_key, settings
from integrations.db.migrate import upgrade


def serve(host: str = typer.Option("127.0.0.1", "--host"), port: int = typer.Option(8000, "--port"),
          workers: int = typer.Option(1, "--workers", min=1, help="API processes (stateless)"),
          migrate: bool = typer.Option(True, "--migrate/--no-migrate", help="migrate the database first")) -> None:
    """Serve the HTTP API and the dashboard."""
    ensure_secret_key()  # stored secrets are encrypted under it: made on first start
    if migrate:
        upgrade(settings().sqlalchemy_url)
    console.print(f"Terrain API on http://{host}:{port} ({workers} worker{'s' if workers > 1 else ''})")
    uvicorn.run("integrations.api.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="warning", access_log=False, timeout_graceful_shutdown=10)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
