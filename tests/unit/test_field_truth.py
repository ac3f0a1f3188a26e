"""Field truth v1.1 at the rules level: new statuses, kept-unverified, at risk, one module per kind."""

from datetime import UTC, datetime, timedelta

import pytest

from domain import kinds
from domain.kinds.base import Effect
from domain.model import FieldUpdate, Promise, PromiseKind
from domain.verdicts import evaluate, silence_check_at

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


def upd(status, at_hours, event_id=None, **fields):
    return FieldUpdate.create(
        "carrier",
        {
            "event_id": event_id or f"e{at_hours}-{status}",
            "reference": "REF",
            "status": status,
            "occurred_at": T0 + timedelta(hours=at_hours),
            **fields,
        },
    )


def at(hours):
    return T0 + timedelta(hours=hours)


REROUTE = {"location": "Bureau de poste Lyon 3"}
DELIVER = {"address": "14 rue des Lilas, 75011 Paris", "recipient": "Claire Martin"}


def test_every_promise_kind_has_its_own_rules_module():
    assert set(kinds.RULES) == set(PromiseKind)
    assert {type(r).__module__ for r in kinds.RULES.values()} == {
        "domain.kinds.parcel_reroute",
        "domain.kinds.parcel_deliver",
        "domain.kinds.refund_issue",
        "domain.kinds.item_replace",
        "domain.kinds.callback",
    }


def test_a_kind_without_rules_fails_loudly(monkeypatch):
    monkeypatch.delitem(kinds.RULES, PromiseKind.CALLBACK)
    with pytest.raises(RuntimeError, match="no rules"):
        kinds.rules_for(PromiseKind.CALLBACK)


@pytest.mark.parametrize("kind, expect", [("parcel.reroute", REROUTE), ("parcel.deliver", DELIVER)])
def test_refused_breaks_parcel_promises(kind, expect):
    o = evaluate(promise(kind, **expect), [upd("refused", 3)], at(4))
    assert (o.verdict.value, o.reason.value) == ("broken", "parcel_failed")


def test_reroute_delivered_to_a_home_address_is_wrong_location():
    """Seen on real data: the case was resolved and nobody was alerted (issue 10)."""
    p = promise("parcel.reroute", **REROUTE)
    o = evaluate(p, [upd("delivered", 5, address="8 rue Paul Bert, 69100 Villeurbanne")], at(6))
    assert (o.verdict.value, o.reason.value) == ("broken", "wrong_location")
    o = evaluate(p, [upd("delivered", 5, handed_to="addressee")], at(6))
    assert (o.verdict.value, o.reason.value) == ("broken", "wrong_location")


def test_reroute_kept_at_another_pickup_point_id_breaks_and_at_the_same_keeps_verified():
    p = promise("parcel.reroute", **REROUTE, pickup_point_id="691230")
    assert evaluate(p, [upd("available_for_pickup", 5, pickup_point_id="690990")], at(6)).reason.value == "wrong_location"
    same = evaluate(p, [upd("available_for_pickup", 5, pickup_point_id="691230")], at(6))
    assert (same.verdict.value, same.unverified) == ("kept", ())


def test_delivery_without_place_or_signer_is_kept_unverified():
    o = evaluate(promise("parcel.deliver", **DELIVER), [upd("delivered", 5, carrier_code="DI1")], at(6))
    assert (o.verdict.value, o.unverified) == ("kept", ("place", "recipient"))


def test_delivery_abroad_breaks_a_delivery_promised_in_france():
    o = evaluate(promise("parcel.deliver", **DELIVER, country="FR"), [upd("delivered", 5, country="BE")], at(6))
    assert (o.verdict.value, o.reason.value) == ("broken", "wrong_location")


def test_delivery_handed_to_a_neighbour_breaks_a_hand_over_promise():
    o = evaluate(promise("parcel.deliver", recipient="Claire Martin"), [upd("delivered", 5, handed_to="neighbour")], at(6))
    assert (o.verdict.value, o.reason.value) == ("broken", "wrong_recipient")


@pytest.mark.parametrize("handed_to", ["reception", "mailbox", "safe_place"])
def test_delivery_left_at_reception_mailbox_or_safe_place_is_kept_unverified(handed_to):
    o = evaluate(promise("parcel.deliver", recipient="Claire Martin"), [upd("delivered", 5, handed_to=handed_to)], at(6))
    assert (o.verdict.value, o.unverified) == ("kept", ("recipient",))


def test_junk_signer_is_no_signer():
    o = evaluate(promise("parcel.deliver", recipient="Claire Martin"), [upd("delivered", 5, signed_by="960528602")], at(6))
    assert (o.verdict.value, o.unverified) == ("kept", ("recipient",))


@pytest.mark.parametrize("status", ["attempt_failed", "exception", "held_at_depot", "customs_hold", "damaged", "address_issue"])
def test_worrying_statuses_put_a_pending_promise_at_risk(status):
    o = evaluate(promise("parcel.deliver", **DELIVER), [upd("in_transit", 1), upd(status, 3)], at(4))
    assert o.verdict.value == "pending"
    assert o.at_risk is not None and (o.at_risk.cause, o.at_risk.since) == (status, at(3))
    assert o.at_risk.evidence.status == status


def test_a_keeping_update_clears_the_risk_and_a_break_replaces_it():
    p = promise("parcel.deliver", **DELIVER)
    kept = evaluate(
        p, [upd("attempt_failed", 3), upd("delivered", 5, address="14 rue des Lilas, 75011 Paris", signed_by="C. Martin")], at(6)
    )
    assert (kept.verdict.value, kept.at_risk, kept.unverified) == ("kept", None, ())
    broken = evaluate(p, [upd("attempt_failed", 3), upd("returned_to_sender", 5)], at(6))
    assert (broken.verdict.value, broken.at_risk) == ("broken", None)
    late = evaluate(p, [upd("attempt_failed", 3)], at(25))
    assert (late.verdict.value, late.reason.value, late.at_risk) == ("broken", "deadline_missed", None)


def test_silence_past_half_the_delay_puts_a_parcel_promise_at_risk():
    p = promise("parcel.reroute", **REROUTE)
    assert silence_check_at(p) == at(12)
    old_news = [upd("in_transit", -48, location="Plateforme Colis Lyon")]  # before the promise was made
    assert (
        evaluate(
            p,
            old_news,
            at(
                11,
            ),
        ).at_risk
        is None
    )
    risk = evaluate(p, old_news, at(12)).at_risk
    assert risk is not None and (risk.cause, risk.since) == ("silence", at(12))
    assert evaluate(p, [*old_news, upd("in_transit", 2)], at(13)).at_risk is None  # news since the promise


@pytest.mark.parametrize(
    "kind, expect", [("refund.issue", {"amount": "10", "currency": "EUR"}), ("callback", {}), ("item.replace", {})]
)
def test_silence_is_no_risk_for_steps_that_are_not_parcels(kind, expect):
    p = promise(kind, **expect)
    assert silence_check_at(p) is None and evaluate(p, [], at(20)).at_risk is None


def test_keep_exactly_at_the_deadline_is_kept_and_a_second_later_is_late():
    p = promise("callback")
    assert evaluate(p, [upd("done", 24)], at(30)).verdict.value == "kept"
    late = FieldUpdate.create(
        "carrier", {"event_id": "x", "reference": "REF", "status": "done", "occurred_at": DUE + timedelta(seconds=1)}
    )
    assert (evaluate(p, [late], at(30)).verdict.value, evaluate(p, [late], at(30)).fulfilled_at) == (
        "broken",
        DUE + timedelta(seconds=1),
    )


def test_effects_are_values():
    assert Effect(keeps=True) == kinds.base.KEEP and kinds.base.NOTHING == Effect()


def test_update_fields_are_validated():
    from domain.errors import InvalidInput

    with pytest.raises(InvalidInput):
        upd("delivered", 1, country="France")
    with pytest.raises(InvalidInput):
        upd("delivered", 1, handed_to="the dog")
    with pytest.raises(InvalidInput):
        upd("delivered", 1, handoff={"partner": "colissimo"})
    ok = upd("done", 1, handoff={"partner": "colissimo", "reference": "6A1"}, country="fr")
    assert (ok.handoff_partner, ok.handoff_reference, ok.country) == ("colissimo", "6A1", "FR")
    assert ok.evidence()["handoff"] == {"partner": "colissimo", "reference": "6A1"}
