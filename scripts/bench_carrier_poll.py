"""Benchmark: one carrier polling pass over 10,000 references with pending promises, against a
local carrier server (in its own process) answering at the carrier's real paths with a recorded
answer, on a fresh PostgreSQL database.

Two passes over the same references, same client, threads and chunks, in the same run:
- the poll: due references from the database, request, read the answer into updates (mapping),
  ingest them (dedupe, verdicts, one transaction per chunk), record the poll times;
- the baseline: the same requests only, no mapping and no storing.
The ratio says what mapping and storing cost on top of asking the carrier.

    python scripts/bench_carrier_poll.py [--references 10000] [--carrier laposte] [--workers 8]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from scratch_db import scratch_database  # noqa: E402

from domain.model import Complaint  # noqa: E402
from integrations.carriers import polling, registry  # noqa: E402
from integrations.carriers.http import HttpxGateway  # noqa: E402
from integrations.db import credentials  # noqa: E402
from integrations.db.carrier_polls import SqlCarrierPollStore  # noqa: E402
from integrations.db.engine import make_engine  # noqa: E402
from integrations.db.unit_of_work import uow_factory  # noqa: E402
from integrations.services.intake import open_complaint  # noqa: E402
from integrations.services.promises import PromiseSpec, record_promises  # noqa: E402
from integrations.settings import Settings  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "carriers"
# Recorded answers, the tracking number in them replaced by each reference asked for.
RECORDED = {"laposte": (FIXTURES / "laposte" / "EW112720413FR.json", "EW112720413FR")}
T0 = datetime(2023, 2, 17, 12, 0, tzinfo=UTC)  # before the recorded history starts


def answer_for(carrier: str, reference: str) -> bytes:
    if carrier in RECORDED:
        path, number = RECORDED[carrier]
        return path.read_text().replace(number, reference).encode()
    from tests.fake_carriers import events_body  # the JSON test carrier

    return events_body(
        {"id": "1", "status": "in_transit", "at": "2023-02-18T12:27:00+01:00", "code": "ET2"},
        {"id": "2", "status": "delivered", "at": "2023-03-09T09:38:00+01:00", "code": "DI1"},
    )


def serve(carrier: str, port_out) -> None:
    cache: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

        def do_GET(self) -> None:  # noqa: N802
            reference = self.path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1].split("=")[-1]
            body = cache.get(reference) or answer_for(carrier, reference)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_out.put(server.server_address[1])
    server.serve_forever()


def seed(engine, partner: str, references: int) -> None:
    uow = uow_factory(engine)
    for i in range(references // 10):
        case = open_complaint(
            uow,
            Complaint.create(
                {"channel": "twitter", "external_id": f"bench-{i}", "author": "@c", "text": "où est mon colis ?", "posted_at": T0}
            ),
            "bench",
            lambda: T0,
        )
        record_promises(
            uow,
            case.case_id,
            [
                PromiseSpec(
                    "parcel.deliver", partner, f"BENCH{i * 10 + j:07d}FR", T0 + timedelta(days=30), {"recipient": "Claire Dupont"}
                )
                for j in range(10)
            ],
            "bench",
            lambda: T0,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--url", default=os.environ.get("TERRAIN_BENCH_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
    )
    parser.add_argument("--references", type=int, default=10_000)
    parser.add_argument("--carrier", default="laposte")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--chunk", type=int, default=200)
    args = parser.parse_args()
    if args.carrier == "jsoncarrier":
        from tests.fake_carriers import JsonCarrier

        registry.PULL_ADAPTERS["jsoncarrier"] = JsonCarrier()
    adapter = registry.get_adapter(args.carrier)

    ports = multiprocessing.get_context("spawn").Queue()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(args.carrier, ports), daemon=True)
    server.start()
    api_url = f"http://127.0.0.1:{ports.get(timeout=30)}"
    try:
        with scratch_database(args.url) as url:
            engine = make_engine(url)
            started = time.perf_counter()
            seed(engine, "bench-carrier", args.references)
            print(f"seeded {args.references} references with pending promises in {time.perf_counter() - started:.0f}s")
            credentials.set_carrier_account(
                engine,
                "bench-carrier",
                adapter.name,
                api_url,
                api_key="bench",
                client_id="bench",
                client_secret="bench",
                poll_every_seconds=900,
                now=T0,
            )
            account = SqlCarrierPollStore(engine).accounts("bench-carrier")[0]
            settings = Settings(
                database_url=url, carrier_default_rate=1e9, carrier_poll_workers=args.workers, carrier_poll_chunk=args.chunk
            )
            poller = polling.build_poller(engine, settings, clock=lambda: T0 + timedelta(days=1))
            references = SqlCarrierPollStore(engine).due_references("bench-carrier", T0 + timedelta(days=1), args.references)
            assert len(references) == args.references, len(references)

            # Baseline: the same requests on the same client and threads, no mapping, no storing.
            gateway = HttpxGateway()
            credentials_ = {"api_key": "bench", "access_token": "bench"}

            def ask(reference: str) -> int:
                return len(gateway.send(adapter.tracking_request(api_url, reference, credentials_)).body)

            with ThreadPoolExecutor(args.workers) as pool:
                list(pool.map(ask, references[:200]))  # warm the connections
                started = time.perf_counter()
                for i in range(0, len(references), args.chunk):
                    list(pool.map(ask, references[i : i + args.chunk]))
                fetch_only = time.perf_counter() - started

            started = time.perf_counter()
            report = poller.poll_account(account)
            full = time.perf_counter() - started
            assert report.fetched == args.references and not report.errors, report.summary()
    finally:
        server.terminate()

    print(report.summary())
    result = {
        "carrier": args.carrier,
        "references": args.references,
        "workers": args.workers,
        "chunk": args.chunk,
        "poll_seconds": round(full, 2),
        "references_per_second": round(args.references / full),
        "mapped_updates": report.mapped,
        "mapped_updates_per_second": round(report.mapped / full),
        "fetch_only_seconds": round(fetch_only, 2),
        "fetch_only_references_per_second": round(args.references / fetch_only),
        "ratio_poll_to_fetch_only": round(full / fetch_only, 2),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
