"""The use cases on fake ports: intake, promises, ingestion, sweep, closing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain import errors
from integrations.services.cases import close_case, read_case
from integrations.services.ingest import IngestSummary, ItemResult, ingest_updates
from integrations.services.intake import open_complaint
from integrations.services.promises import record_promises
from integrations.services.sweep import sweep_deadlines
from tests.builders import complaint, spec, update

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(hours):
    return lambda: T0 + timedelta(hours=hours)


def test_same_complaint_twice_gives_the_same_case(uow, store):
    c = complaint("where is it", T0, external_id="tw-1")
    first = open_complaint(uow, c, "agent", at(0))
    again = open_complaint(uow, c, "agent", at(1))
    assert first.created and not again.created and first.case_id == again.case_id
    assert len(store.cases) == 1


def test_complaint_with_known_order_joins_the_open_case(uow, store):
    first = open_complaint(uow, complaint("1", T0, order_ref="O1"), "agent", at(0))
    second = open_complaint(uow, complaint("2", T0, order_ref="O1"), "agent", at(1))
    assert not second.created and second.case_id == first.case_id
    assert len(read_case(uow, first.case_id).complaints) == 2


def test_complaint_about_a_resolved_case_reopens_it_as_a_dispute(uow, store):
    case = open_complaint(uow, complaint("1", T0, customer_ref="C1"), "agent", at(0))
    record_promises(uow, case.case_id, [spec("callback", "cc", "R", T0 + timedelta(hours=5))], "agent", at(0))
    ingest_updates(uow, [update("cc", "R", "done", T0 + timedelta(hours=1))], at(1))
    assert read_case(uow, case.case_id).case.status.value == "resolved"
    again = open_complaint(uow, complaint("nobody called me!", T0, customer_ref="C1"), "agent", at(2))
    view = read_case(uow, again.case_id)
    assert again.case_id == case.case_id and view.case.status.value == "reopened"
    assert view.case.reopen_count == 1
    assert view.timeline[-1].detail["reason"] == "customer_disputes"
    assert [a.kind for a in store.outbox.values()] == ["customer_disputes"]
    # A new promise addresses the dispute.
    record_promises(uow, case.case_id, [spec("callback", "cc", "R2", T0 + timedelta(hours=9))], "agent", at(3))
    assert read_case(uow, case.case_id).case.status.value == "in_progress"


def test_complaint_about_a_closed_case_opens_a_linked_one(uow, store):
    case = open_complaint(uow, complaint("1", T0, order_ref="O9"), "agent", at(0))
    close_case(uow, case.case_id, "agent", at(1))
    new = open_complaint(uow, complaint("again", T0, order_ref="O9"), "agent", at(2))
    assert new.created and new.linked_to == case.case_id
    assert read_case(uow, case.case_id).case.status.value == "closed"


def test_promise_on_unknown_or_closed_case_is_refused_and_writes_nothing(uow, store):
    with pytest.raises(errors.UnknownCase):
        record_promises(uow, "nope", [spec("callback", "cc", "R", T0 + timedelta(hours=1))], "agent", at(0))
    case = open_complaint(uow, complaint("1", T0), "agent", at(0))
    close_case(uow, case.case_id, "agent", at(0))
    with pytest.raises(errors.CaseClosed):
        record_promises(uow, case.case_id, [spec("callback", "cc", "R", T0 + timedelta(hours=1))], "agent", at(0))
    assert store.promises == {} and store.outbound == {}


def test_one_bad_promise_in_a_list_writes_none_of_them(uow, store):
    case = open_complaint(uow, complaint("1", T0), "agent", at(0))
    before = len(store.timeline)
    with pytest.raises(errors.MissingExpectation):
        record_promises(
            uow,
            case.case_id,
            [
                spec("callback", "cc", "R", T0 + timedelta(hours=1)),
                spec("parcel.reroute", "lp", "R", T0 + timedelta(hours=1)),  # no location
            ],
            "agent",
            at(0),
        )
    assert store.promises == {} and len(store.timeline) == before


def test_promise_recorded_after_its_evidence_is_judged_at_once(uow, store):
    ingest_updates(uow, [update("stripe", "ch_1", "refund_failed", T0)], at(0))
    case = open_complaint(uow, complaint("refund?", T0), "agent", at(1))
    [recorded] = record_promises(
        uow,
        case.case_id,
        [spec("refund.issue", "stripe", "ch_1", T0 + timedelta(hours=24), amount="5", currency="EUR")],
        "agent",
        at(1),
    )
    assert recorded.verdict.value == "broken"
    view = read_case(uow, case.case_id)
    assert view.case.status.value == "reopened"
    types = [e.type.value for e in view.timeline]
    assert types[types.index("promise") :] == ["promise", "field_update", "verdict", "status"]
    assert len(store.outbox) == 1


def test_duplicates_and_unknown_references(uow, store):
    u = update("ups", "1Z", "in_transit", T0, event_id="e1")
    results = ingest_updates(uow, [u, u, update("ups", "1Z", "delivered", T0, event_id="e2")], at(0))
    assert results == [ItemResult.ACCEPTED, ItemResult.DUPLICATE, ItemResult.ACCEPTED]
    assert IngestSummary.of(results) == IngestSummary(accepted=2, duplicates=1, matched=0)
    assert ingest_updates(uow, [u], at(1)) == [ItemResult.DUPLICATE]
    assert len(store.updates) == 2


def test_sweep_breaks_only_overdue_promises_and_auto_closes_old_resolved_cases(uow, store):
    a = open_complaint(uow, complaint("a", T0), "agent", at(0))
    b = open_complaint(uow, complaint("b", T0), "agent", at(0))
    record_promises(uow, a.case_id, [spec("callback", "cc", "A", T0 + timedelta(hours=2))], "agent", at(0))
    record_promises(uow, b.case_id, [spec("callback", "cc", "B", T0 + timedelta(hours=48))], "agent", at(0))
    report = sweep_deadlines(uow, at(3))
    assert (report.cases_checked, report.promises_broken, report.cases_reopened) == (1, 1, 1)
    assert read_case(uow, b.case_id).case.status.value == "in_progress"
    ingest_updates(uow, [update("cc", "B", "done", T0 + timedelta(hours=4))], at(4))
    assert sweep_deadlines(uow, at(4 + 24 * 29)).cases_closed == 0
    assert sweep_deadlines(uow, at(5 + 24 * 30)).cases_closed == 1
    assert read_case(uow, b.case_id).case.status.value == "closed"


def test_updates_for_a_closed_case_do_not_reopen_it(uow, store):
    case = open_complaint(uow, complaint("a", T0), "agent", at(0))
    record_promises(uow, case.case_id, [spec("callback", "cc", "A", T0 + timedelta(hours=2))], "agent", at(0))
    close_case(uow, case.case_id, "agent", at(1))
    assert ingest_updates(uow, [update("cc", "A", "failed", T0)], at(1)) == [ItemResult.ACCEPTED]
    # The sweep still settles the closed case's overdue promise (so it leaves the pending
    # index) but a closed case never reopens and raises no alert.
    report = sweep_deadlines(uow, at(5))
    assert (report.cases_checked, report.cases_reopened, report.promises_broken) == (1, 0, 0)
    view = read_case(uow, case.case_id)
    assert view.case.status.value == "closed" and view.case.reopen_count == 0
    assert view.promises[0].outcome.verdict.value == "broken"  # judged, from the stored failure
    assert store.outbox == {}


def test_ingest_writes_the_evidence_the_verdict_and_the_status_each_by_its_actor(uow, store):
    case = open_complaint(uow, complaint("signed by a stranger", T0), "agent", at(0))
    record_promises(
        uow,
        case.case_id,
        [spec("parcel.deliver", "ups", "1Z", T0 + timedelta(days=1), recipient="Thomas Gouritin")],
        "agent",
        at(0),
    )
    assert store.locked_refs == [[("ups", "1Z")]]  # recording locks the promise's reference
    wrong = update("ups", "1Z", "delivered", T0 + timedelta(hours=2), signed_by="ROLAND", event_id="e1")
    noise = update("ups", "OTHER", "in_transit", T0, event_id="e2")
    assert ingest_updates(uow, [wrong, noise], at(3)) == [ItemResult.MATCHED, ItemResult.ACCEPTED]
    assert store.locked_refs[-1] == [("ups", "1Z"), ("ups", "OTHER")]  # every reference of the batch, sorted
    assert store.received_at[("ups", "e1")] == T0 + timedelta(hours=3)
    lines = [(e.type.value, e.actor) for e in read_case(uow, case.case_id).timeline]
    assert lines[-3:] == [("field_update", "partner:ups"), ("verdict", "system:verdicts"), ("status", "system:verdicts")]
    before = read_case(uow, case.case_id)
    assert ingest_updates(uow, [wrong], at(4)) == [ItemResult.DUPLICATE]
    # A redelivery locks its reference too (before the insert tells it is one), and changes nothing.
    assert store.locked_refs[-1] == [("ups", "1Z")]
    assert read_case(uow, case.case_id) == before


def test_a_promise_naming_a_known_reference_shows_its_stored_updates_in_the_order_they_occurred(uow, store):
    later = update("cc", "R", "in_progress", T0 + timedelta(hours=2), event_id="b-later")
    earlier = update("cc", "R", "in_progress", T0 + timedelta(hours=1), event_id="a-earlier")
    ingest_updates(uow, [later], at(2))
    ingest_updates(uow, [earlier], at(3))
    case = open_complaint(uow, complaint("call me", T0), "agent", at(3))
    record_promises(uow, case.case_id, [spec("callback", "cc", "R", T0 + timedelta(hours=9))], "agent", at(4))
    shown = [e.detail["event_id"] for e in read_case(uow, case.case_id).timeline if e.type.value == "field_update"]
    assert shown == ["a-earlier", "b-later"]
