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
    Promise.create(
        promise_id="reroute",
        case_id="c",
        kind="parcel.reroute",
        partner="lp",
        reference="R1",
        due_at=DUE,
        expect={"location": "Lille Vauban"},
        said=None,
        created_at=T0,
    ),
    Promise.create(
        promise_id="deliver",
        case_id="c",
        kind="parcel.deliver",
        partner="lp",
        reference="R1",
        due_at=DUE,
        expect={"recipient": "Thomas Gouritin"},
        said=None,
        created_at=T0,
    ),
    Promise.create(
        promise_id="refund",
        case_id="c",
        kind="refund.issue",
        partner="lp",
        reference="R2",
        due_at=DUE,
        expect={"amount": "10.00", "currency": "EUR"},
        said=None,
        created_at=T0,
    ),
    Promise.create(
        promise_id="callback",
        case_id="c",
        kind="callback",
        partner="lp",
        reference="R3",
        due_at=DUE,
        expect={},
        said=None,
        created_at=T0,
    ),
]

statuses = st.sampled_from(
    [
        "in_transit",
        "available_for_pickup",
        "delivered",
        "lost",
        "refund_succeeded",
        "refund_failed",
        "refund_reversed",
        "done",
        "failed",
        "refused",
        "attempt_failed",
        "customs_hold",
        "held_at_depot",
        "damaged",
    ]
)


@st.composite
def updates(draw):
    n = draw(st.integers(min_value=0, max_value=8))
    out = []
    for i in range(n):
        status = draw(statuses)
        out.append(
            FieldUpdate.create(
                "lp",
                {
                    "event_id": f"e{i}",
                    "reference": draw(st.sampled_from(["R1", "R2", "R3"])),
                    "status": status,
                    # Coarse hours so ties on occurred_at happen often (then event_id decides).
                    "occurred_at": T0 + timedelta(hours=draw(st.integers(min_value=0, max_value=30))),
                    "location": draw(st.sampled_from([None, "Lille Vauban", "Centre de tri Lesquin"])),
                    "signed_by": draw(st.sampled_from([None, "T Gouritin", "ROLAND", "960528602"])),
                    "address": draw(st.sampled_from([None, "8 rue Paul Bert, 69100 Villeurbanne"])),
                    "handed_to": draw(st.sampled_from([None, "addressee", "neighbour", "safe_place", "pickup_point"])),
                    "country": draw(st.sampled_from([None, "FR", "BE"])),
                    "amount": draw(st.sampled_from([None, "10.00", "5.00"])),
                    "currency": "EUR",
                },
            )
        )
    return out


def fresh_promises():
    return [Promise(**{s: getattr(p, s) for s in Promise.__slots__ if s != "outcome"}) for p in PROMISES]


def arrive(order, final=NOW):
    """Replay arrivals one by one, as the service does, and return what the case ends up as."""
    case, promises, seen = Case(case_id="c"), fresh_promises(), {}
    reevaluate(case, promises, {}, T0, actor="t")
    for update in order:
        seen.setdefault((update.partner, update.reference), {})[update.event_id] = update
        by_ref = {k: list(v.values()) for k, v in seen.items()}
        reevaluate(case, promises, by_ref, update.occurred_at, actor="t")
    by_ref = {k: list(v.values()) for k, v in seen.items()}
    reevaluate(case, promises, by_ref, final, actor="t")
    return case.status, [
        (
            p.outcome.verdict,
            p.outcome.reason,
            p.outcome.fulfilled_at,
            p.outcome.unverified,
            p.outcome.at_risk and p.outcome.at_risk.cause,
        )
        for p in promises
    ]


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


@settings(max_examples=300, deadline=None)
@given(updates(), st.randoms())
def test_arrival_order_never_changes_an_early_warning_or_an_unverified_keep(batch, rnd):
    """Judged before the deadline, when at-risk and unverified still show."""
    shuffled = list(batch)
    rnd.shuffle(shuffled)
    mid = T0 + timedelta(hours=14)
    assert arrive(batch, mid) == arrive(shuffled, mid)


places = st.sampled_from(
    [
        None,
        "Lille Vauban",
        "Centre de tri Lesquin",
        "ARRAS CHRONOPOST, 62223",
        "Milan - Italy",
        "Bureau de Poste LILLE VAUBAN",
        "Mechelen (BE)",
        "Paris 11",
    ]
)
addresses = st.sampled_from(
    [
        None,
        "12 rue Nationale, 59000 Lille",
        "14 r. Nationale 59000 LILLE",
        "8 rue Paul Bert, 69100 Villeurbanne",
        "Via Dante 7, 20121 Milano",
    ]
)
signers = st.sampled_from([None, "", "960528602", "00:00:00", "T Gouritin", "GOURITIN", "ROLAND", "PHARMA WORKS"])


@st.composite
def deliveries(draw):
    return [
        FieldUpdate.create(
            "lp",
            {
                "event_id": f"d{i}",
                "reference": "R1",
                "status": draw(st.sampled_from(["delivered", "available_for_pickup"])),
                "occurred_at": T0 + timedelta(hours=draw(st.integers(min_value=0, max_value=20))),
                "location": draw(places),
                "address": draw(addresses),
                "signed_by": draw(signers),
                "handed_to": draw(st.sampled_from([None, "addressee", "reception", "safe_place", "mailbox"])),
                "country": draw(st.sampled_from([None, "FR", "IT"])),
            },
        )
        for i in range(draw(st.integers(min_value=1, max_value=5)))
    ]


EXPECTS = [
    ("parcel.deliver", {"address": "12 rue Nationale, 59000 Lille", "recipient": "Thomas Gouritin"}),
    ("parcel.deliver", {"recipient": "PHARMA WORKS"}),
    ("parcel.reroute", {"location": "Bureau de poste Lille Vauban"}),
]


@settings(max_examples=400, deadline=None)
@given(deliveries(), st.sampled_from(EXPECTS))
def test_a_verdict_never_breaks_on_an_unknown_comparison(history, kind_expect):
    """Broken for a place or a person only when the breaking update is a positive difference."""
    from domain.kinds.parcel import expected_place, observed_place
    from domain.places import Match, compare_delivery_place, compare_person, compare_pickup_place

    kind, expect = kind_expect
    promise = Promise.create(
        promise_id="p", case_id="c", kind=kind, partner="lp", reference="R1", due_at=DUE, expect=expect, said=None, created_at=T0
    )
    outcome = evaluate(promise, history, T0 + timedelta(hours=21))
    if outcome.reason is None or outcome.reason.value not in ("wrong_location", "wrong_recipient"):
        return
    evidence = outcome.evidence
    assert evidence is not None
    if outcome.reason.value == "wrong_recipient":
        assert compare_person(expect["recipient"], evidence.signed_by, evidence.handed_to) is Match.DIFFERENT
    elif kind == "parcel.deliver":
        assert compare_delivery_place(expected_place(expect), observed_place(evidence)) is Match.DIFFERENT
    else:  # a reroute: delivered at somebody's door, or a place that is positively another one
        assert (
            evidence.status == "delivered" and (evidence.handed_to in ("addressee", "safe_place", "mailbox") or evidence.address)
        ) or compare_pickup_place(expected_place(expect), observed_place(evidence)) is Match.DIFFERENT
