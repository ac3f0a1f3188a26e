"""domain/reconcile.py and domain/lifecycle.py: exactly what new evidence writes on a case
(timeline lines, verdict details, status change, alert), and the lifecycle at its boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain import errors
from domain.lifecycle import AUTO_CLOSE_AFTER, TRANSITIONS, derive_status, due_for_auto_close, transition
from domain.model import Case, CaseStatus, EntryType, FieldUpdate, Outcome, Promise, Reason, Verdict
from domain.reconcile import alert_key, reevaluate

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DUE = T0 + timedelta(hours=24)


def promise(pid="p1", kind="parcel.deliver", reference="1Z", **expect):
    return Promise.create(
        promise_id=pid,
        case_id="c1",
        kind=kind,
        partner="ups",
        reference=reference,
        due_at=DUE,
        expect=expect or ({"recipient": "Thomas Gouritin"} if kind == "parcel.deliver" else {}),
        said="demain",
        created_at=T0,
    )


def upd(status, hours, event_id="e1", reference="1Z", **fields):
    return FieldUpdate.create(
        "ups",
        {"event_id": event_id, "reference": reference, "status": status, "occurred_at": T0 + timedelta(hours=hours), **fields},
    )


def test_a_contradiction_writes_the_update_the_verdict_the_reopen_and_one_alert():
    case = Case("c1", status=CaseStatus.IN_PROGRESS, created_at=T0)
    p = promise()
    wrong = upd("delivered", 2, signed_by="ROLAND")
    now = T0 + timedelta(hours=3)
    changes = reevaluate(
        case,
        [p],
        {("ups", "1Z"): [wrong]},
        now,
        actor="system:verdicts",
        new_updates=[wrong, upd("in_transit", 1, event_id="other", reference="NOT-MINE")],
    )
    outcome = {"verdict": "broken", "reason": "wrong_recipient", "fulfilled_at": None, "evidence": wrong.evidence()}
    field_line, verdict_line, status_line = changes.timeline
    assert (field_line.type, field_line.actor, field_line.at, field_line.detail, field_line.case_id) == (
        EntryType.FIELD_UPDATE,
        "partner:ups",
        now,
        wrong.evidence(),
        "c1",
    )
    assert verdict_line.at == now and status_line.at == now
    assert (verdict_line.type, verdict_line.actor, verdict_line.detail) == (
        EntryType.VERDICT,
        "system:verdicts",
        {"promise_id": "p1", "from": "pending", **outcome},
    )
    assert (status_line.type, status_line.actor, status_line.detail) == (
        EntryType.STATUS,
        "system:verdicts",
        {
            "from": "in_progress",
            "to": "reopened",
            "reason": "wrong_recipient",
            "reopen_count": 1,
            "evidence": [{**outcome, "promise_id": "p1"}],
        },
    )
    assert changes.status_changed and changes.changed_promises == [p]
    assert (case.status, case.reopen_count, case.status_changed_at) == (CaseStatus.REOPENED, 1, now)
    [alert] = changes.alerts
    assert (alert.key, alert.case_id, alert.promise_id, alert.kind) == ("p1:broken", "c1", "p1", "promise_broken")
    assert alert.payload == {
        "case_id": "c1",
        "promise": {
            "promise_id": "p1",
            "kind": "parcel.deliver",
            "partner": "ups",
            "reference": "1Z",
            "due_at": DUE.isoformat(),
            "expect": {"recipient": "Thomas Gouritin"},
            "said": "demain",
        },
        **outcome,
    }
    assert alert_key(p) == "p1:broken"


def test_nothing_new_changes_nothing():
    case = Case("c1", status=CaseStatus.IN_PROGRESS)
    p = promise()
    changes = reevaluate(case, [p], {}, T0 + timedelta(hours=1), actor="a")
    assert (changes.timeline, changes.alerts, changes.changed_promises, changes.status_changed) == ([], [], [], False)
    assert case.status is CaseStatus.IN_PROGRESS


def test_a_keep_resolves_the_case_without_an_alert():
    case = Case("c1", status=CaseStatus.IN_PROGRESS)
    p = promise()
    ok = upd("delivered", 2, signed_by="T Gouritin")
    changes = reevaluate(case, [p], {("ups", "1Z"): [ok]}, T0 + timedelta(hours=3), actor="a", reason_hint="hint")
    assert changes.alerts == [] and case.status is CaseStatus.RESOLVED
    assert changes.timeline[-1].detail == {
        "from": "in_progress",
        "to": "resolved",
        "reason": "hint",
        "reopen_count": 0,
        "evidence": [],
    }
    verdict = changes.timeline[0].detail
    assert verdict["fulfilled_at"] == (T0 + timedelta(hours=2)).isoformat()
    assert "corrected" not in verdict and "kept_late" not in verdict


def test_a_deadline_missed_then_corrected_by_an_on_time_update_says_so():
    p = promise(kind="callback", reference="CB")
    p.outcome = Outcome(Verdict.BROKEN, Reason.DEADLINE_MISSED)
    done = upd("done", 20, reference="CB")
    changes = reevaluate(
        Case("c1", status=CaseStatus.REOPENED), [p], {("ups", "CB"): [done]}, T0 + timedelta(hours=30), actor="a"
    )
    assert changes.timeline[0].detail["corrected"] == "an update that occurred on time arrived after the deadline"
    assert "kept_late" not in changes.timeline[0].detail


def test_a_promise_kept_late_is_marked_and_raises_no_alert():
    p = promise(kind="callback", reference="CB")
    late = upd("done", 30, reference="CB")
    case = Case("c1", status=CaseStatus.IN_PROGRESS)
    changes = reevaluate(case, [p], {("ups", "CB"): [late]}, T0 + timedelta(hours=31), actor="a")
    verdict = changes.timeline[0].detail
    assert verdict["kept_late"] is True and "corrected" not in verdict
    assert changes.alerts == [] and case.status is CaseStatus.RESOLVED


def test_a_newly_broken_promise_is_unaddressed_again():
    p = promise()
    p.addressed = True
    wrong = upd("delivered", 2, signed_by="ROLAND")
    reevaluate(Case("c1", status=CaseStatus.IN_PROGRESS), [p], {("ups", "1Z"): [wrong]}, T0 + timedelta(hours=3), actor="a")
    assert p.addressed is False


def test_a_closed_case_records_verdicts_but_never_moves_nor_alerts():
    case = Case("c1", status=CaseStatus.CLOSED)
    p = promise()
    changes = reevaluate(
        case, [p], {("ups", "1Z"): [upd("delivered", 2, signed_by="ROLAND")]}, T0 + timedelta(hours=3), actor="a"
    )
    assert [e.type for e in changes.timeline] == [EntryType.VERDICT]
    assert changes.alerts == [] and not changes.status_changed and case.status is CaseStatus.CLOSED


def test_a_dispute_reopens_with_the_hint_as_reason():
    case = Case("c1", status=CaseStatus.RESOLVED, disputed=True)
    changes = reevaluate(case, [], {}, T0, actor="a", reason_hint="customer_disputes")
    assert changes.timeline[-1].detail["reason"] == "customer_disputes" and case.reopen_count == 1


def test_two_broken_promises_give_their_reasons_sorted_and_two_alerts():
    a, b = promise("pa", reference="A"), promise("pb", kind="parcel.reroute", reference="B", location="Lille Vauban")
    updates = {
        ("ups", "A"): [upd("delivered", 2, reference="A", signed_by="ROLAND")],
        ("ups", "B"): [upd("lost", 2, event_id="e2", reference="B")],
    }
    changes = reevaluate(Case("c1", status=CaseStatus.IN_PROGRESS), [a, b], updates, T0 + timedelta(hours=3), actor="a")
    assert changes.timeline[-1].detail["reason"] == "parcel_failed,wrong_recipient"
    assert [al.key for al in changes.alerts] == ["pa:broken", "pb:broken"]


# --- lifecycle ---------------------------------------------------------------------------------


def test_derive_status():
    pending, broken = promise(), promise("p2")
    broken.outcome = Outcome(Verdict.BROKEN, Reason.WRONG_LOCATION)
    kept = promise("p3")
    kept.outcome = Outcome(Verdict.KEPT, fulfilled_at=T0)
    late = promise("p4")
    late.outcome = Outcome(Verdict.BROKEN, Reason.DEADLINE_MISSED, fulfilled_at=T0)
    open_case = Case("c1")
    assert derive_status(open_case, []) is CaseStatus.OPEN
    assert derive_status(open_case, [kept]) is CaseStatus.RESOLVED
    assert derive_status(open_case, [kept, late]) is CaseStatus.RESOLVED  # kept late: nothing to answer
    assert derive_status(open_case, [kept, pending]) is CaseStatus.IN_PROGRESS
    assert derive_status(open_case, [pending, broken]) is CaseStatus.REOPENED
    broken.addressed = True
    assert derive_status(open_case, [pending, broken]) is CaseStatus.IN_PROGRESS
    assert derive_status(Case("c1", disputed=True), [kept]) is CaseStatus.REOPENED
    assert derive_status(Case("c1", status=CaseStatus.CLOSED, disputed=True), [pending]) is CaseStatus.CLOSED


def test_transitions_stamp_the_case():
    case = Case("c1", status=CaseStatus.IN_PROGRESS)
    step = transition(case, CaseStatus.RESOLVED, T0)
    assert (step.from_status, step.to_status, step.is_reopen) == (CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED, False)
    assert (case.resolved_at, case.status_changed_at, case.reopen_count) == (T0, T0, 0)
    assert transition(case, CaseStatus.RESOLVED, T0 + timedelta(hours=1)) is None
    later = T0 + timedelta(hours=2)
    assert transition(case, CaseStatus.REOPENED, later).is_reopen
    assert (case.resolved_at, case.status_changed_at, case.reopen_count) == (None, later, 1)
    transition(case, CaseStatus.CLOSED, later)
    assert (case.closed_at, case.status) == (later, CaseStatus.CLOSED)


@pytest.mark.parametrize("source", list(CaseStatus))
@pytest.mark.parametrize("target", list(CaseStatus))
def test_only_listed_transitions_are_allowed(source, target):
    case = Case("c1", status=source)
    if source is target:
        assert transition(case, target, T0) is None
    elif (source, target) in TRANSITIONS:
        assert transition(case, target, T0).to_status is target
    else:
        with pytest.raises(errors.IllegalTransition) as caught:
            transition(case, target, T0)
        assert caught.value.details == {"from": source.value, "to": target.value}
        assert caught.value.message == f"a {source} case cannot become {target}"
        assert case.status is source
    assert (CaseStatus.CLOSED, target) not in TRANSITIONS and (source, CaseStatus.OPEN) not in TRANSITIONS


def test_a_resolved_case_is_due_for_auto_close_after_exactly_thirty_days():
    case = Case("c1", status=CaseStatus.RESOLVED, resolved_at=T0)
    assert AUTO_CLOSE_AFTER == timedelta(days=30)
    assert not due_for_auto_close(case, T0 + AUTO_CLOSE_AFTER - timedelta(seconds=1))
    assert due_for_auto_close(case, T0 + AUTO_CLOSE_AFTER)
    assert not due_for_auto_close(Case("c1", status=CaseStatus.REOPENED, resolved_at=T0), T0 + timedelta(days=60))
    assert not due_for_auto_close(Case("c1", status=CaseStatus.RESOLVED), T0 + timedelta(days=60))
