"""Synthetic load for demos and benchmarks: realistic cases, promises and field updates.

Rows are generated with the domain's own rules (verdicts from `evaluate`, statuses from
`derive_status`) and bulk-inserted in chunks, bypassing the per-item use cases for speed.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Callable

from sqlalchemy import Engine

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
WORDS = ["Mon colis est bloqué au centre de tri depuis une semaine", "Toujours pas remboursé malgré mes relances",
         "Livré chez un voisin que je ne connais pas", "Produit arrivé cassé, échange refusé en magasin",
         "Where is my package? Tracking hasn't moved in 5 days", "Nobody called me back as promised"]


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
            out.append(FieldUpdate(partner=promise.partner, event_id=uuid.uuid4().hex, reference=promise.reference,
                                   status=status, occurred_at=at, **fields))

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


def seed(engine: Engine, cases: int, *, seed: int = 7, now: datetime | None = None, chunk: int = 2000,
         progress: Callable[[int], None] | None = None) -> SeedReport:
    rnd = random.Random(seed)
    now = now or datetime.now(UTC)
    report = SeedReport()
    for first in range(0, cases, chunk):
        rows: dict[str, list[dict]] = {"cases": [], "complaints": [], "promises": [], "updates": []}
        for _ in range(min(chunk, cases - first)):
            created = now - timedelta(days=rnd.uniform(0, 120))
            case = Case(case_id=str(uuid.uuid4()), created_at=created)
            promises: list[Promise] = []
            for _ in range(1 if rnd.random() < 0.75 else 2):
                partner = rnd.choice(list(PARTNERS))
                kinds, keep_rate = PARTNERS[partner]
                kind = rnd.choice(kinds)
                said = created + timedelta(minutes=rnd.randint(5, 600))
                if said > now:
                    said = now
                due = said + timedelta(hours=rnd.choice([1, 3, 24, 48, 72, 120]))
                promise = Promise(promise_id=str(uuid.uuid4()), case_id=case.case_id,
                                  kind=parse_kind(kind), partner=partner,
                                  reference=uuid.uuid4().hex[:16].upper(), due_at=due, expect=_expect(kind, rnd),
                                  said=None, created_at=said)
                updates = _updates(promise, rnd.random() < keep_rate, rnd, now)
                promise.outcome = evaluate(promise, updates, now)
                promises.append(promise)
                report.broken += promise.outcome.verdict.value == "broken"
                rows["updates"] += [{
                    "partner": u.partner, "event_id": u.event_id, "reference": u.reference, "status": u.status,
                    "occurred_at": u.occurred_at, "received_at": u.occurred_at, "location": u.location,
                    "address": None, "signed_by": u.signed_by, "amount": None, "currency": u.currency,
                    "detail": None} for u in updates]
            case.status = derive_status(case, promises)
            if case.status.value == "reopened":
                case.reopen_count = 1
            rows["cases"].append({"case_id": case.case_id, "status": case.status.value,
                                  "reopen_count": case.reopen_count, "customer_ref": f"cust-{rnd.randint(1, 10**7)}",
                                  "order_ref": None, "linked_to": None, "disputed": False, "created_at": created,
                                  "resolved_at": now if case.status.value == "resolved" else None,
                                  "closed_at": None, "status_changed_at": created})
            rows["complaints"].append({"case_id": case.case_id, "channel": rnd.choice(["twitter", "facebook"]),
                                       "external_id": uuid.uuid4().hex, "author": f"@{rnd.randint(1, 10**6)}",
                                       "text": rnd.choice(WORDS), "posted_at": created, "received_at": created,
                                       "customer_ref": None, "order_ref": None, "tracking_numbers": []})
            for p in promises:
                o = p.outcome
                rows["promises"].append({
                    "promise_id": p.promise_id, "case_id": p.case_id, "kind": p.kind.value, "partner": p.partner,
                    "reference": p.reference, "due_at": p.due_at, "expect": p.expect, "said": None,
                    "created_at": p.created_at, "verdict": o.verdict.value,
                    "reason": o.reason.value if o.reason else None, "fulfilled_at": o.fulfilled_at,
                    "evidence": o.evidence.evidence() if o.evidence else None, "verdict_at": now, "addressed": False})
        with engine.begin() as conn:
            for name in ("cases", "complaints", "promises", "updates"):
                if rows[name]:
                    conn.execute(getattr(t, name).insert(), rows[name])
        report.cases += len(rows["cases"])
        report.promises += len(rows["promises"])
        report.updates += len(rows["updates"])
        if progress:
            progress(len(rows["cases"]))
    return report
