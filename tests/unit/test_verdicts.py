"""The verdict rules of DESIGN.md's table, kind by kind."""

from datetime import UTC, datetime, timedelta

import pytest

from domain import errors
from domain.model import FieldUpdate, Promise
from domain.verdicts import evaluate

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DUE = T0 + timedelta(hours=24)


def promise(kind, **expect):
    return Promise.create(
        promise_id="p1",
        case_id="c1",
        kind=kind,
        partner="carrier",
        reference="REF",
        due_at=DUE,
        expect=expect,
        said=None,
        created_at=T0,
    )


def upd(status, at_hours, event_id=None, partner="carrier", reference="REF", **fields):
    return FieldUpdate.create(
        partner,
        {
            "event_id": event_id or f"e{at_hours}-{status}",
            "reference": reference,
            "status": status,
            "occurred_at": T0 + timedelta(hours=at_hours),
            **fields,
        },
    )


def verdict(p, updates, now_hours=1):
    o = evaluate(p, updates, T0 + timedelta(hours=now_hours))
    return o.verdict.value, o.reason.value if o.reason else None


REROUTE = dict(location="Bureau de poste Lille Vauban")


def test_reroute_kept_at_matching_location():
    assert verdict(promise("parcel.reroute", **REROUTE), [upd("available_for_pickup", 5, location="Lille Vauban")]) == (
        "kept",
        None,
    )


def test_reroute_broken_at_another_pickup_point_then_superseded_by_a_later_match():
    p = promise("parcel.reroute", **REROUTE, pickup_point_id="592860")
    wrong = upd("available_for_pickup", 3, location="Centre de tri Lille Lesquin", pickup_point_id="590120")
    assert verdict(p, [wrong]) == ("broken", "wrong_location")
    assert verdict(p, [wrong, upd("available_for_pickup", 6, location="Lille Vauban")]) == ("kept", None)


def test_reroute_at_a_place_that_merely_fails_to_match_is_kept_unverified_not_broken():
    """v1.1: two strings that fail to match are no contradiction; ops check it."""
    p = promise("parcel.reroute", **REROUTE)
    o = evaluate(p, [upd("available_for_pickup", 3, location="Centre de tri Lille Lesquin")], T0 + timedelta(hours=4))
    assert (o.verdict.value, o.unverified) == ("kept", ("place",))


@pytest.mark.parametrize("status", ["returned_to_sender", "lost"])
def test_parcel_failures(status):
    assert verdict(promise("parcel.reroute", **REROUTE), [upd(status, 2)]) == ("broken", "parcel_failed")
    assert verdict(promise("parcel.deliver", address="1 rue X"), [upd(status, 2)]) == ("broken", "parcel_failed")


def test_in_transit_says_nothing_and_the_deadline_breaks_it():
    p = promise("parcel.reroute", **REROUTE)
    updates = [upd("in_transit", 2, location="Centre de tri")]
    assert verdict(p, updates, now_hours=23) == ("pending", None)
    assert verdict(p, updates, now_hours=25) == ("broken", "deadline_missed")


def test_deliver_wrong_signer_and_wrong_address():
    p = promise("parcel.deliver", address="12 rue Nationale Lille", recipient="Thomas Gouritin")
    assert verdict(p, [upd("delivered", 3, signed_by="ROLAND")]) == ("broken", "wrong_recipient")
    assert verdict(p, [upd("delivered", 3, address="45 av de Dunkerque Lomme")]) == ("broken", "wrong_location")
    assert verdict(p, [upd("delivered", 3, signed_by="T Gouritin")]) == ("kept", None)
    # An update that does not carry a field cannot contradict on that field.
    assert verdict(p, [upd("delivered", 3)]) == ("kept", None)


def test_kept_late_records_fulfilled_at_but_stays_broken():
    p = promise("callback")
    o = evaluate(p, [upd("done", 30)], T0 + timedelta(hours=31))
    assert (o.verdict.value, o.reason.value) == ("broken", "deadline_missed")
    assert o.fulfilled_at == T0 + timedelta(hours=30)
    assert not o.unaddressed_break


def test_on_time_update_arriving_late_corrects_deadline_missed():
    p = promise("callback")
    assert verdict(p, [], now_hours=30) == ("broken", "deadline_missed")
    assert verdict(p, [upd("done", 20)], now_hours=30) == ("kept", None)


def test_refund_rules():
    p = promise("refund.issue", amount="89.90", currency="EUR")
    assert verdict(p, [upd("refund_succeeded", 2, amount="89.90", currency="eur")]) == ("kept", None)
    assert verdict(p, [upd("refund_succeeded", 2, amount="100", currency="EUR")]) == ("kept", None)
    assert verdict(p, [upd("refund_succeeded", 2, amount="50", currency="EUR")]) == ("broken", "amount_short")
    assert verdict(p, [upd("refund_failed", 2)]) == ("broken", "refund_failed")
    assert verdict(p, [upd("refund_canceled", 2)]) == ("broken", "refund_failed")
    # Another currency cannot be compared: it neither keeps nor breaks.
    assert verdict(p, [upd("refund_succeeded", 2, amount="200", currency="USD")]) == ("pending", None)


@pytest.mark.parametrize("later", ["refund_reversed", "refund_failed"])
def test_a_later_failure_turns_a_kept_refund_broken(later):
    p = promise("refund.issue", amount="10", currency="EUR")
    ok = upd("refund_succeeded", 2, amount="10", currency="EUR")
    o = evaluate(p, [ok, upd(later, 40)], T0 + timedelta(hours=41))
    assert (o.verdict.value, o.reason.value, o.fulfilled_at) == ("broken", "refund_failed", None)


def test_a_kept_parcel_is_not_undone_by_later_noise():
    p = promise("parcel.deliver", recipient="Thomas")
    assert verdict(p, [upd("delivered", 2), upd("exception", 3)]) == ("kept", None)


def test_replace_and_callback():
    for kind in ("item.replace", "callback"):
        assert verdict(promise(kind), [upd("failed", 1)]) == ("broken", "partner_failed")
        assert verdict(promise(kind), [upd("failed", 1), upd("done", 2)]) == ("kept", None)
        assert verdict(promise(kind), [upd("in_progress", 1)]) == ("pending", None)


def test_updates_of_other_partners_or_references_are_ignored():
    p = promise("callback")
    assert verdict(p, [upd("done", 1, partner="other"), upd("done", 1, reference="X")]) == ("pending", None)


def test_ties_on_occurred_at_are_ordered_by_event_id():
    p = promise("item.replace")
    updates = [upd("done", 2, event_id="b"), upd("failed", 2, event_id="a")]
    assert verdict(p, updates) == ("kept", None)
    assert verdict(p, list(reversed(updates))) == ("kept", None)


@pytest.mark.parametrize(
    "failed_id,succeeded_id,expected",
    [
        ("a", "b", ("kept", None)),  # the failure comes first, the success after it: kept
        ("b", "a", ("broken", "refund_failed")),  # the success first, then its failure: broken
    ],
)
def test_a_tie_on_occurred_at_is_decided_by_event_id_whatever_the_arrival_order(failed_id, succeeded_id, expected):
    """Two updates at the same instant whose order changes the verdict: the event_id decides,
    never the order they arrived in."""
    p = promise("refund.issue", amount="10", currency="EUR")
    failed = upd("refund_failed", 2, event_id=failed_id)
    succeeded = upd("refund_succeeded", 2, event_id=succeeded_id, amount="10", currency="EUR")
    assert verdict(p, [failed, succeeded]) == expected
    assert verdict(p, [succeeded, failed]) == expected


def test_between_two_contradictions_at_the_same_instant_the_later_event_id_is_the_reason():
    p = promise("parcel.reroute", **REROUTE)
    wrong_place = upd("delivered", 2, event_id="e1", handed_to="addressee")  # at a door, not the post office
    lost = upd("lost", 2, event_id="e2")
    for arrival in ([wrong_place, lost], [lost, wrong_place]):
        o = evaluate(p, arrival, T0 + timedelta(hours=3))
        assert (o.verdict.value, o.reason.value, o.evidence.event_id) == ("broken", "parcel_failed", "e2")


def test_a_keeping_update_exactly_at_due_at_is_on_time():
    """The deadline is inclusive: done at due_at is kept, one second later is late."""
    p = promise("callback")
    due_hours = (DUE - T0) / timedelta(hours=1)
    at_due = evaluate(p, [upd("done", due_hours)], DUE + timedelta(hours=1))
    assert (at_due.verdict.value, at_due.reason, at_due.fulfilled_at) == ("kept", None, DUE)
    late = evaluate(p, [upd("done", due_hours + 1 / 3600)], DUE + timedelta(hours=1))
    assert (late.verdict.value, late.reason.value) == ("broken", "deadline_missed")


def test_a_pending_promise_breaks_only_once_now_is_past_due_at():
    p = promise("callback")
    assert evaluate(p, [], DUE).verdict.value == "pending"
    assert evaluate(p, [], DUE + timedelta(microseconds=1)).verdict.value == "broken"


@pytest.mark.parametrize(
    "kind,expect,error",
    [
        ("parcel.teleport", {}, errors.UnknownPromiseKind),
        ("parcel.reroute", {}, errors.MissingExpectation),
        ("parcel.deliver", {}, errors.MissingExpectation),
        ("refund.issue", {"amount": "-3", "currency": "EUR"}, errors.InvalidAmount),
        ("refund.issue", {"amount": "1,5", "currency": "EUR"}, errors.InvalidAmount),
        ("refund.issue", {"amount": "10", "currency": "EURO"}, errors.InvalidInput),
        ("callback", {"location": "x"}, errors.InvalidInput),
    ],
)
def test_bad_promises_raise_typed_errors(kind, expect, error):
    with pytest.raises(error):
        promise(kind, **expect)


def test_due_before_said_and_naive_due_are_refused():
    with pytest.raises(errors.DueBeforeSaid):
        Promise.create(
            promise_id="p",
            case_id="c",
            kind="callback",
            partner="x",
            reference="r",
            due_at=T0 - timedelta(hours=1),
            expect={},
            said=None,
            created_at=T0,
        )
    with pytest.raises(errors.NaiveTimestamp):
        Promise.create(
            promise_id="p",
            case_id="c",
            kind="callback",
            partner="x",
            reference="r",
            due_at=datetime(2026, 3, 5),
            expect={},
            said=None,
            created_at=T0,
        )


@pytest.mark.parametrize(
    "data,error",
    [
        ({"status": "teleported"}, errors.UnknownStatus),
        ({"occurred_at": datetime(2026, 3, 2)}, errors.NaiveTimestamp),
        ({"amount": "12.5.0"}, errors.InvalidAmount),
        ({"amount": 12.5}, errors.InvalidAmount),
        ({"event_id": " "}, errors.InvalidInput),
    ],
)
def test_bad_updates_raise_typed_errors(data, error):
    base = {"event_id": "e", "reference": "r", "status": "delivered", "occurred_at": T0}
    with pytest.raises(error):
        FieldUpdate.create("ups", {**base, **data})


def test_a_reroute_is_also_judged_by_a_delivery_at_the_place():
    p = promise("parcel.reroute", **REROUTE)
    assert verdict(p, [upd("delivered", 3, location="Lille Vauban")]) == ("kept", None)
    # v1.1: a scan place that merely fails to match is no contradiction (kept, place to check);
    # a delivery at somebody's door is one.
    o = evaluate(p, [upd("delivered", 3, location="Centre de tri Lesquin")], T0 + timedelta(hours=4))
    assert (o.verdict.value, o.unverified) == ("kept", ("place",))
    assert verdict(p, [upd("delivered", 3, handed_to="addressee")]) == ("broken", "wrong_location")


@pytest.mark.parametrize("status", ["pre_transit", "in_transit", "out_for_delivery", "attempt_failed", "exception"])
def test_parcel_statuses_on_the_way_say_nothing(status):
    for p in (promise("parcel.deliver", recipient="Thomas Gouritin"), promise("parcel.reroute", **REROUTE)):
        assert verdict(p, [upd(status, 2, location="Ailleurs")]) == ("pending", None)


def test_a_pending_refund_says_nothing():
    assert verdict(promise("refund.issue", amount="10", currency="EUR"), [upd("refund_pending", 2)]) == ("pending", None)


def test_an_update_that_says_nothing_does_not_stop_the_replay():
    p = promise("parcel.deliver", recipient="Thomas Gouritin")
    o = evaluate(p, [upd("in_transit", 1), upd("delivered", 2, event_id="ok", signed_by="T Gouritin")], T0 + timedelta(hours=3))
    assert (o.verdict.value, o.fulfilled_at, o.evidence.event_id) == ("kept", T0 + timedelta(hours=2), "ok")


def test_the_evidence_is_the_update_that_decided():
    p = promise("parcel.reroute", **REROUTE)
    o = evaluate(p, [upd("available_for_pickup", 3, event_id="wrong", location="Lesquin")], T0 + timedelta(hours=4))
    assert o.evidence.event_id == "wrong"


def test_a_refund_kept_is_undone_only_by_a_failure_whatever_comes_between():
    p = promise("refund.issue", amount="10", currency="EUR")
    ok = upd("refund_succeeded", 2, event_id="ok", amount="10", currency="EUR")
    again = upd("refund_succeeded", 3, event_id="again", amount="10", currency="EUR")
    short = upd("refund_succeeded", 4, event_id="short", amount="5", currency="EUR")
    failed = upd("refund_failed", 40, event_id="failed")
    assert verdict(p, [ok, short]) == ("kept", None)  # a partial refund later does not undo a full one
    now = T0 + timedelta(hours=41)
    for updates in ([ok, again, failed], [ok, short, failed]):
        o = evaluate(p, updates, now)
        assert (o.verdict.value, o.reason.value, o.evidence.event_id) == ("broken", "refund_failed", "failed")
