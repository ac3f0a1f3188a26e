"""The ops workflow's rules (domain/ops.py, playbooks' next steps, a replacing promise's verdict)
and its use cases on fake ports: assign, acknowledge and snooze, notes, re-send, next step, the
alert's one timeline entry."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from domain import errors
from domain.model import EntryType, TimelineEntry
from domain.ops import case_title, expected_view, merge_alert, next_step, observed_view, stuck_since
from domain.playbooks import parse_playbooks
from domain.verdicts import evaluate
from integrations.playbooks.loader import load_playbooks
from integrations.services import ports
from integrations.services.ingest import ingest_updates
from integrations.services.intake import open_complaint
from integrations.services.ops_actions import (
    acknowledge_promise,
    add_note,
    assign_case,
    record_next_step,
    resend_request,
    unsnooze_promise,
)
from integrations.services.promises import record_promises
from tests.builders import complaint, spec, update

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PLAYBOOKS = load_playbooks()


def at(hours):
    return lambda: T0 + timedelta(hours=hours)


# --- rules -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, reason, playbook",
    [
        ("parcel.reroute", "wrong_location", "reroute_again"),
        ("parcel.reroute", "deadline_missed", "parcel_stuck_at_depot"),
        ("parcel.deliver", "wrong_recipient", "delivered_not_received"),
        ("parcel.deliver", "deadline_missed", "delivery_late"),
        ("refund.issue", "amount_short", "refund_not_received"),
        ("item.replace", "partner_failed", "defective_item"),
        ("callback", "deadline_missed", "callback_now"),
    ],
)
def test_every_kind_and_reason_has_a_next_step_from_the_playbooks(kind, reason, playbook):
    step = next_step(kind, reason, PLAYBOOKS.values(), "en")
    assert step is not None and step.playbook == playbook
    french = next_step(kind, reason, PLAYBOOKS.values(), "fr")
    assert french is not None and french.text != step.text


def test_the_reroute_gone_wrong_says_reroute_again_within_24_hours():
    step = next_step("parcel.reroute", "wrong_location", PLAYBOOKS.values(), "en")
    assert step is not None and "reroute again" in step.text and step.due_in == "24 h"


def test_an_exact_fit_wins_over_any_reason_and_no_fit_is_none():
    books = parse_playbooks(
        [
            {
                "name": "any",
                "title": "t",
                "problem": "p",
                "fits": [{"kind": "callback", "reason": "*"}],
                "next_step": {"en": "generic"},
                "promises": [{"kind": "callback", "due_in_hours": 2, "said": "x"}],
            },
            {
                "name": "exact",
                "title": "t",
                "problem": "p",
                "fits": [{"kind": "callback", "reasons": ["partner_failed"]}],
                "next_step": {"en": "specific"},
                "promises": [{"kind": "callback", "due_in_business_days": 1, "said": "x"}],
            },
        ]
    ).values()
    assert next_step("callback", "partner_failed", books).text == "specific"
    assert next_step("callback", "partner_failed", books).due_in == "1 business day"
    assert next_step("callback", "partner_failed", books, "fr").due_in == "1 jour ouvré"
    assert next_step("callback", "deadline_missed", books).text == "generic"
    assert next_step("refund.issue", "refund_failed", books) is None


@pytest.mark.parametrize(
    "bad",
    [{"fits": [{"kind": "callback", "reason": "late"}]}, {"fits": "callback"}, {"next_step": {"en": ""}}, {"next_step": "call"}],
)
def test_bad_fits_or_next_steps_are_refused(bad):
    item = {"name": "n", "title": "t", "problem": "p", "promises": [{"kind": "callback", "due_in_hours": 2, "said": "x"}]}
    with pytest.raises(errors.InvalidInput):
        parse_playbooks([{**item, **bad}])


def test_stuck_since_is_when_it_broke_or_when_it_went_overdue():
    due, broke = T0, T0 + timedelta(hours=5)
    assert stuck_since("broken", "wrong_location", due, broke) == broke
    assert stuck_since("broken", "deadline_missed", due, broke) == due
    assert stuck_since("pending", None, due, None) == due


def test_a_case_title_is_who_and_what_never_our_id():
    assert case_title("@vinyl", "C1", "CMD-1", "6A1") == "@vinyl · order CMD-1 · 6A1"
    assert case_title(None, "C1", None, "6A1") == "C1 · 6A1"
    assert case_title(None, None, "R", "R") == "customer · order R"


def test_expected_and_observed_name_the_same_fields():
    expected = expected_view("parcel.deliver", {"address": "14 rue des Lilas", "recipient": "Claire Martin"})
    observed = observed_view(
        {
            "status": "delivered",
            "partner": "ups",
            "occurred_at": "2026-03-02T09:00:00+00:00",
            "address": "3 place Bellecour",
            "location": "Lyon",
            "signed_by": "J. PETIT",
        },
        None,
    )
    assert expected == {"place": "14 rue des Lilas", "recipient": "Claire Martin"}
    assert (observed["place"], observed["recipient"], observed["status"]) == ("3 place Bellecour, Lyon", "J. PETIT", "delivered")
    assert observed_view(None, {"status": "in_transit", "occurred_at": "x", "location": "hub"})["place"] == "hub"
    assert observed_view(None, None) == {}
    assert expected_view("refund.issue", {"amount": "19.00", "currency": "EUR"}) == {"amount": "19.00 EUR"}


def test_retries_of_an_alert_are_one_entry_with_its_attempts():
    first = TimelineEntry(
        "c", T0, EntryType.ALERT, "system:alerts", {"key": "k", "attempt": 1, "outcome": "failed", "error": "down"}
    )
    second = TimelineEntry(
        "c",
        T0 + timedelta(seconds=1),
        EntryType.ALERT,
        "system:alerts",
        {"key": "k", "attempt": 2, "outcome": "sent", "error": None},
    )
    merged = merge_alert(merge_alert(None, first), second)
    assert merged["outcome"] == "sent"
    assert [(a["attempt"], a["outcome"], a.get("error")) for a in merged["attempts"]] == [
        (1, "failed", "down"),
        (2, "sent", None),
    ]


def test_a_replacing_promise_is_judged_on_what_the_field_says_after_it():
    from domain.model import Promise

    wrong_place = update("laposte", "6A1", "available_for_pickup", T0 + timedelta(hours=1), pickup_point_id="2")
    again = Promise.create(
        promise_id="p2",
        case_id="c",
        kind="parcel.reroute",
        partner="laposte",
        reference="6A1",
        due_at=T0 + timedelta(hours=26),
        expect={"location": "X", "pickup_point_id": "1"},
        said=None,
        created_at=T0 + timedelta(hours=2),
        replaces="p1",
    )
    assert evaluate(again, [wrong_place], T0 + timedelta(hours=3)).verdict.value == "pending"
    right = update("laposte", "6A1", "available_for_pickup", T0 + timedelta(hours=5), pickup_point_id="1")
    assert evaluate(again, [wrong_place, right], T0 + timedelta(hours=6)).verdict.value == "kept"
    plain = Promise.create(
        promise_id="p3",
        case_id="c",
        kind="parcel.reroute",
        partner="laposte",
        reference="6A1",
        due_at=T0 + timedelta(hours=26),
        expect={"location": "X", "pickup_point_id": "1"},
        said=None,
        created_at=T0 + timedelta(hours=2),
    )
    assert evaluate(plain, [wrong_place], T0 + timedelta(hours=3)).verdict.value == "broken"


# --- use cases on fake ports --------------------------------------------------------------------


def stuck_reroute(uow, store):
    store.people["Claire Martin"] = ports.Person("Claire Martin", "json://claire/")
    case = open_complaint(uow, complaint("au mauvais relais", T0, author="@vinyl"), "agent:t", at(0))
    [recorded] = record_promises(
        uow,
        case.case_id,
        [spec("parcel.reroute", "laposte", "6A1", T0 + timedelta(hours=24), location="Lille", pickup_point_id="1")],
        "agent:t",
        at(0),
    )
    ingest_updates(uow, [update("laposte", "6A1", "available_for_pickup", T0 + timedelta(hours=1), pickup_point_id="2")], at(1))
    return case.case_id, recorded.promise_id


def entries(store, type_):
    return [e for e in store.timeline if e.type == type_]


def test_assign_names_a_known_person_and_goes_on_the_timeline(uow, store):
    case_id, _ = stuck_reroute(uow, store)
    assert assign_case(uow, case_id, "Claire Martin", "ops:Olivia", at(2)).owner == "Claire Martin"
    assert store.cases[case_id].owner == "Claire Martin"
    with pytest.raises(errors.InvalidInput):
        assign_case(uow, case_id, "Someone Else", "ops:Olivia", at(2))
    assign_case(uow, case_id, "Claire Martin", "ops:Olivia", at(3))  # no change, no entry
    assert [(e.actor, e.detail) for e in entries(store, EntryType.OWNER)] == [
        ("ops:Olivia", {"owner": "Claire Martin", "previous_owner": None})
    ]
    with pytest.raises(errors.UnknownCase):
        assign_case(uow, "nope", None, "ops:Olivia", at(2))


def test_snooze_until_later_then_unsnooze(uow, store):
    case_id, promise_id = stuck_reroute(uow, store)
    with pytest.raises(errors.InvalidInput):
        acknowledge_promise(uow, promise_id, None, T0, "agent:Claire", at(2))  # in the past
    acknowledge_promise(uow, promise_id, "carrier called", T0 + timedelta(hours=6), "agent:Claire", at(2))
    assert store.promises[promise_id].snoozed_until == T0 + timedelta(hours=6)
    acknowledge_promise(uow, promise_id, "still waiting", None, "agent:Claire", at(3))  # keeps the snooze
    assert store.promises[promise_id].snoozed_until == T0 + timedelta(hours=6)
    unsnooze_promise(uow, promise_id, "agent:Claire", at(4))
    assert store.promises[promise_id].snoozed_until is None
    assert [e.detail.get("note") for e in entries(store, EntryType.ACKNOWLEDGED)] == ["carrier called", "still waiting", None]
    with pytest.raises(errors.UnknownPromise):
        acknowledge_promise(uow, "nope", None, None, "agent:Claire", at(2))


def test_notes_resend_and_the_next_step(uow, store):
    case_id, promise_id = stuck_reroute(uow, store)
    add_note(uow, case_id, "appelée à 11h", "agent:Claire", at(2))
    with pytest.raises(errors.InvalidInput):
        add_note(uow, case_id, "   ", "agent:Claire", at(2))
    store.queue[("outbound", promise_id)]["state"] = "failed"
    resend_request(uow, promise_id, "ops:Olivia", at(2))
    assert store.queue[("outbound", promise_id)]["state"] == "pending"
    [recorded] = record_next_step(uow, promise_id, PLAYBOOKS.values(), "agent:Claire", at(3))
    new = store.promises[recorded.promise_id]
    assert (new.replaces, new.due_at, new.outcome.verdict.value) == (promise_id, T0 + timedelta(hours=27), "pending")
    assert store.promises[promise_id].addressed
    assert [e.actor for e in store.timeline if e.type in (EntryType.NOTE, EntryType.OUTBOUND_REQUEST)] == [
        "agent:Claire",
        "ops:Olivia",
    ]


def test_the_next_step_is_recorded_once_even_when_both_clicks_pass_the_first_check(uow, store):
    from integrations.services.promises import PromiseSpec

    case_id, promise_id = stuck_reroute(uow, store)
    again = PromiseSpec(
        kind="parcel.reroute",
        partner="laposte",
        reference="6A1",
        due_at=T0 + timedelta(hours=30),
        expect={"location": "Lille", "pickup_point_id": "1"},
        replaces=promise_id,
    )
    record_promises(uow, case_id, [again], "agent:Claire", at(3))
    with pytest.raises(errors.AlreadyAnswered):
        record_promises(uow, case_id, [again], "agent:Samir", at(3))  # the second click, same moment
    with pytest.raises(errors.InvalidInput):
        record_promises(uow, case_id, [dataclasses.replace(again, replaces="elsewhere")], "agent:Samir", at(3))
    assert sum(p.replaces == promise_id for p in store.promises.values()) == 1
