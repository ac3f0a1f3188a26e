"""PostgreSQL restarted while partners post updates: 503s (never 500s or hangs), then recovery
without anyone touching the API."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from integrations.db import credentials
from tests.e2e.support import free_port, terrain, wait_http

pytestmark = pytest.mark.postgres_only


def restart_command() -> list[str] | None:
    versions = sorted(Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").exists() else []
    if os.geteuid() != 0 or not shutil.which("pg_ctlcluster") or not versions:
        return None
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1].name, "main", "restart"]


def test_restart_during_ingestion(db, database_url):
    command = restart_command()
    if command is None:
        pytest.skip("this machine does not let the test restart its PostgreSQL (needs root and pg_ctlcluster)")
    token = credentials.create_key(db, "partner", "ups", datetime.now(UTC))
    port = free_port()
    server = terrain("serve", "--port", str(port), "--no-migrate", env={"TERRAIN_DATABASE_URL": database_url})
    statuses: list[int] = []
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10,
                          headers={"Authorization": f"Bearer {token}"}) as http:
            def post(i: int) -> int:
                return http.post("/v1/updates", json={"event_id": f"r{i}", "reference": "1Z", "status": "in_transit",
                                                      "occurred_at": datetime.now(UTC).isoformat()}).status_code

            for i in range(20):
                statuses.append(post(i))
            restart = subprocess.Popen(command)
            i = 20
            while restart.poll() is None:
                statuses.append(post(i))
                i += 1
            assert restart.wait() == 0
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                code = post(i)
                i += 1
                statuses.append(code)
                if code == 200:
                    break
    finally:
        server.kill()
        server.wait(timeout=10)
    assert set(statuses) <= {200, 503}, sorted(set(statuses))
    assert statuses[-1] == 200  # recovered on its own
