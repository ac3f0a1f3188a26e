"""Production: a flow worker (`python -m flows.worker` against PREFECT_API_URL) that loses its
Prefect server carries on by itself when the server comes back: the alert queued while the
server was down is delivered after it returns, with nobody restarting the worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx

from flows.prefect_server import _spawn
from integrations.db.unit_of_work import uow_factory
from integrations.services.ingest import ingest_updates
from integrations.services.intake import open_complaint
from integrations.services.promises import record_promises
from tests.builders import complaint, spec, update
from tests.e2e.support import ROOT, free_port, reap_group
from tests.integration.receivers import HttpReceiver


def contradiction(db, tag: str) -> None:
    now = datetime.now(UTC)
    uow = uow_factory(db)
    case = open_complaint(uow, complaint(f"{tag}: colis laissé à un inconnu", now), "agent:t")
    record_promises(
        uow, case.case_id, [spec("parcel.deliver", "ups", tag, now + timedelta(days=1), recipient="Thomas Gouritin")], "agent:t"
    )
    ingest_updates(uow, [update("ups", tag, "delivered", now, signed_by="ROLAND")])


def start_prefect(home, port) -> subprocess.Popen:
    process = _spawn(home, port, home / "server.log")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.25)
    raise TimeoutError((home / "server.log").read_text()[-2000:])


def arrived(receiver: HttpReceiver, tag: str) -> bool:
    return any(tag in body["message"] for body in receiver.json_bodies())


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_a_worker_resumes_by_itself_when_its_prefect_server_returns(db, database_url, tmp_path):
    home = tmp_path / "prefect-server"
    home.mkdir()
    port = free_port()
    server = start_prefect(home, port)
    worker = None
    with HttpReceiver() as receiver:
        try:
            log_path = tmp_path / "worker.log"
            env = {
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "TERRAIN_DATABASE_URL": database_url,
                "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
                "PREFECT_HOME": str(tmp_path / "worker-home"),
                "TERRAIN_ALERT_URLS": f"json://127.0.0.1:{receiver.port}/alerts",
                "TERRAIN_ALERT_WATCH_SECONDS": "0",
            }  # a flow run per alert: each needs the server
            with open(log_path, "wb") as log:
                worker = subprocess.Popen(
                    [sys.executable, "-m", "flows.worker"],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            contradiction(db, "before")
            assert wait_for(lambda: arrived(receiver, "before"), 90), log_path.read_text()[-3000:]

            server.kill()
            server.wait(timeout=10)
            contradiction(db, "during")
            assert not wait_for(lambda: arrived(receiver, "during"), 8)  # no server, no flow run
            assert worker.poll() is None  # the worker waits for its server

            server = start_prefect(home, port)
            assert wait_for(lambda: arrived(receiver, "during"), 120), log_path.read_text()[-3000:]
            assert worker.poll() is None
        finally:
            if worker is not None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=60)
                finally:
                    reap_group(worker)
            server.kill()
            server.wait(timeout=10)
    assert sum(arrived_tag in body["message"] for body in receiver.json_bodies() for arrived_tag in ["during"]) == 1
