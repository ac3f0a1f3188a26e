"""`terrain up` with a La Poste account set against a local server: the carrier is polled on
the account's schedule, a delivery keeps its promise and stops its polling, an unknown number
goes on being asked for; the key comes from the environment, never from the command line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from integrations.db import tables as t
from integrations.db.engine import make_engine
from integrations.db.migrate import upgrade
from integrations.db.unit_of_work import uow_factory
from integrations.services.intake import open_complaint
from integrations.services.promises import record_promises
from tests.builders import complaint, spec
from tests.carrier_server import KEY, CarrierServer
from tests.e2e.support import ROOT, free_port, terrain, wait_http

DELIVERED, UNKNOWN = "EW112720413FR", "6A99999999999"  # a recorded history; a number La Poste does not know


def account_errors(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(t.carrier_accounts.c.errors)).scalar_one()


def test_up_polls_a_carrier_on_its_schedule(tmp_path):
    url = f"sqlite:///{tmp_path / 'terrain.db'}"
    upgrade(url)
    engine = make_engine(url)
    uow, now = uow_factory(engine), datetime.now(UTC)
    for ref in (DELIVERED, UNKNOWN):
        case = open_complaint(uow, complaint(f"@lisalaposte où est {ref} ?", now), "agent")
        record_promises(
            uow,
            case.case_id,
            [spec("parcel.deliver", "colissimo", ref, now + timedelta(days=2), recipient="Claire Dupont")],
            "agent",
        )
    env = {
        "TERRAIN_DATABASE_URL": url,
        "TERRAIN_SWEEP_INTERVAL_SECONDS": "5",
        "TERRAIN_CARRIER_CHECK_SECONDS": "0.5",
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "LAPOSTE_KEY": KEY,
    }
    unknown_asked_at: list[float] = []  # when the server had seen each request for UNKNOWN (±0.1 s)
    with CarrierServer() as server:
        server.track(DELIVERED, f"laposte/{DELIVERED}.json")
        setup = terrain(
            "carriers",
            "set",
            "colissimo",
            "--carrier",
            "laposte",
            "--api-url",
            server.url,
            "--api-key",
            "env:LAPOSTE_KEY",
            "--poll-every",
            "3s",
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert setup.wait(timeout=60) == 0, setup.stdout.read()
        port = free_port()
        process = terrain("up", "--port", str(port), env=env, cwd=tmp_path)
        try:
            wait_http(f"http://127.0.0.1:{port}/healthz", timeout=60)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and len(unknown_asked_at) < 3:
                asked = sum(path.endswith(UNKNOWN) for _, path in server.requests)
                unknown_asked_at += [time.monotonic()] * (asked - len(unknown_asked_at))
                time.sleep(0.1)
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=60)
        assert code == 0
        asked = [path.rsplit("/", 1)[1] for _, path in server.requests]
    assert len(unknown_asked_at) >= 3
    gaps = [later - earlier for earlier, later in zip(unknown_asked_at, unknown_asked_at[1:], strict=False)]
    assert all(2.7 <= gap <= 15 for gap in gaps), gaps  # every 3 s (--poll-every), give or take a flow run
    assert asked.count(DELIVERED) == 1  # kept at the first pass: never asked again
    assert account_errors(engine) == 0  # the key was right (a wrong one is a 401, an auth error)
    with engine.connect() as conn:
        verdicts = dict(conn.execute(select(t.promises.c.reference, t.promises.c.verdict)).all())
        account = conn.execute(select(t.carrier_accounts)).one()
    assert verdicts == {DELIVERED: "kept", UNKNOWN: "pending"}
    assert account.last_pass_at is not None
    listed = subprocess.run(
        [sys.executable, "-m", "integrations.cli.main", "carriers", "list"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env, "COLUMNS": "250"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0 and "colissimo" in listed.stdout and "laposte" in listed.stdout
