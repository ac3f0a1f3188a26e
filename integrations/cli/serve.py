"""`terrain serve`: the API (and dashboard) alone."""

from __future__ import annotations

import os
import tempfile
from collections.abc import MutableMapping
from pathlib import Path

import typer
import uvicorn

from integrations.cli.context import console, ensure_secret_key, settings
from integrations.db.migrate import upgrade


def metrics_directory(workers: int, environ: MutableMapping[str, str] | None = None) -> str | None:
    """Prometheus multiprocess mode under several workers: each process writes its figures to
    PROMETHEUS_MULTIPROC_DIR and /metrics sums them. A directory is made when none is given; a
    given one is emptied first (figures of a previous run would be summed too)."""
    env: MutableMapping[str, str] = os.environ if environ is None else environ
    given = env.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        Path(given).mkdir(parents=True, exist_ok=True)
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        return given
    if workers > 1:
        made = tempfile.mkdtemp(prefix="terrain-metrics-")
        env["PROMETHEUS_MULTIPROC_DIR"] = made
        return made
    return None


def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    workers: int = typer.Option(1, "--workers", min=1, help="API processes (stateless)"),
    migrate: bool = typer.Option(True, "--migrate/--no-migrate", help="migrate the database first"),
) -> None:
    """Serve the HTTP API and the dashboard."""
    ensure_secret_key()  # stored secrets are encrypted under it: made on first start
    if migrate:
        upgrade(settings().sqlalchemy_url)
    metrics_directory(workers)  # before any worker imports prometheus_client
    console.print(f"Terrain API on http://{host}:{port} ({workers} worker{'s' if workers > 1 else ''})")
    # Logging is Terrain's (integrations/logging_setup.py: JSON lines with the request id, and
    # its own access log), configured in each worker by the app factory: uvicorn's stays off.
    uvicorn.run(
        "integrations.api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        log_level="info",
        access_log=False,
        timeout_graceful_shutdown=10,
    )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
