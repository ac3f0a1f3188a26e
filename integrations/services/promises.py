"""Use case: an agent records a promise made to the customer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Mapping

from domain.errors import AlreadyAnswered, CaseClosed, InvalidInput, UnknownCase
from domain.model import CaseStatus, EntryType, PlannedStep, Promise, TimelineEntry, Verdict
from domain.reconcile import promise_detail
from integrations.services.clock import Clock, utc_now
from integrations.services.ports import UnitOfWork
from integrations.services.reconciling import reconcile_cases


@dataclass(frozen=True, slots=True)
class PromiseSpec:
    kind: str
    partner: str
    reference: str
    due_at: datetime
    expect: Mapping[str, Any]
    said: str | None = None
    plan: tuple[PlannedStep, ...] = ()  # a playbook's later steps
    replaces: str | None = None  # the stuck promise this one answers


@dataclass(frozen=True, slots=True)
class RecordedPromise:
    promise_id: str
    verdict: Verdict
    promise: Promise


def record_promises(
    uow_factory: Callable[[], UnitOfWork],
    case_id: str,
    specs: list[PromiseSpec],
    actor: str,
    clock: Clock = utc_now,
    said_at: datetime | None = None,
    extra_timeline: list[TimelineEntry] | None = None,
    also: Callable[[UnitOfWork, list[Promise]], None] | None = None,
) -> list[RecordedPromise]:
    """Record promises on a case, judged at once against updates already stored.

    Recording addresses whatever was unaddressed on the case (broken promises, a dispute).
    All promises are validated before anything is written. `also(uow, promises)` runs in the same
    transaction before it commits (raising there writes nothing).
    """
    now = clock()
    made_at = said_at or now
    promises = [
        Promise.create(
            promise_id=str(uuid.uuid4()),
            case_id=case_id,
            kind=s.kind,
            partner=s.partner,
            reference=s.reference,
            due_at=s.due_at,
            expect=s.expect,
            said=s.said,
            created_at=made_at,
            plan=s.plan,
            replaces=s.replaces,
        )
        for s in specs
    ]
    with uow_factory() as uow:
        uow.updates.lock_references({(p.partner, p.reference) for p in promises})
        case = uow.cases.lock([case_id]).get(case_id)
        if case is None:
            raise UnknownCase(f"no case {case_id}", {"case_id": case_id})
        if case.status is CaseStatus.CLOSED:
            raise CaseClosed(f"case {case_id} is closed", {"case_id": case_id})
        existing = uow.promises.for_cases([case_id])
        on_case = {p.promise_id: p for p in existing}
        for spec in specs:  # the playbook's next step: once, even on two clicks at the same time
            if spec.replaces is None:
                continue
            if spec.replaces not in on_case:
                raise InvalidInput("replaces must name a promise of this case", {"replaces": spec.replaces})
            if on_case[spec.replaces].addressed:
                raise AlreadyAnswered("a newer promise already answers this one", {"promise_id": spec.replaces})
        uow.promises.mark_addressed(case_id)
        for old in existing:
            old.addressed = True
        case.disputed = False
        uow.cases.save([case])
        for promise in promises:
            uow.promises.add(promise)  # not addressed: a break found at once reopens the case
        # The partner request each promise implies, sent later by the workflow (durable).
        uow.outbound.add(promises, now)
        entries = list(extra_timeline or [])
        entries += [TimelineEntry(case_id, now, EntryType.PROMISE, actor, promise_detail(p)) for p in promises]
        known_refs = {(p.partner, p.reference) for p in existing}
        reconcile_cases(
            uow,
            {case_id: case},
            now,
            actor="system:verdicts",
            extra_timeline=entries,
            promises=existing + promises,
            announce_refs={(p.partner, p.reference) for p in promises} - known_refs,
        )
        if also is not None:
            also(uow, promises)
        uow.commit()
    return [RecordedPromise(p.promise_id, p.outcome.verdict, p) for p in promises]
