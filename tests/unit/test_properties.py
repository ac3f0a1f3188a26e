"""Properties: arrival order never changes a verdict or a case status; repeats change nothing."""

import os
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.model import Case, FieldUpdate, Promise
from domain.reconcile import reevaluate
from domain.verdicts import evaluate

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DUE = T0 + timedelta(hours=24)
NOW = T0 + timedelta(hours=30)
# `run.py mutate` runs these once per mutant: fewer examples there (exact unit tests do the rest).
EXAMPLES = int(os.environ.get("TERRAIN_PROPERTY_EXAMPLES", "300"))

PROMISES = [
    Promise.create(promise_id="reroute", case_id="c", kind="parcel.reroute", partner="lp",
                   reference="R1", due_at=DUE, expect={"location": "Lille Vauban"}, said=None, created_at=T0),
    Promise.create(promise_id="deliver", case_id="c", kind="parcel.deliver", partner="lp",
                   reference="R1", due_at=DUE, expect={"recipient": "Thomas Gouritin"}, said=None,
                   created_at=T0),
    Promise.create(promise_id="refund", case_id="c", kind="refund.issue", partner="lp", reference="R2",
                   due_at=DUE, expect={"amount": "10.00", "currency": "EUR"}, said=None, created_at=T0),
    Promise.create(promise_id="callback", case_id="c", kind="callback", partner="lp", reference="R3",
                   due_at=DUE, expect={}, said=None, created_at=T0),
]

statuses = st.sampled_from(["in_transit", "available_for_pickup", "delivered", "lost",
                            "refund_succeeded", "refund_failed", "refund_reversed", "done", "failed"])


@st.composite
def updates(draw):
    n = draw(st.integers(min_value=0, max_value=8))
    out = []
    for i in range(n):
        status = draw(statuses)
        out.append(FieldUpdate.create("lp", {
            "event_id": f"e{i}", "reference": draw(st.sampled_from(["R1", "R2", "R3"])),
            "status": status,
            # Coarse hours so ties on occurred_at happen often (then event_id decides).
            "occurred_at": T0 + timedelta(hours=draw(st.integers(min_value=0, max_value=30))),
            "location": draw(st.sampled_from([None, "Lille Vauban", "Centre de tri Lesquin"])),
            "signed_by": draw(st.sampled_from([None, "T Gouritin", "ROLAND"])),
            "amount": draw(st.sampled_from([None, "10.00", "5.00"])),
            "currency": "EUR",
        }))
    return out


def fresh_promises():
    return [Promise(**{s: getattr(p, s) for s in Promise.__slots__ if s != "outcome"}) for p in PROMISES]


def arrive(order):
    """Replay arrivals one by one, as the service does, and return what the case ends up as."""
    case, promises, seen = Case(case_id="c"), fresh_promises(), {}
    reevaluate(case, promises, {}, T0, actor="t")
    for update in order:
        seen.setdefault((update.partner, update.reference), {})[update.event_id] = update
        by_ref = {k: list(v.values()) for k, v in seen.items()}
        reevaluate(case, promises, by_ref, update.occurred_at, actor="t")
    by_ref = {k: list(v.values()) for k, v in seen.items()}
    reevaluate(case, promises, by_ref, NOW, actor="t")
    return case.status, [(p.outcome.verdict, p.outcome.reason, p.outcome.fulfilled_at) for p in promises]


@settings(max_examples=EXAMPLES, deadline=None)
@given(updates(), st.randoms())
def test_any_arrival_order_gives_the_same_verdicts_and_case_status(batch, rnd):
    shuffled = list(batch)
    rnd.shuffle(shuffled)
    assert arrive(batch) == arrive(shuffled)


@settings(max_examples=EXAMPLES, deadline=None)
@given(updates(), st.data())
def test_applying_an_update_twice_changes_nothing(batch, data):
    if not batch:
        return
    repeated = batch + [data.draw(st.sampled_from(batch))]
    assert arrive(batch) == arrive(repeated)
    for promise in PROMISES:
        assert evaluate(promise, batch, NOW) == evaluate(promise, batch + batch, NOW)
