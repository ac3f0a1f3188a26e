"""Synthetic load for demos and benchmarks: realistic cases, promises and field updates.

Rows are generated with the domain's own rules (verdicts from `evaluate`, statuses from
`derive_status`) and bulk-inserted in chunks, bypassing the per-item use cases for speed.
"""

from __future__ import annotations

import csv
import io
import itertools
import queue
import random
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Callable

import orjson
from sqlalchemy import Connection, Engine, Table

from domain.lifecycle import derive_status
from domain.model import Case, FieldUpdate, Promise, parse_kind
from domain.verdicts import evaluate
from integrations.db import tables as t

PARTNERS = {  # partner -> (kinds it handles, probability that it keeps a promise)
    "laposte": (["parcel.reroute", "parcel.deliver"], 0.78),
    "ups": (["parcel.deliver", "parcel.reroute"], 0.86),
    "colissimo": (["parcel.deliver"], 0.74),
    "stripe": (["refund.issue"], 0.93),
    "fnac-ternes": (["item.replace", "callback"], 0.70),
    "mortons": (["callback"], 0.97),
}
PLACES = ["Lille Vauban", "Paris Ternes", "Lyon Part-Dieu", "Marseille Joliette", "Nantes Commerce"]
NAMES = ["Thomas Gouritin", "Claire Maoui", "Arnaud Rofidal", "Youssef Rahoui", "Peter Shankman"]
WORDS = [
    "Mon colis est bloqué au centre de tri depuis une semaine",
    "Toujours pas remboursé malgré mes relances",
    "Livré chez un voisin que je ne connais pas",
    "Produit arrivé cassé, échange refusé en magasin",
    "Where is my package? Tracking hasn't moved in 5 days",
    "Nobody called me back as promised",
]


_ids = random.Random()  # seeded by the OS: ids differ between runs, the shape of the data does not
# Ids start with a sequence that grows across runs (microseconds at import, then +1 per id), like
# UUIDv7 or a carrier's tracking numbers: B-tree inserts land on the right-hand pages, so a
# million cases load at a steady rate instead of slowing down as random keys miss the cache.
_sequence = itertools.count(time.time_ns() // 1000)


def _hex(digits: int) -> str:
    """`digits` hex characters: the sequence (13 of them), then random ones."""
    head = f"{next(_sequence):013x}"
    return (
        (head + f"{_ids.getrandbits(max(0, digits - 13) * 4):0{max(0, digits - 13)}x}")[:digits]
        if digits > 13
        else f"{_ids.getrandbits(digits * 4):0{digits}x}"
    )


def _uuid() -> str:
    """A time-ordered UUID string (the sequence first, then random bits; version 7 layout)."""
    sequence = next(_sequence)  # < 2**60: 48 bits, the version, 12 bits, the variant, 62 random bits
    value = ((sequence >> 12) << 80) | (0x7 << 76) | ((sequence & 0xFFF) << 64) | (0x2 << 62) | _ids.getrandbits(62)
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass
class SeedReport:
    cases: int = 0
    promises: int = 0
    updates: int = 0
    broken: int = 0


def _expect(kind: str, rnd: random.Random) -> dict[str, str]:
    if kind == "parcel.reroute":
        return {"location": f"Bureau de poste {rnd.choice(PLACES)}"}
    if kind == "parcel.deliver":
        return {"recipient": rnd.choice(NAMES)}
    if kind == "refund.issue":
        return {"amount": f"{rnd.randint(5, 300)}.{rnd.randint(0, 99):02d}", "currency": "EUR"}
    return {}


def _updates(promise: Promise, keeps: bool, rnd: random.Random, now: datetime) -> list[FieldUpdate]:
    start, due = promise.created_at or now, promise.due_at
    out = []

    def add(status: str, at: datetime, **fields) -> None:
        if at <= now:
            out.append(
                FieldUpdate(
                    partner=promise.partner,
                    event_id=_hex(32),
                    reference=promise.reference,
                    status=status,
                    occurred_at=at,
                    **fields,
                )
            )

    kind = promise.kind.value
    middle = start + (due - start) * rnd.uniform(0.1, 0.6)
    if kind.startswith("parcel"):
        add("in_transit", middle, location="Centre de tri Lesquin")
    if not keeps and rnd.random() < 0.5:
        return out  # silence: the deadline will break it
    at = start + (due - start) * rnd.uniform(0.5, 0.95)
    if kind == "parcel.reroute":
        location = promise.expect["location"] if keeps else "Centre de tri Lesquin"
        add("available_for_pickup", at, location=location)
    elif kind == "parcel.deliver":
        add("delivered", at, signed_by=promise.expect["recipient"] if keeps else "ROLAND")
    elif kind == "refund.issue":
        add("refund_succeeded" if keeps else "refund_failed", at, amount=None, currency="EUR")
    else:
        add("done" if keeps else "failed", at)
    return out


def _made_at(item: Case | Promise) -> datetime:
    """When a seeded case or promise was made: _generate gives every one its time."""
    assert item.created_at is not None
    return item.created_at


def _timeline(case: Case, promises: list[Promise], updates: list[FieldUpdate], complaint: dict, now: datetime) -> list[dict]:
    """The history the service layer would have written: complaint, promises, status changes,
    field updates and verdicts, in time order."""
    entries: list[tuple[datetime, str, str, dict]] = [
        (
            _made_at(case),
            "complaint",
            "agent:seed",
            {k: complaint[k] for k in ("channel", "external_id", "author", "text")} | {"posted_at": _made_at(case).isoformat()},
        )
    ]
    first_said = min(_made_at(p) for p in promises)
    entries.append((first_said, "status", "agent:seed", {"from": "open", "to": "in_progress", "reason": None}))
    for p in promises:
        entries.append(
            (
                _made_at(p),
                "promise",
                "agent:seed",
                {
                    "promise_id": p.promise_id,
                    "kind": p.kind.value,
                    "partner": p.partner,
                    "reference": p.reference,
                    "due_at": p.due_at.isoformat(),
                    "expect": p.expect,
                    "said": p.said,
                },
            )
        )
    for u in updates:
        entries.append((u.occurred_at, "field_update", f"partner:{u.partner}", u.evidence()))
    decided_at = []
    for p in promises:
        o = p.outcome
        if o.verdict.value == "pending":
            continue
        at = o.evidence.occurred_at if o.evidence else p.due_at
        at = min(max(at, _made_at(p)), now)
        decided_at.append((at, p))
        entries.append(
            (
                at,
                "verdict",
                "system:verdicts",
                {
                    "promise_id": p.promise_id,
                    "from": "pending",
                    "verdict": o.verdict.value,
                    "reason": o.reason.value if o.reason else None,
                    "fulfilled_at": o.fulfilled_at.isoformat() if o.fulfilled_at else None,
                    "evidence": o.evidence.evidence() if o.evidence else None,
                },
            )
        )
    status = case.status.value
    broken = [(at, p) for at, p in decided_at if p.outcome.unaddressed_break]
    if (status == "reopened" and broken) or (status == "resolved" and decided_at):
        if status == "reopened":
            at = min(at for at, _ in broken)
            reason = ",".join(sorted({p.outcome.reason.value for _, p in broken if p.outcome.reason}))
            evidence = [
                {"promise_id": p.promise_id, "verdict": "broken", "reason": p.outcome.reason.value}
                for _, p in broken
                if p.outcome.reason
            ]
        else:
            at, reason, evidence = max(at for at, _ in decided_at), None, []
        entries.append(
            (
                at,
                "status",
                "system:verdicts",
                {"from": "in_progress", "to": status, "reason": reason, "reopen_count": case.reopen_count, "evidence": evidence},
            )
        )
    entries.sort(key=lambda entry: entry[0])
    return [
        {"case_id": case.case_id, "at": at, "type": kind, "actor": actor, "detail": detail} for at, kind, actor, detail in entries
    ]


def seed(
    engine: Engine,
    cases: int,
    *,
    seed: int = 7,
    now: datetime | None = None,
    chunk: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> SeedReport:
    """Insert `cases` synthetic cases, `chunk` cases per transaction (executemany of Core
    inserts). A writer thread inserts one chunk while the next is generated: the driver's
    network waits release the GIL, so generation and insertion overlap on two cores."""
    rnd = random.Random(seed)
    now = now or datetime.now(UTC)
    report = SeedReport()
    pending: queue.Queue = queue.Queue(maxsize=2)
    failure: list[BaseException] = []

    def writer() -> None:
        while (rows := pending.get()) is not None:
            if failure:
                continue
            try:
                with engine.begin() as conn:
                    for name in ("cases", "complaints", "promises", "updates", "timeline"):
                        if rows[name]:
                            _insert(conn, getattr(t, name), rows[name])
            except BaseException as error:  # reported in the calling thread
                failure.append(error)
                continue
            if progress:
                progress(len(rows["cases"]))

    thread = threading.Thread(target=writer, name="seed-writer", daemon=True)
    thread.start()
    try:
        _generate(rnd, now, cases, chunk, report, pending, failure)
    finally:
        pending.put(None)
        thread.join()
    if failure:
        raise failure[0]
    return report


def _insert(conn: Connection, table: Table, rows: list[dict]) -> None:
    """Bulk insert: COPY on PostgreSQL (about 4x a multi-row INSERT, the JSON encoded by
    orjson), a Core executemany elsewhere."""
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), rows)
        return
    columns = [c.name for c in table.columns if c.name in rows[0]]
    buffer = io.StringIO()
    write = csv.writer(buffer).writerow
    for row in rows:
        write([_copy_value(row[name]) for name in columns])
    buffer.seek(0)
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None  # a Connection in use holds its DB-API connection
    # Any: psycopg2's cursor (this branch is PostgreSQL only), a context manager with copy_expert,
    # neither of which SQLAlchemy's DBAPICursor protocol declares.
    raw: Any = dbapi.cursor()
    with raw as cursor:
        cursor.copy_expert(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer)


def _copy_value(value: Any) -> Any:
    if value is None:
        return "\\N"
    if isinstance(value, (dict, list)):
        return orjson.dumps(value).decode()
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _generate(
    rnd: random.Random, now: datetime, cases: int, chunk: int, report: SeedReport, pending: queue.Queue, failure: list
) -> None:
    for first in range(0, cases, chunk):
        if failure:
            return
        rows: dict[str, list[dict]] = {"cases": [], "complaints": [], "promises": [], "updates": [], "timeline": []}
        for _ in range(min(chunk, cases - first)):
            created = now - timedelta(days=rnd.uniform(0, 120))
            case = Case(case_id=_uuid(), created_at=created)
            promises: list[Promise] = []
            case_updates: list[FieldUpdate] = []
            for _ in range(1 if rnd.random() < 0.75 else 2):
                partner = rnd.choice(list(PARTNERS))
                kinds, keep_rate = PARTNERS[partner]
                kind = rnd.choice(kinds)
                said = created + timedelta(minutes=rnd.randint(5, 600))
                if said > now:
                    said = now
                due = said + timedelta(hours=rnd.choice([1, 3, 24, 48, 72, 120]))
                promise = Promise(
                    promise_id=_uuid(),
                    case_id=case.case_id,
                    kind=parse_kind(kind),
                    partner=partner,
                    reference=_hex(16).upper(),
                    due_at=due,
                    expect=_expect(kind, rnd),
                    said=None,
                    created_at=said,
                )
                updates = _updates(promise, rnd.random() < keep_rate, rnd, now)
                promise.outcome = evaluate(promise, updates, now)
                promises.append(promise)
                report.broken += promise.outcome.verdict.value == "broken"
                case_updates += updates
                rows["updates"] += [
                    {
                        "partner": u.partner,
                        "event_id": u.event_id,
                        "reference": u.reference,
                        "status": u.status,
                        "occurred_at": u.occurred_at,
                        "received_at": u.occurred_at,
                        "location": u.location,
                        "address": None,
                        "signed_by": u.signed_by,
                        "amount": None,
                        "currency": u.currency,
                        "detail": None,
                    }
                    for u in updates
                ]
            case.status = derive_status(case, promises)
            if case.status.value == "reopened":
                case.reopen_count = 1
            rows["cases"].append(
                {
                    "case_id": case.case_id,
                    "status": case.status.value,
                    "reopen_count": case.reopen_count,
                    "customer_ref": f"cust-{rnd.randint(1, 10**7)}",
                    "order_ref": None,
                    "linked_to": None,
                    "disputed": False,
                    "created_at": created,
                    "resolved_at": now if case.status.value == "resolved" else None,
                    "closed_at": None,
                    "status_changed_at": created,
                }
            )
            complaint = {
                "case_id": case.case_id,
                "channel": rnd.choice(["twitter", "facebook"]),
                "external_id": _hex(32),
                "author": f"@{rnd.randint(1, 10**6)}",
                "text": rnd.choice(WORDS),
                "posted_at": created,
                "received_at": created,
                "customer_ref": None,
                "order_ref": None,
                "tracking_numbers": [],
            }
            rows["complaints"].append(complaint)
            rows["timeline"] += _timeline(case, promises, case_updates, complaint, now)
            for p in promises:
                o = p.outcome
                rows["promises"].append(
                    {
                        "promise_id": p.promise_id,
                        "case_id": p.case_id,
                        "kind": p.kind.value,
                        "partner": p.partner,
                        "reference": p.reference,
                        "due_at": p.due_at,
                        "expect": p.expect,
                        "said": None,
                        "created_at": p.created_at,
                        "verdict": o.verdict.value,
                        "reason": o.reason.value if o.reason else None,
                        "fulfilled_at": o.fulfilled_at,
                        "evidence": o.evidence.evidence() if o.evidence else None,
                        "verdict_at": now,
                        "addressed": False,
                    }
                )
        report.cases += len(rows["cases"])
        report.promises += len(rows["promises"])
        report.updates += len(rows["updates"])
        pending.put(rows)
