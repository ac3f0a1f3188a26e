"""`terrain up --demo` on a fresh SQLite file: live cases, alerts flowing, clean stop on SIGTERM."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime

import httpx

from integrations.db import credentials
from integrations.db.engine import make_engine
from tests.e2e.support import free_port, terrain, wait_http
from tests.integration.receivers import HttpReceiver


def test_up_demo_serves_live_cases_and_alerts_flow(tmp_path):
    url = f"sqlite:///{tmp_path / 'terrain.db'}"
    port = free_port()
    with HttpReceiver() as receiver:
        env = {"TERRAIN_DATABASE_URL": url, "TERRAIN_SWEEP_INTERVAL_SECONDS": "1",
               "TERRAIN_ALERT_URLS": f"json://127.0.0.1:{receiver.port}/alerts",
               "PREFECT_HOME": str(tmp_path / "prefect")}
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
            stuck = httpx.get(f"http://127.0.0.1:{port}/v1/ops/stuck",
                              headers={"Authorization": f"Bearer {ops}"}).json()["items"]
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
