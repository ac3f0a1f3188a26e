"""`terrain up`: the main job on one machine — API, dashboard and flows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import typer

from integrations.cli.context import console, engine, settings
from integrations.db.migrate import upgrade
from integrations.db.unit_of_work import uow_factory


def up(host: str = typer.Option("127.0.0.1", "--host"), port: int = typer.Option(8000, "--port"),
       demo: bool = typer.Option(False, "--demo", help="load the seed stories as live cases first")) -> None:
    """Migrate, serve the API and dashboard, and run the flows on a local Prefect server
    (or on PREFECT_API_URL when it is set). Ctrl-C or SIGTERM stops everything."""
    config = settings()
    upgrade(config.sqlalchemy_url)
    if demo:
        from integrations.demo import load_demo

        loaded = load_demo(uow_factory(engine()))
        console.print(f"demo: {len(loaded)} seed stories loaded" if loaded else "demo: already loaded")
    env = {**os.environ, "TERRAIN_PUBLIC_URL": os.environ.get("TERRAIN_PUBLIC_URL", f"http://{host}:{port}")}
    api = subprocess.Popen([sys.executable, "-m", "integrations.cli.main", "serve", "--host", host,
                            "--port", str(port), "--no-migrate"], env=env)
    where = os.environ.get("PREFECT_API_URL") or "a local Prefect server (started on first flow run)"
    console.print(f"[bold green]Terrain is up[/]: http://{host}:{port}  (flows on {where}, "
                  f"sweep every {config.sweep_interval_seconds:g}s). Ctrl-C to stop.")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        from flows.scheduler import run_forever

        run_forever(stop)
    finally:
        api.terminate()
        try:
            api.wait(timeout=15)
        except subprocess.TimeoutExpired:
            api.kill()
        console.print("Terrain stopped.")


def register(app: typer.Typer) -> None:
    app.command("up")(up)
