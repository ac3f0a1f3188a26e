"""The local Prefect server of `terrain up` and `python -m flows.worker` on the embedded default.

When PREFECT_API_URL is set, that server is used and nothing is started. Otherwise
`prefect server start` runs as a child process on a free port of 127.0.0.1, with PREFECT_HOME
(its SQLite database, logs) under ./.terrain/prefect unless PREFECT_HOME says otherwise, and is
terminated when Terrain stops. Call `ensure()` before anything imports prefect: Prefect reads
its settings from the environment once, at import.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

DEFAULT_HOME = Path(".terrain") / "prefect"
# Terrain's loops start their flow runs themselves: the server-side services that schedule
# deployments, chase late runs or watch workers only cost CPU here. Kept: the UI, and the
# services that record task runs and events so the UI shows every run.
IDLE_SERVICES = (
    "SCHEDULER",
    "LATE_RUNS",
    "FOREMAN",
    "CANCELLATION_CLEANUP",
    "PAUSE_EXPIRATIONS",
    "REPOSSESSOR",
    "DB_VACUUM",
    "TRIGGERS",
    "CLEANUP_RECONCILER",
    "EVENT_LOGGER",
)


class LocalPrefectServer:
    def __init__(
        self,
        api_url: str,
        process: subprocess.Popen | None,
        log_path: Path | None,
        home: Path | None = None,
        port: int | None = None,
    ) -> None:
        self.api_url = api_url
        self.process = process
        self.log_path = log_path
        self.home = home
        self.port = port

    @property
    def ui_url(self) -> str:
        return self.api_url.removesuffix("/api")

    @property
    def started_here(self) -> bool:
        return self.process is not None

    def alive(self) -> bool:
        """The server this process started still runs (a server it did not start is not its to watch)."""
        return self.process is None or self.process.poll() is None

    def restart(self, timeout: float = 120.0) -> None:
        """Start the server again on the same port and home: this process (and Prefect's client,
        which read PREFECT_API_URL at import) keep talking to the same URL, and the runs recorded
        so far are kept. Raises RuntimeError when it does not come up (the caller retries)."""
        if self.process is None or self.home is None or self.port is None:
            return
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = _spawn(self.home, self.port, self.log_path or self.home / "server.log")
        _wait_healthy(self, timeout)

    def stop(self, timeout: float = 20.0) -> bool:
        """Flush what Prefect still has to send (run logs, events), then terminate the server this
        process started (SIGTERM, then SIGKILL). Returns False when Prefect could not flush: its
        exit hooks would then wait forever on a server that is gone, so the caller should leave
        with os._exit once its own work is done (see `leave`)."""
        flushed = drain_prefect()
        if self.process is None or self.process.poll() is not None:
            return flushed
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        return flushed


def drain_prefect(timeout: float = 10.0) -> bool:
    """Send the run logs and events Prefect has queued; True when everything went."""
    if "prefect" not in sys.modules:
        return True
    import concurrent.futures

    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    pending: set = set()
    for service in (APILogWorker, EventsWorker):
        try:
            drained = service.drain_all(timeout=timeout)
        except Exception:  # nothing to drain, or already stopped
            continue
        if not isinstance(drained, tuple):  # a coroutine (called inside a running event loop): not awaited here
            continue
        _, not_done = drained
        pending |= {f for f in not_done if isinstance(f, concurrent.futures.Future)}
    return not pending


def leave(code: int = 0) -> None:
    """Exit now, skipping exit hooks that would wait on a Prefect server that is gone."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(server: LocalPrefectServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            break
        try:
            if httpx.get(f"{server.api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    if server.process is not None and server.process.poll() is None:
        server.process.kill()
        server.process.wait(timeout=10)
    tail = server.log_path.read_text(errors="replace")[-2000:] if server.log_path and server.log_path.exists() else ""
    raise RuntimeError(f"the local Prefect server did not start within {timeout:g}s\n{tail}")


def ensure(timeout: float = 120.0) -> LocalPrefectServer:
    """Use PREFECT_API_URL, or start a local Prefect server and point this process at it."""
    if os.environ.get("PREFECT_API_URL"):
        return LocalPrefectServer(os.environ["PREFECT_API_URL"], None, None)
    if "prefect" in sys.modules:
        raise RuntimeError("prefect was imported before its server was chosen: call ensure() first")
    home = Path(os.environ.get("PREFECT_HOME") or DEFAULT_HOME).resolve()
    home.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    log_path = home / "server.log"
    server = LocalPrefectServer(api_url, _spawn(home, port, log_path), log_path, home, port)
    _wait_healthy(server, timeout)
    os.environ["PREFECT_HOME"] = str(home)
    os.environ["PREFECT_API_URL"] = api_url
    return server


def _spawn(home: Path, port: int, log_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
        **{f"PREFECT_SERVER_SERVICES_{name}_ENABLED": "false" for name in IDLE_SERVICES},
    }
    env.pop("PREFECT_API_URL", None)
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
