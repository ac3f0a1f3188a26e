"""PostgreSQL crashes while partners post updates: 503s (never 500s or hangs), recovery without
anyone touching the API, and every acknowledged update still there after the crash.

The database is a throwaway cluster of the test's own (tests/e2e/pg_cluster.py), on its own
port: the machine's PostgreSQL is never stopped or restarted.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import create_engine, select, text

from integrations.db import credentials, tables
from integrations.db.engine import make_engine
from integrations.db.migrate import upgrade
from tests.e2e.pg_cluster import MACHINE_PORT, ThrowawayCluster
from tests.e2e.support import free_port, terrain, wait_http

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def cluster():
    own = ThrowawayCluster().init()
    try:
        own.start()
        yield own
    finally:
        own.destroy()


def test_an_acknowledged_update_survives_a_database_crash(cluster):
    assert cluster.port != MACHINE_PORT
    admin = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE terrain"))
    admin.dispose()
    url = cluster.url("terrain")
    upgrade(url)
    engine = make_engine(url)
    token = credentials.create_key(engine, "partner", "ups", datetime.now(UTC))
    engine.dispose()

    port = free_port()
    server = terrain("serve", "--port", str(port), "--no-migrate", env={"TERRAIN_DATABASE_URL": url})
    answers: list[tuple[str, int]] = []  # (event_id, status) in the order sent
    stop = threading.Event()

    def post_until_stopped() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30, headers={"Authorization": f"Bearer {token}"}) as http:
            n = 0
            while not stop.is_set():
                event_id = f"r{n}"
                status = http.post(
                    "/v1/updates",
                    json={
                        "event_id": event_id,
                        "reference": "1Z",
                        "status": "in_transit",
                        "occurred_at": datetime.now(UTC).isoformat(),
                    },
                ).status_code
                answers.append((event_id, status))
                n += 1

    def wait_for(condition, what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"{what} within {timeout}s; answers: {answers[-10:]}"
            time.sleep(0.05)

    poster = threading.Thread(target=post_until_stopped, daemon=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        poster.start()
        wait_for(lambda: sum(s == 200 for _, s in answers) >= 20, "20 updates acknowledged")
        cluster.crash()
        crashed_at = len(answers)
        wait_for(lambda: any(s == 503 for _, s in answers[crashed_at:]), "a 503 while the database is down")
        cluster.start()
        restarted_at = len(answers)
        wait_for(lambda: sum(s == 200 for _, s in answers[restarted_at:]) >= 5, "recovery on its own")
    finally:
        stop.set()
        poster.join(60)
        server.kill()
        server.wait(timeout=10)

    statuses = {s for _, s in answers}
    assert statuses <= {200, 503}, sorted(statuses)
    acknowledged = {event_id for event_id, status in answers if status == 200}
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            stored = set(conn.execute(select(tables.updates.c.event_id)).scalars())
    finally:
        engine.dispose()
    assert acknowledged <= stored, f"acknowledged but lost in the crash: {sorted(acknowledged - stored)[:10]}"
