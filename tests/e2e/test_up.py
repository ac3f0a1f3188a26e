"""`terrain up --demo` on a fresh SQLite file: live cases, alerts flowing, clean stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from integrations.db import credentials
from integrations.db.engine import make_engine
from tests.conftest import is_postgres
from tests.e2e.support import free_port, reap_group, terrain, wait_http
from tests.integration.receivers import HttpReceiver


def test_up_demo_serves_live_cases_and_alerts_flow(tmp_path):
    url = f"sqlite:///{tmp_path / 'terrain.db'}"
    port = free_port()
    with HttpReceiver() as receiver:
        env = {
            "TERRAIN_DATABASE_URL": url,
            "TERRAIN_SWEEP_INTERVAL_SECONDS": "1",
            "TERRAIN_ALERT_URLS": f"json://127.0.0.1:{receiver.port}/alerts",
            "PREFECT_HOME": str(tmp_path / "prefect"),
        }
        process = terrain("up", "--demo", "--port", str(port), env=env, cwd=tmp_path)
        try:
            wait_http(f"http://127.0.0.1:{port}/healthz", timeout=60)
            deadline = time.monotonic() + 90
            while len(receiver.requests) < 3 and time.monotonic() < deadline:
                time.sleep(0.5)
            # UPS signed by ROLAND, FNAC's refused exchange, Private Outlet's lost parcel.
            assert len(receiver.requests) >= 3
            messages = " ".join(body["message"] for body in receiver.json_bodies())
            assert "ROLAND" in messages and "échange refusé" in messages
            engine = make_engine(url)
            ops = credentials.create_key(engine, "ops", None, datetime.now(UTC))
            stuck = httpx.get(f"http://127.0.0.1:{port}/v1/ops/stuck", headers={"Authorization": f"Bearer {ops}"}).json()["items"]
            assert {item["partner"] for item in stuck} >= {"ups", "fnac-ternes", "colissimo"}
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=30)
        assert code == 0
        # The API child is gone with it.
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            still_up = True
        except httpx.HTTPError:
            still_up = False
        assert not still_up


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def prefect_server_pid(up_pid: int) -> int | None:
    return next((c for c in children(up_pid) if "prefect server start" in cmdline(c)), None)


def wait_for(predicate, timeout: float, every: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(every)
    return None


def post_contradiction(base: str, agent: str, partner: str, tag: str) -> None:
    with httpx.Client(base_url=base, timeout=10) as http:
        case = http.post(
            "/v1/complaints",
            headers={"Authorization": f"Bearer {agent}"},
            json={
                "channel": "twitter",
                "external_id": tag,
                "author": "@c",
                "text": f"{tag}: où est mon colis ?",
                "posted_at": datetime.now(UTC).isoformat(),
            },
        )
        case.raise_for_status()
        http.post(
            f"/v1/cases/{case.json()['case_id']}/promises",
            headers={"Authorization": f"Bearer {agent}"},
            json={
                "kind": "parcel.deliver",
                "partner": "ups",
                "reference": tag,
                "due_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
                "expect": {"recipient": "Thomas Gouritin"},
            },
        ).raise_for_status()
        http.post(
            "/v1/updates",
            headers={"Authorization": f"Bearer {partner}"},
            json={
                "event_id": tag,
                "reference": tag,
                "status": "delivered",
                "signed_by": "ROLAND",
                "occurred_at": datetime.now(UTC).isoformat(),
            },
        ).raise_for_status()


@pytest.mark.skipif(is_postgres(), reason="runs on a SQLite file of its own: once, in the SQLite pass")
def test_a_killed_prefect_server_is_restarted_and_the_alert_queued_meanwhile_arrives(tmp_path):
    url = f"sqlite:///{tmp_path / 'terrain.db'}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with HttpReceiver() as receiver:
        env = {
            "TERRAIN_DATABASE_URL": url,
            "TERRAIN_ALERT_URLS": f"json://127.0.0.1:{receiver.port}/alerts",
            "PREFECT_HOME": str(tmp_path / "prefect"),
            "TERRAIN_DATA_DIR": str(tmp_path / "data"),
            # A flow run per alert (none stays watching): the alert needs a Prefect server to leave.
            "TERRAIN_ALERT_WATCH_SECONDS": "0",
            "PREFECT_API_URL": "",
        }
        log_path = tmp_path / "up.log"
        with open(log_path, "wb") as log:
            process = terrain(
                "up", "--port", str(port), env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            wait_http(f"{base}/healthz", timeout=60)
            engine = make_engine(url)
            agent = credentials.create_key(engine, "agent", None, datetime.now(UTC))
            partner = credentials.create_key(engine, "partner", "ups", datetime.now(UTC))
            assert wait_for(lambda: httpx.get(f"{base}/readyz").status_code == 200, 120), log_path.read_text()
            first = prefect_server_pid(process.pid)
            assert first is not None
            post_contradiction(base, agent, partner, "before")  # flows are live: warm
            assert wait_for(lambda: len(receiver.requests) >= 1, 60), log_path.read_text()

            os.kill(first, signal.SIGKILL)
            # Readiness says so while it is down; the contradiction is stored (2xx) meanwhile.
            down = wait_for(lambda: httpx.get(f"{base}/readyz").status_code == 503, 20, every=0.1)
            post_contradiction(base, agent, partner, "during")
            assert down, "readiness never reported the dead Prefect server"
            restarted_at = arrived_at = None
            deadline = time.monotonic() + 150
            while time.monotonic() < deadline and not (restarted_at and arrived_at):
                if restarted_at is None and prefect_server_pid(process.pid) not in (None, first):
                    restarted_at = time.monotonic()
                if arrived_at is None and any("during" in b["message"] for b in receiver.json_bodies()):
                    arrived_at = time.monotonic()
                time.sleep(0.1)
            assert restarted_at and arrived_at, log_path.read_text()[-3000:]
            assert arrived_at >= restarted_at  # delivered by the restarted server's flow runs
            assert wait_for(lambda: any("during" in b["message"] for b in receiver.json_bodies()), 150), log_path.read_text()[
                -3000:
            ]
            assert wait_for(lambda: httpx.get(f"{base}/readyz").status_code == 200, 60)
            logged = log_path.read_text()
            assert "the local Prefect server is not running; starting it again" in logged
            assert "the local Prefect server started again (restart 1)" in logged
            assert sum("during" in b["message"] for b in receiver.json_bodies()) == 1

            # The API process too: started again on the same port.
            api = next(c for c in children(process.pid) if " serve " in cmdline(c))
            os.kill(api, signal.SIGKILL)
            assert wait_for(
                lambda: (pid := next((c for c in children(process.pid) if " serve " in cmdline(c)), None)) and pid != api, 30
            )
            wait_http(f"{base}/healthz", timeout=60)
            assert "the API is not running; starting it again" in log_path.read_text()
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                assert process.wait(timeout=60) == 0
            finally:
                reap_group(process)
