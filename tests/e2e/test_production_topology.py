"""Two API processes and two flow workers on one PostgreSQL: every update processed once,
every alert and partner request sent once, nothing done twice."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from integrations.db import credentials
from tests.e2e.support import ROOT, free_port, reap_group, terrain, wait_http
from tests.integration.receivers import HttpReceiver

pytestmark = pytest.mark.postgres_only

CASES = 12


def test_two_apis_and_two_workers_do_no_double_work(db, database_url, tmp_path):
    now = datetime.now(UTC)
    agent = {"Authorization": f"Bearer {credentials.create_key(db, 'agent', None, now)}"}
    partner = {"Authorization": f"Bearer {credentials.create_key(db, 'partner', 'ups', now)}"}
    with HttpReceiver() as alerts, HttpReceiver() as actions:
        credentials.set_partner(db, "ups", f"http://127.0.0.1:{actions.port}/act", "s3cret", now)
        env = {
            "TERRAIN_DATABASE_URL": database_url,
            "TERRAIN_SWEEP_INTERVAL_SECONDS": "1",
            "TERRAIN_ALERT_URLS": f"json://127.0.0.1:{alerts.port}/alerts",
        }
        ports = [free_port(), free_port()]
        processes = [terrain("serve", "--port", str(port), "--no-migrate", env=env) for port in ports]
        for n in range(2):
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "flows.worker"],
                    cwd=ROOT,
                    start_new_session=True,
                    env={**os.environ, **env, "PYTHONPATH": str(ROOT), "PREFECT_HOME": str(tmp_path / f"prefect{n}")},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        try:
            bases = [f"http://127.0.0.1:{port}" for port in ports]
            for base in bases:
                wait_http(f"{base}/healthz")
            for i in range(CASES):
                base = bases[i % 2]
                case = httpx.post(
                    f"{base}/v1/complaints",
                    headers=agent,
                    json={
                        "channel": "twitter",
                        "external_id": f"topo-{i}",
                        "author": "@c",
                        "text": f"colis {i} perdu",
                        "posted_at": now.isoformat(),
                    },
                ).json()
                due = datetime.now(UTC) + (timedelta(seconds=3) if i % 2 else timedelta(days=1))
                httpx.post(
                    f"{base}/v1/cases/{case['case_id']}/promises",
                    headers=agent,
                    json={
                        "kind": "parcel.deliver",
                        "partner": "ups",
                        "reference": f"1Z{i}",
                        "due_at": due.isoformat(),
                        "expect": {"recipient": "Thomas Gouritin"},
                    },
                ).raise_for_status()
            # The even cases are contradicted; every update is delivered to both APIs (at least once).
            batch = {
                "updates": [
                    {
                        "event_id": f"topo-evt-{i}",
                        "reference": f"1Z{i}",
                        "status": "delivered",
                        "occurred_at": now.isoformat(),
                        "signed_by": "ROLAND",
                    }
                    for i in range(0, CASES, 2)
                ]
            }
            answers = [httpx.post(f"{base}/v1/updates", headers=partner, json=batch).json() for base in bases]
            assert sorted(a["accepted"] for a in answers) == [0, CASES // 2]
            deadline = time.monotonic() + 150
            while (len(alerts.requests) < CASES or len(actions.requests) < CASES) and time.monotonic() < deadline:
                time.sleep(0.5)
            time.sleep(3)  # room for a duplicate to show up, if there were one
        finally:
            for process in processes:
                process.terminate()  # a worker stops its loops, then the Prefect server it started
            for process in processes:
                is_worker = process.args[:3] == [sys.executable, "-m", "flows.worker"]
                try:
                    process.wait(timeout=60)
                finally:
                    reap_group(process) if is_worker else process.kill()
        messages = [body["message"] for body in alerts.json_bodies()]
        assert len(messages) == CASES  # half contradicted, half past their deadline: one alert each
        assert sum("wrong recipient" in m for m in messages) == CASES // 2  # the alert's words (TERRAIN_LANGUAGE=en)
        assert sum("deadline missed" in m for m in messages) == CASES // 2
        promise_ids = Counter(r["headers"]["Idempotency-Key"] for r in actions.requests)
        assert len(promise_ids) == CASES and set(promise_ids.values()) == {1}
