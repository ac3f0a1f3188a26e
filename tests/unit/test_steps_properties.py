"""Steps and handoffs are order-independent: whatever order a step's history and its handoffs
arrive in (redeliveries included), the same steps exist in the end with the same verdicts."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.model import Case, FieldUpdate, Promise
from domain.reconcile import reevaluate
from domain.steps import chains, overall

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DUE = T0 + timedelta(hours=72)
NOW = T0 + timedelta(hours=60)

HOPS = {("warehouse", "RMA"): ("colissimo", "6A1"), ("colissimo", "6A1"): ("dpd", "05D")}


@st.composite
def histories(draw):
    out = []
    for i in range(draw(st.integers(min_value=1, max_value=9))):
        partner, reference = draw(st.sampled_from([("warehouse", "RMA"), ("colissimo", "6A1"), ("dpd", "05D")]))
        status = draw(
            st.sampled_from(
                ["done", "failed", "in_transit"]
                if partner == "warehouse"
                else ["in_transit", "delivered", "returned_to_sender", "attempt_failed"]
            )
        )
        data = {
            "event_id": f"e{i}",
            "reference": reference,
            "status": status,
            "occurred_at": T0 + timedelta(hours=draw(st.integers(min_value=0, max_value=50))),
        }
        if (partner, reference) in HOPS and draw(st.booleans()):
            data["handoff"] = dict(zip(("partner", "reference"), HOPS[(partner, reference)], strict=True))
        if status == "delivered":
            data["address"] = draw(st.sampled_from(["14 rue des Lilas, 75011 Paris", "3 place Bellecour, 69002 Lyon"]))
        out.append(FieldUpdate.create(partner, data))
    return out


def arrive(order):
    ids = (f"step-{n}" for n in itertools.count())
    root = Promise.create(
        promise_id="root",
        case_id="c",
        kind="item.replace",
        partner="warehouse",
        reference="RMA",
        due_at=DUE,
        expect={"address": "14 rue des Lilas, 75011 Paris"},
        said=None,
        created_at=T0,
    )
    case, promises, seen = Case(case_id="c"), [root], {}
    for update in order:
        seen.setdefault((update.partner, update.reference), {})[update.event_id] = update
        by_ref = {k: list(v.values()) for k, v in seen.items()}
        changes = reevaluate(case, promises, by_ref, update.occurred_at, actor="t", new_id=lambda: next(ids))
        promises += changes.new_promises
    by_ref = {k: list(v.values()) for k, v in seen.items()}
    promises += reevaluate(case, promises, by_ref, NOW, actor="t", new_id=lambda: next(ids)).new_promises
    steps = chains(promises)["root"]
    whole = overall(steps)
    return (
        case.status,
        whole.verdict,
        whole.reason,
        sorted((s.partner, s.reference, s.kind.value, s.outcome.verdict.value, str(s.outcome.reason)) for s in steps),
    )


@settings(max_examples=300, deadline=None)
@given(histories(), st.randoms(), st.data())
def test_any_arrival_order_and_redelivery_gives_the_same_steps_and_verdicts(history, rnd, data):
    shuffled = list(history)
    rnd.shuffle(shuffled)
    redelivered = shuffled + [data.draw(st.sampled_from(history))]
    assert arrive(history) == arrive(shuffled) == arrive(redelivered)


def test_a_chain_of_two_handoffs_is_followed_to_the_last_carrier():
    updates = [
        FieldUpdate.create(
            "warehouse",
            {
                "event_id": "w",
                "reference": "RMA",
                "status": "done",
                "occurred_at": T0,
                "handoff": {"partner": "colissimo", "reference": "6A1"},
            },
        ),
        FieldUpdate.create(
            "colissimo",
            {
                "event_id": "c",
                "reference": "6A1",
                "status": "delivered",
                "occurred_at": T0 + timedelta(hours=5),
                "handoff": {"partner": "dpd", "reference": "05D"},
            },
        ),
    ]
    status, verdict, _reason, steps = arrive(updates)
    assert [s[:3] for s in steps] == [
        ("colissimo", "6A1", "parcel.deliver"),
        ("dpd", "05D", "parcel.deliver"),
        ("warehouse", "RMA", "item.replace"),
    ]
    assert (verdict.value, status.value) == ("pending", "in_progress")  # waiting on dpd
    delivered = FieldUpdate.create(
        "dpd", {"event_id": "d", "reference": "05D", "status": "delivered", "occurred_at": T0 + timedelta(hours=30)}
    )
    status, verdict, _reason, steps = arrive([*updates, delivered])
    assert (verdict.value, status.value) == ("kept", "resolved")
    assert [s[3] for s in steps] == ["kept", "kept", "kept"]
