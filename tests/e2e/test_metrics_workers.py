"""`terrain serve --workers 2`: whichever worker answers /metrics, it counts every worker's requests."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
from prometheus_client.multiprocess import MultiProcessCollector

from integrations.db import credentials
from tests.e2e.support import free_port, terrain, wait_http

COUNTER = re.compile(r'terrain_updates_ingested_total\{partner="ups",result="accepted",status="in_transit"\} (\S+)')


def test_metrics_are_the_sum_of_every_worker(db, database_url, tmp_path):
    now = datetime.now(UTC)
    partner = {"Authorization": f"Bearer {credentials.create_key(db, 'partner', 'ups', now)}"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = terrain(
        "serve",
        "--port",
        str(port),
        "--workers",
        "2",
        "--no-migrate",
        env={"TERRAIN_DATABASE_URL": database_url, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)},
    )
    try:
        wait_http(f"{base}/readyz", timeout=60)
        sent = 40
        for i in range(sent):  # new connections: the kernel spreads them over both workers
            with httpx.Client() as client:
                client.post(
                    f"{base}/v1/updates",
                    headers=partner,
                    json={"event_id": f"mw-{i}", "reference": f"R{i}", "status": "in_transit", "occurred_at": now.isoformat()},
                ).raise_for_status()
        per_process = [
            value
            for path in tmp_path.glob("counter_*.db")
            for metric in MultiProcessCollector._read_metrics([str(path)]).values()
            for sample in metric.samples
            if sample.name == "terrain_updates_ingested_total" and (value := sample.value) > 0
        ]
        assert len(per_process) == 2 and sum(per_process) == sent  # both workers took some
        for _ in range(6):
            with httpx.Client() as client:
                [value] = COUNTER.findall(client.get(f"{base}/metrics").text)
            assert float(value) == sent
    finally:
        server.terminate()
        server.wait(timeout=20)
