"""What follows from new evidence on one case: verdict changes, status transition, alerts.

Pure: the service layer loads a case with its promises and the updates about them, calls
`reevaluate`, and persists the returned changes in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping, Sequence

from domain.lifecycle import derive_status, transition
from domain.model import (
    Alert,
    AtRisk,
    Case,
    CaseStatus,
    EntryType,
    FieldUpdate,
    Outcome,
    Promise,
    Reason,
    TimelineEntry,
    Verdict,
)
from domain.steps import follow_on, handoffs
from domain.verdicts import evaluate

RefKey = tuple[str, str]


@dataclass(slots=True)
class CaseChanges:
    case: Case
    timeline: list[TimelineEntry] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    changed_promises: list[Promise] = field(default_factory=list)
    new_promises: list[Promise] = field(default_factory=list)  # follow-on steps created by handoffs
    status_changed: bool = False


def alert_key(promise: Promise) -> str:
    """Never two alerts for the same promise and verdict, whatever its reason becomes (a reason
    that changes is on the timeline, not in a second alert)."""
    return f"{promise.promise_id}:{promise.outcome.verdict}"


def risk_alert_key(promise: Promise, risk: AtRisk) -> str:
    """One early warning per promise and cause."""
    return f"{promise.promise_id}:at_risk:{risk.cause}"


def promise_detail(promise: Promise) -> dict:
    detail: dict[str, Any] = {
        "promise_id": promise.promise_id,
        "kind": promise.kind.value,
        "partner": promise.partner,
        "reference": promise.reference,
        "due_at": promise.due_at.isoformat(),
        "expect": promise.expect,
        "said": promise.said,
    }
    if promise.parent_id:
        detail["step_of"] = promise.parent_id
    if promise.replaces:
        detail["replaces"] = promise.replaces
    if promise.plan:
        detail["plan"] = [step.detail() for step in promise.plan]
    return detail


def _outcome_detail(outcome: Outcome) -> dict:
    detail: dict[str, Any] = {
        "verdict": outcome.verdict.value,
        "reason": outcome.reason.value if outcome.reason else None,
        "fulfilled_at": outcome.fulfilled_at.isoformat() if outcome.fulfilled_at else None,
        "evidence": outcome.evidence.evidence() if outcome.evidence else None,
    }
    if outcome.unverified:
        detail["unverified"] = list(outcome.unverified)
    return detail


def _risk_cause(outcome: Outcome) -> str | None:
    return outcome.at_risk.cause if outcome.at_risk else None


def same_outcome(a: Outcome, b: Outcome) -> bool:
    return (a.verdict, a.reason, a.fulfilled_at, a.unverified, _risk_cause(a)) == (
        b.verdict,
        b.reason,
        b.fulfilled_at,
        b.unverified,
        _risk_cause(b),
    )


def _follow_handoffs(
    case: Case,
    promises: list[Promise],
    updates_by_ref: Mapping[RefKey, Sequence[FieldUpdate]],
    now: datetime,
    actor: str,
    new_id: Callable[[], str],
    changes: CaseChanges,
) -> None:
    """Create the follow-on step of every step handed over by a keeping update (once per target)."""
    roots = {p.promise_id: p for p in promises if p.parent_id is None}
    taken = {(p.root_id, p.partner, p.reference) for p in promises}
    work = list(promises)
    while work:
        step = work.pop(0)
        root = roots.get(step.root_id)
        if root is None:
            continue
        for target, update in handoffs(step, updates_by_ref.get((step.partner, step.reference), ())):
            if (root.promise_id, *target) in taken:
                continue
            siblings = sum(1 for p in promises if p.root_id == root.promise_id)
            child = follow_on(step, root, siblings, target, new_id)
            child.created_at = (
                update.occurred_at if update.occurred_at > (root.created_at or update.occurred_at) else root.created_at
            )
            taken.add((root.promise_id, *target))
            promises.append(child)
            work.append(child)
            changes.new_promises.append(child)
            changes.timeline.append(
                TimelineEntry(
                    case.case_id,
                    now,
                    EntryType.STEP,
                    actor,
                    {
                        **promise_detail(child),
                        "handed_over_by": {"partner": step.partner, "reference": step.reference, "event_id": update.event_id},
                    },
                )
            )


def reevaluate(
    case: Case,
    promises: Sequence[Promise],
    updates_by_ref: Mapping[RefKey, Sequence[FieldUpdate]],
    now: datetime,
    *,
    actor: str,
    new_updates: Iterable[FieldUpdate] = (),
    reason_hint: str | None = None,
    new_id: Callable[[], str] | None = None,
) -> CaseChanges:
    """Re-decide every promise of `case` and derive what changes.

    `new_updates` are the updates just received: those concerning one of the case's promises
    are written to its timeline. `reason_hint` explains a status change not caused by a verdict
    (e.g. `customer_disputes`). With `new_id`, a step handed over to another partner gets its
    follow-on step (`updates_by_ref` must then hold the updates of the handoffs' references).
    """
    changes = CaseChanges(case=case)
    promises = list(promises)
    if new_id is not None:
        _follow_handoffs(case, promises, updates_by_ref, now, actor, new_id, changes)
    keys = {(p.partner, p.reference) for p in promises}
    for update in new_updates:
        if (update.partner, update.reference) in keys:
            changes.timeline.append(
                TimelineEntry(case.case_id, now, EntryType.FIELD_UPDATE, f"partner:{update.partner}", update.evidence())
            )
    newly_broken: list[Promise] = []
    newly_at_risk: list[Promise] = []
    for promise in promises:
        old = promise.outcome
        new = evaluate(promise, updates_by_ref.get((promise.partner, promise.reference), ()), now)
        if same_outcome(old, new):
            continue
        promise.outcome = new
        changes.changed_promises.append(promise)
        if new.at_risk is not None and _risk_cause(old) != new.at_risk.cause:
            newly_at_risk.append(promise)
            changes.timeline.append(
                TimelineEntry(
                    case.case_id,
                    now,
                    EntryType.AT_RISK,
                    actor,
                    {"promise_id": promise.promise_id, **new.at_risk.detail(), "due_at": promise.due_at.isoformat()},
                )
            )
        elif new.at_risk is None and old.at_risk is not None and new.verdict is Verdict.PENDING:
            changes.timeline.append(
                TimelineEntry(
                    case.case_id, now, EntryType.AT_RISK, actor, {"promise_id": promise.promise_id, "cleared": old.at_risk.cause}
                )
            )
        if (new.verdict, new.reason, new.fulfilled_at, new.unverified) == (
            old.verdict,
            old.reason,
            old.fulfilled_at,
            old.unverified,
        ):
            continue  # only the early warning changed
        detail = {"promise_id": promise.promise_id, "from": old.verdict.value, **_outcome_detail(new)}
        if old.reason is Reason.DEADLINE_MISSED and old.fulfilled_at is None and new.verdict is Verdict.KEPT:
            detail["corrected"] = "an update that occurred on time arrived after the deadline"
        elif new.verdict is Verdict.BROKEN and new.fulfilled_at is not None:
            detail["kept_late"] = True
        changes.timeline.append(TimelineEntry(case.case_id, now, EntryType.VERDICT, actor, detail))
        if new.unaddressed_break:
            promise.addressed = False
            newly_broken.append(promise)
    if case.status is CaseStatus.CLOSED:
        return changes
    step = transition(case, derive_status(case, promises), now)
    if step is not None:
        changes.status_changed = True
        reasons = sorted({p.outcome.reason.value for p in newly_broken if p.outcome.reason})
        why = reason_hint if step.is_reopen and not reasons else ",".join(reasons) or reason_hint
        changes.timeline.append(
            TimelineEntry(
                case.case_id,
                now,
                EntryType.STATUS,
                actor,
                {
                    "from": step.from_status.value,
                    "to": step.to_status.value,
                    "reason": why,
                    "reopen_count": case.reopen_count,
                    "evidence": [_outcome_detail(p.outcome) | {"promise_id": p.promise_id} for p in newly_broken],
                },
            )
        )
    for promise in newly_at_risk:
        risk = promise.outcome.at_risk
        assert risk is not None
        changes.alerts.append(
            Alert(
                key=risk_alert_key(promise, risk),
                case_id=case.case_id,
                promise_id=promise.promise_id,
                kind="promise_at_risk",
                payload={
                    "case_id": case.case_id,
                    "promise": promise_detail(promise),
                    "verdict": "pending",
                    "at_risk": risk.detail(),
                },
            )
        )
    for promise in newly_broken:
        changes.alerts.append(
            Alert(
                key=alert_key(promise),
                case_id=case.case_id,
                promise_id=promise.promise_id,
                kind="promise_broken",
                payload={"case_id": case.case_id, "promise": promise_detail(promise), **_outcome_detail(promise.outcome)},
            )
        )
    return changes
