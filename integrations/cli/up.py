"""`terrain up`: the main job on one machine — API, dashboard and flows, supervised."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import typer

from integrations import logging_setup
from integrations.cli.context import console, engine, ensure_secret_key, settings
from integrations.db import credentials
from integrations.db.migrate import upgrade
from integrations.db.unit_of_work import uow_factory
from integrations.services.clock import utc_now
from integrations.settings import UP_STATUS_FILE_ENV


def _log_to_stderr() -> None:
    """Terrain's own loggers (supervision, scheduler, alerts without a target) on standard error,
    in the process's log format (integrations/logging_setup.py: context, redaction)."""
    logging_setup.configure()
    logging.getLogger("terrain").setLevel(logging.INFO)


def _first_ops_key(base_url: str) -> None:
    """The dashboard URL, and the first ops key when there is none yet: printed once on standard
    output (never logged: stored hashed, it cannot be shown again)."""
    db = engine()
    if credentials.has_active_key(db, "ops"):
        console.print(f"Dashboard: {base_url}/ (log in with an ops key; `terrain keys create --role ops` makes one)")
        return
    token = credentials.create_key(db, "ops", None, utc_now())
    console.print(
        f"[bold]Dashboard: {base_url}/[/] — log in with this ops key, created now and shown only once "
        "(keep it; `terrain keys create --role ops` makes others):"
    )
    print(token, flush=True)


def _warn_without_alert_target() -> None:
    config = settings()
    if config.alert_urls.split():
        return
    which = "Alerts that no TERRAIN_ALERT_ROUTES entry takes" if config.alert_routes else "Alerts"
    console.print(
        f"[bold red]WARNING: no alert target is set (TERRAIN_ALERT_URLS is empty).[/] {which} are written "
        "to this log only, under 'terrain.alerts'. Set TERRAIN_ALERT_URLS to apprise URLs "
        "(mailto://…, slack://…, json://…) to reach the community managers.",
        highlight=False,
    )


def up(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    demo: bool = typer.Option(False, "--demo", help="load the seed stories as live cases first"),
) -> None:
    """Migrate, serve the API and dashboard, and run the flows on a local Prefect server
    (started under ./.terrain/prefect on a free port, or PREFECT_API_URL when it is set).
    What dies is started again (API, local Prefect server, flow loops: with backoff, logged);
    /readyz says what is not running. Ctrl-C or SIGTERM stops everything, children included."""
    _log_to_stderr()
    config = settings()
    ensure_secret_key()  # stored secrets are encrypted under it: made on first start
    upgrade(config.sqlalchemy_url)
    if demo:
        from integrations.demo import load_demo

        loaded = load_demo(uow_factory(engine()))
        console.print(f"demo: {len(loaded)} seed stories loaded" if loaded else "demo: already loaded")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    data_dir = Path(config.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    status_file = data_dir / f"up-{port}.status.json"
    status_file.unlink(missing_ok=True)
    base_url = f"http://{host}:{port}"
    env = {
        **os.environ,
        "TERRAIN_PUBLIC_URL": os.environ.get("TERRAIN_PUBLIC_URL", base_url),
        UP_STATUS_FILE_ENV: str(status_file),
    }

    def start_api() -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "integrations.cli.main", "serve", "--host", host, "--port", str(port), "--no-migrate"], env=env
        )

    # The API first: intake never waits on Prefect, not even on its start.
    api = start_api()
    prefect_server, ended, supervisor = None, True, None
    try:
        from flows import prefect_server as local_prefect

        _first_ops_key(base_url)
        _warn_without_alert_target()
        if not os.environ.get("PREFECT_API_URL"):
            console.print(f"API on {base_url}; starting the local Prefect server…")
        prefect_server = local_prefect.ensure()

        def restart_api() -> None:
            nonlocal api
            api = start_api()

        from integrations.cli.supervise import Supervised, Supervisor

        parts = [Supervised("the API", lambda: api.poll() is None, restart_api)]
        if prefect_server.started_here:
            parts.append(Supervised("the local Prefect server", prefect_server.alive, prefect_server.restart))
        from flows.scheduler import loop_status, run_forever

        supervisor = Supervisor(parts, status_file, loop_status, stop)
        supervisor.start()
        console.print(
            f"[bold green]Terrain is up[/]: {base_url}  (flows on {prefect_server.ui_url}, "
            f"sweep every {config.sweep_interval_seconds:g}s). Ctrl-C to stop."
        )
        if not stop.is_set():
            ended = run_forever(stop)
    finally:
        stop.set()
        if supervisor is not None:
            supervisor.join(timeout=30)
        api.terminate()
        try:
            api.wait(timeout=15)
        except subprocess.TimeoutExpired:
            api.kill()
        flushed = prefect_server.stop() if prefect_server is not None else True
        status_file.unlink(missing_ok=True)
        console.print("Terrain stopped.")
        if not (flushed and ended):  # Prefect's exit hooks would wait on the stopped server
            local_prefect.leave(0)


def register(app: typer.Typer) -> None:
    app.command("up")(up)
