"""kill -9 in the middle of work: nothing acknowledged is lost, no alert is sent twice."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from integrations.db import tables
from integrations.db.unit_of_work import uow_factory
from integrations.services.ingest import ingest_updates
from integrations.services.intake import open_complaint
from integrations.services.promises import record_promises
from tests.builders import complaint, spec, update
from tests.e2e.support import ROOT, reap_group
from tests.integration.receivers import HttpReceiver, free_port

DELIVER = "import asyncio; from flows.alert_delivery import alert_delivery; asyncio.run(alert_delivery())"


class BlackHole:
    """Accepts connections and never answers: a receiver that hangs mid-delivery."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_server(("127.0.0.1", port))
        self.connected = threading.Event()
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        try:
            while True:
                conn, _ = self.sock.accept()
                self.held.append(conn)
                self.connected.set()
        except OSError:
            pass

    def close(self) -> None:
        for conn in self.held:
            conn.close()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        except OSError:
            pass
        self.sock.close()


def test_kill_9_during_alert_delivery_then_restart_delivers_exactly_once(db, database_url, tmp_path):
    now = datetime.now(UTC)
    uow = uow_factory(db)
    case = open_complaint(uow, complaint("colis signé par un inconnu", now), "agent:t")
    record_promises(
        uow, case.case_id, [spec("parcel.deliver", "ups", "1Z", now + timedelta(days=1), recipient="Thomas Gouritin")], "agent:t"
    )
    ingest_updates(uow, [update("ups", "1Z", "delivered", now, signed_by="ROLAND")])
    port = free_port()
    env = {
        "TERRAIN_DATABASE_URL": database_url,
        "TERRAIN_ALERT_URLS": f"json://127.0.0.1:{port}/alerts",
        "TERRAIN_CLAIM_LEASE_SECONDS": "2",
        "PYTHONPATH": str(ROOT),
        "PREFECT_HOME": str(tmp_path / "p"),
        "PATH": os.environ["PATH"],
    }

    hole = BlackHole(port)
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115
    # Its own process group, so that kill -9 also takes the local Prefect server it started.
    worker = subprocess.Popen([sys.executable, "-c", DELIVER], cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    try:
        assert hole.connected.wait(180), (tmp_path / "worker.log").read_text()[-3000:]
        os.killpg(worker.pid, signal.SIGKILL)  # dies with the alert claimed and unsent
        worker.wait(timeout=10)
    finally:
        reap_group(worker)
        hole.close()
    with db.connect() as conn:
        row = conn.execute(select(tables.outbox)).one()
    assert (row.state, row.sent_at) == ("pending", None)  # not lost, not marked sent

    time.sleep(2.2)  # the dead worker's claim expires
    with HttpReceiver(port=port) as receiver:  # the receiver is back
        for _ in range(2):  # a second run after restart must not send it again
            run = subprocess.Popen(
                [sys.executable, "-c", DELIVER],
                cwd=ROOT,
                env=env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                assert run.wait(timeout=180) == 0
            finally:
                reap_group(run)
        assert len(receiver.requests) == 1
        assert case.case_id in receiver.json_bodies()[0]["message"]
    with db.connect() as conn:
        assert conn.execute(select(tables.outbox.c.state)).scalar() == "sent"
