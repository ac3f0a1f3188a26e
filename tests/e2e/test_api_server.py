"""A real `terrain serve` process: what it acknowledged survives kill -9."""

from __future__ import annotations

import signal
from datetime import UTC, datetime

import httpx

from integrations.db import credentials
from tests.e2e.support import free_port, terrain, wait_http


def test_acknowledged_updates_survive_kill_9_and_redelivery_is_a_duplicate(db, database_url):
    now = datetime.now(UTC)
    agent = {"Authorization": f"Bearer {credentials.create_key(db, 'agent', None, now)}"}
    partner = {"Authorization": f"Bearer {credentials.create_key(db, 'partner', 'ups', now)}"}
    env = {"TERRAIN_DATABASE_URL": database_url}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = terrain("serve", "--port", str(port), "--no-migrate", env=env)
    try:
        wait_http(f"{base}/healthz")
        case = httpx.post(
            f"{base}/v1/complaints",
            headers=agent,
            json={"channel": "twitter", "external_id": "kill-1", "author": "@c", "text": "where?", "posted_at": now.isoformat()},
        ).json()
        httpx.post(
            f"{base}/v1/cases/{case['case_id']}/promises",
            headers=agent,
            json={
                "kind": "parcel.deliver",
                "partner": "ups",
                "reference": "1Z",
                "due_at": "2099-01-01T00:00:00Z",
                "expect": {"recipient": "Thomas Gouritin"},
            },
        ).raise_for_status()
        update = {
            "event_id": "evt-kill",
            "reference": "1Z",
            "status": "delivered",
            "occurred_at": now.isoformat(),
            "signed_by": "ROLAND",
        }
        answer = httpx.post(f"{base}/v1/updates", headers=partner, json=update)
        assert answer.json() == {"accepted": 1, "duplicates": 0, "matched": 1}
        server.send_signal(signal.SIGKILL)  # no shutdown, no flush: only what was committed remains
        server.wait(timeout=10)

        server = terrain("serve", "--port", str(port), "--no-migrate", env=env)
        wait_http(f"{base}/healthz")
        again = httpx.post(f"{base}/v1/updates", headers=partner, json=update)
        assert again.json() == {"accepted": 0, "duplicates": 1, "matched": 0}
        view = httpx.get(f"{base}/v1/cases/{case['case_id']}", headers=agent).json()
        assert view["status"] == "reopened"
        assert view["promises"][0]["reason"] == "wrong_recipient"
    finally:
        server.kill()
        server.wait(timeout=10)
