"""End-to-end steps: a promise followed across the partners that carry it out.

A partner whose part is done may hand the rest over (`handoff: {partner, reference}` on a keeping
update: the warehouse shipped the replacement with Colissimo 6A…). A follow-on step is then
created for that partner's reference, linked to the promise (`parent_id`), with the kind its
predecessor's kind hands over to (a replacement continues as `parcel.deliver`), the promise's
expect, and the promise's deadline — or the next deadline of the promise's playbook plan.

Each step is judged on its own like any promise (so scorecards blame the partner whose step
broke); the promise as a whole is kept when its last step is kept and broken when any step
breaks (`overall`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Callable, Iterable, Mapping, Sequence

from domain.kinds import rules_for
from domain.model import FieldUpdate, Promise, Reason, Verdict

RefKey = tuple[str, str]


def handoffs(promise: Promise, updates: Iterable[FieldUpdate]) -> list[tuple[RefKey, FieldUpdate]]:
    """The (partner, reference) this step was handed over to by keeping updates, in field order."""
    rules = rules_for(promise.kind)
    found: dict[RefKey, FieldUpdate] = {}
    for update in sorted(
        (
            u
            for u in updates
            if (u.partner, u.reference) == (promise.partner, promise.reference) and u.handoff_partner and u.handoff_reference
        ),
        key=lambda u: u.order_key,
    ):
        if rules.effect(promise.expect, update).keeps:
            found.setdefault((update.handoff_partner or "", update.handoff_reference or ""), update)
    return list(found.items())


def follow_on(
    step: Promise,
    root: Promise,
    steps_so_far: int,
    target: RefKey,
    new_id: Callable[[], str],
) -> Promise:
    """The step that carries on `step` with `target`'s partner and reference."""
    rules = rules_for(step.kind)
    planned = root.plan[steps_so_far - 1] if steps_so_far - 1 < len(root.plan) else None
    kind = planned.kind if planned else rules.hands_over_to
    due_at = root.due_at
    if planned is not None and root.created_at is not None:
        due_at = root.created_at + timedelta(hours=planned.due_in_hours)
    expect = rules_for(kind).carried_expect(root.expect)
    return Promise(
        promise_id=new_id(),
        case_id=root.case_id,
        kind=kind,
        partner=target[0],
        reference=target[1],
        due_at=due_at,
        expect=expect,
        said=root.said,
        created_at=step.outcome.fulfilled_at or root.created_at,
        parent_id=root.promise_id,
    )


def chains(promises: Sequence[Promise]) -> dict[str, list[Promise]]:
    """Each promise's steps, in the order they were created (the promise itself first)."""
    out: dict[str, list[Promise]] = {}
    for p in promises:
        out.setdefault(p.root_id, [])

    def order(p: Promise) -> tuple[bool, float, str]:
        return (p.parent_id is not None, p.created_at.timestamp() if p.created_at else 0.0, p.promise_id)

    for p in sorted(promises, key=order):
        out.setdefault(p.root_id, []).append(p)
    return out


@dataclass(frozen=True, slots=True)
class Overall:
    """The promise as the customer sees it, across its steps."""

    verdict: Verdict
    reason: Reason | None
    broken_step: Promise | None  # the step that broke it
    blocking_step: Promise | None  # the step it is waiting on (pending) or that broke it
    where: str  # "shipped by warehouse-lyon, with colissimo 6A12…: in transit"


def overall(steps: Sequence[Promise], last_status: Mapping[RefKey, str] | None = None) -> Overall:
    """Kept when every step is kept (each step but the last was kept by the update that handed it
    over) and the plan has no step still to come; broken when any step is broken; pending otherwise.
    Which step broke it, or blocks it, never depends on the order the steps were created in (that
    follows arrival order): the earliest contradiction in the field, the soonest due pending step."""
    last_status = last_status or {}
    where = _where(steps, last_status)
    broken = [s for s in steps if s.outcome.verdict is Verdict.BROKEN]
    if broken:
        first = min(broken, key=_broken_order)
        return Overall(Verdict.BROKEN, first.outcome.reason, first, first, where)
    if all(s.outcome.verdict is Verdict.KEPT for s in steps) and len(steps) > len(steps[0].plan):
        return Overall(Verdict.KEPT, None, None, None, where)
    pending = [s for s in steps if s.outcome.verdict is Verdict.PENDING]
    blocking = min(pending, key=lambda s: (s.due_at, s.partner, s.reference)) if pending else steps[-1]
    return Overall(Verdict.PENDING, None, None, blocking, where)


def _broken_order(step: Promise) -> tuple:
    evidence = step.outcome.evidence
    when = evidence.order_key if evidence is not None else (step.due_at, "")
    return (*when, step.partner, step.reference)


def _where(steps: Sequence[Promise], last_status: Mapping[RefKey, str]) -> str:
    parts = []
    for step in steps:
        status = last_status.get((step.partner, step.reference))
        label = f"{step.partner} {step.reference}"
        parts.append(f"{label}: {status.replace('_', ' ')}" if status else f"{label}: {step.outcome.verdict.value}")
    return " → ".join(parts)
