"""`terrain up`: the main job on one machine — API, dashboard and flows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import typer

from integrations import secret_box
from integrations.cli.context import console, engine, settings
from integrations.db.migrate import upgrade
from integrations.db.unit_of_work import uow_factory


def up(host: str = typer.Option("127.0.0.1", "--host"), port: int = typer.Option(8000, "--port"),
       demo: bool = typer.Option(False, "--demo", help="load the seed stories as live cases first")) -> None:
    """Migrate, serve the API and dashboard, and run the flows on a local Prefect server
    (started under ./.terrain/prefect on a free port, or PREFECT_API_URL when it is set).
    Ctrl-C or SIGTERM stops everything, children included."""
    config = settings()
    secret_box.ensure_key()  # stored secrets are encrypted under it: made on first start
    upgrade(config.sqlalchemy_url)
    if demo:
        from integrations.demo import load_demo

        loaded = load_demo(uow_factory(engine()))
        console.print(f"demo: {len(loaded)} seed stories loaded" if loaded else "demo: already loaded")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    env = {**os.environ, "TERRAIN_PUBLIC_URL": os.environ.get("TERRAIN_PUBLIC_URL", f"http://{host}:{port}")}
    # The API first: intake never waits on Prefect, not even on its start.
    api = subprocess.Popen([sys.executable, "-m", "integrations.cli.main", "serve", "--host", host,
                            "--port", str(port), "--no-migrate"], env=env)
    prefect_server, ended = None, True
    try:
        from flows import prefect_server as local_prefect

        if not os.environ.get("PREFECT_API_URL"):
            console.print(f"API on http://{host}:{port}; starting the local Prefect server…")
        prefect_server = local_prefect.ensure()
        console.print(f"[bold green]Terrain is up[/]: http://{host}:{port}  (flows on {prefect_server.ui_url}, "
                      f"sweep every {config.sweep_interval_seconds:g}s). Ctrl-C to stop.")
        if not stop.is_set():
            from flows.scheduler import run_forever

            ended = run_forever(stop)
    finally:
        api.terminate()
        try:
            api.wait(timeout=15)
        except subprocess.TimeoutExpired:
            api.kill()
        flushed = prefect_server.stop() if prefect_server is not None else True
        console.print("Terrain stopped.")
        if not (flushed and ended):  # Prefect's exit hooks would wait on the stopped server
            local_prefect.leave(0)


def register(app: typer.Typer) -> None:
    app.command("up")(up)
