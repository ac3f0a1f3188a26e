"""Benchmark: batches of 1,000 updates through the service layer vs a raw multi-row INSERT.

Both run in the same process, on the same fresh PostgreSQL database, in the same run, so the
ratio holds whatever the machine. Not a test: it prints figures for the README.

    python scripts/bench_ingest.py [--batches 30] [--url postgresql+psycopg2://...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, datetime, timedelta

import psycopg2
import psycopg2.extras
from scratch_db import scratch_database  # noqa: I001  (beside this script)

from domain.model import Complaint, FieldUpdate
from integrations.db.engine import make_engine
from integrations.db.unit_of_work import uow_factory
from integrations.services.ingest import ingest_updates
from integrations.services.intake import open_complaint
from integrations.services.promises import PromiseSpec, record_promises

T0 = datetime.now(UTC)
STATUSES = ["in_transit", "out_for_delivery", "delivered", "available_for_pickup"]


def make_batch(batch: int, size: int, refs: int, handoffs: bool = False) -> list[FieldUpdate]:
    """With `handoffs`, every update that keeps a promise (one in ten concerns one) hands the
    parcel over to another carrier's reference: a follow-on step per promise kept."""
    out = []
    for i in range(size):
        data = {
            "event_id": f"b{batch}-{i}{'-h' if handoffs else ''}",
            "reference": f"REF{(batch * size + i) % refs}",
            "status": STATUSES[i % len(STATUSES)],
            "occurred_at": T0 + timedelta(seconds=i),
            "location": "Centre de tri Lille Lesquin",
        }
        if handoffs and data["status"] in ("delivered", "available_for_pickup"):
            data["handoff"] = {"partner": "carrier2", "reference": f"H{batch}-{i}"}
        out.append(FieldUpdate.create("carrier", data))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--url", default=os.environ.get("TERRAIN_BENCH_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
    )
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--promised", type=int, default=2000, help="references that carry a promise")
    args = parser.parse_args()

    with scratch_database(args.url) as url:
        engine = make_engine(url)
        uow = uow_factory(engine)
        # Some references carry promises, so part of every batch matches and is judged.
        for i in range(args.promised // 10):
            case = open_complaint(
                uow,
                Complaint.create(
                    {
                        "channel": "twitter",
                        "external_id": f"bench-{i}",
                        "author": "@c",
                        "text": "where is my parcel",
                        "posted_at": T0,
                    }
                ),
                "bench",
                lambda: T0,
            )
            record_promises(
                uow,
                case.case_id,
                [
                    PromiseSpec(
                        "parcel.reroute",
                        "carrier",
                        f"REF{i * 10 + j}",
                        T0 + timedelta(days=2),
                        {"location": "Bureau de poste Lille Vauban"},
                    )
                    for j in range(10)
                ],
                "bench",
                lambda: T0,
            )
        refs = args.promised * 10  # one update in ten concerns a promise

        batches = [make_batch(b, args.size, refs) for b in range(args.batches)]
        service_times = []
        for batch in batches:
            start = time.perf_counter()
            ingest_updates(uow, batch, lambda: T0)
            service_times.append(time.perf_counter() - start)
        # The same load again on other event ids, keeping updates now handing over (steps created).
        handoff_times = []
        for batch in [make_batch(b, args.size, refs, handoffs=True) for b in range(args.batches)]:
            start = time.perf_counter()
            ingest_updates(uow, batch, lambda: T0)
            handoff_times.append(time.perf_counter() - start)
        with engine.connect() as conn:
            steps = conn.exec_driver_sql("SELECT count(*) FROM promises WHERE parent_id IS NOT NULL").scalar()

        raw = psycopg2.connect(url.replace("postgresql+psycopg2", "postgresql"))
        raw_times = []
        with raw, raw.cursor() as cur:
            cur.execute("CREATE TABLE raw_updates (LIKE updates INCLUDING ALL)")
        for b in range(args.batches):
            rows = [
                (
                    u.partner,
                    u.event_id,
                    u.reference,
                    u.status,
                    u.occurred_at,
                    T0,
                    u.location,
                    u.address,
                    u.signed_by,
                    u.amount,
                    u.currency,
                    u.detail,
                )
                for u in make_batch(b + 10_000, args.size, refs)
            ]
            start = time.perf_counter()
            with raw, raw.cursor() as cur:
                psycopg2.extras.execute_values(
                    cur,
                    "INSERT INTO raw_updates (partner, event_id, reference, "
                    "status, occurred_at, received_at, location, address, "
                    "signed_by, amount, currency, detail) VALUES %s",
                    rows,
                    page_size=args.size,
                )
            raw_times.append(time.perf_counter() - start)
        raw.close()
        engine.dispose()

    service_rate = args.size * len(service_times) / sum(service_times)
    raw_rate = args.size * len(raw_times) / sum(raw_times)
    print(f"batches of {args.size} updates, {args.batches} batches, 1 in 10 concerning a promise")
    print(f"service layer : {service_rate:10,.0f} updates/s  (median batch {statistics.median(service_times) * 1000:.1f} ms)")
    print(f"raw INSERT    : {raw_rate:10,.0f} updates/s  (median batch {statistics.median(raw_times) * 1000:.1f} ms)")
    print(f"ratio         : {service_rate / raw_rate:.2f}  (target >= 0.2)")
    handoff_rate = args.size * len(handoff_times) / sum(handoff_times)
    print(
        f"with handoffs : {handoff_rate:10,.0f} updates/s  ({steps:,} follow-on steps created; "
        f"ratio {handoff_rate / raw_rate:.2f}, target >= 0.2)"
    )


if __name__ == "__main__":
    main()
