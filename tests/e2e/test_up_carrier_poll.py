"""`terrain up` with a La Poste account set against a local server: the carrier is polled on
the account's schedule, a delivery keeps its promise and stops its polling, an unknown number
goes on being asked for, and the key never appears on a command line or in `carriers list`."""

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
from tests.e2e.support import ROOT, free_port, terrain, wait_http
from tests.scripted_http import ScriptedServer, recorded

DELIVERED, UNKNOWN = "EW112720413FR", "6A99999999999"
KEY = "okapi-e2e-key"


def answer(seen):
    if seen.headers.get("x-okapi-key") != KEY:
        return 401, {}, b'{"code": "UNAUTHORIZED"}'
    if seen.path == f"/suivi/v2/idships/{DELIVERED}?lang=fr_FR":
        return 200, {}, recorded("laposte", f"{DELIVERED}.json")
    return 400, {}, recorded("laposte", "error-400-invalid-number.json")


def test_up_polls_a_carrier_on_its_schedule(tmp_path):
    url = f"sqlite:///{tmp_path / 'terrain.db'}"
    upgrade(url)
    engine = make_engine(url)
    uow, now = uow_factory(engine), datetime.now(UTC)
    for ref in (DELIVERED, UNKNOWN):
        case = open_complaint(uow, complaint(f"@lisalaposte où est {ref} ?", now), "agent")
        record_promises(uow, case.case_id, [spec("parcel.deliver", "colissimo", ref, now + timedelta(days=2),
                                                 recipient="Claire Dupont")], "agent")
    env = {"TERRAIN_DATABASE_URL": url, "TERRAIN_SWEEP_INTERVAL_SECONDS": "5",
           "TERRAIN_CARRIER_CHECK_SECONDS": "0.5", "PREFECT_HOME": str(tmp_path / "prefect"), "LAPOSTE_KEY": KEY}
    with ScriptedServer(answer) as server:
        setup = terrain("carriers", "set", "colissimo", "--carrier", "laposte", "--api-url", server.url,
                        "--api-key", "env:LAPOSTE_KEY", "--poll-every", "3s", env=env, cwd=tmp_path,
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert setup.wait(timeout=60) == 0, setup.stdout.read()
        port = free_port()
        process = terrain("up", "--port", str(port), env=env, cwd=tmp_path)
        try:
            wait_http(f"http://127.0.0.1:{port}/healthz", timeout=60)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and len(server.paths(f"/suivi/v2/idships/{UNKNOWN}")) < 3:
                time.sleep(0.5)
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=60)
        assert code == 0
    asked = [(r.path.split("?")[0].rsplit("/", 1)[1]) for r in server.requests]
    assert asked.count(UNKNOWN) >= 3
    times = [r.at for r in server.requests if UNKNOWN in r.path]
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert all(2.9 <= gap <= 15 for gap in gaps), gaps  # every 3 s (--poll-every), give or take a flow run
    assert asked.count(DELIVERED) == 1  # kept at the first pass: never asked again
    assert {r.headers["x-okapi-key"] for r in server.requests} == {KEY}
    with engine.connect() as conn:
        verdicts = dict(conn.execute(select(t.promises.c.reference, t.promises.c.verdict)).all())
        account = conn.execute(select(t.carrier_accounts)).one()
    assert verdicts == {DELIVERED: "kept", UNKNOWN: "pending"}
    assert account.last_pass_at is not None and account.errors == 0
    listed = subprocess.run([sys.executable, "-m", "integrations.cli.main", "carriers", "list"], cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(ROOT), **env, "COLUMNS": "250"},
                            capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0 and "colissimo" in listed.stdout and KEY not in listed.stdout + listed.stderr
