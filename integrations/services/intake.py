"""Use case: a complaint posted on social media becomes (or joins) a case."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Callable

from domain.lifecycle import transition
from domain.model import Alert, Case, CaseStatus, Complaint, EntryType, TimelineEntry
from integrations.services.clock import Clock, utc_now
from integrations.services.ports import UnitOfWork

DISPUTE = "customer_disputes"


@dataclass(frozen=True, slots=True)
class IntakeResult:
    case_id: str
    status: CaseStatus
    created: bool  # a new case was opened (201) rather than found or joined (200)
    linked_to: str | None = None


def _complaint_entry(case_id: str, complaint: Complaint, actor: str, now) -> TimelineEntry:
    return TimelineEntry(
        case_id,
        now,
        EntryType.COMPLAINT,
        actor,
        {
            "channel": complaint.channel,
            "external_id": complaint.external_id,
            "author": complaint.author,
            "text": complaint.text,
            "posted_at": complaint.posted_at.isoformat(),
        },
    )


def open_complaint(
    uow_factory: Callable[[], UnitOfWork],
    complaint: Complaint,
    actor: str,
    clock: Clock = utc_now,
) -> IntakeResult:
    now = clock()
    for _attempt in range(3):
        with uow_factory() as uow:
            existing = uow.complaints.case_id_for(complaint.channel, complaint.external_id)
            if existing is not None:
                case = uow.cases.get(existing)
                assert case is not None
                return IntakeResult(case.case_id, case.status, created=False, linked_to=case.linked_to)
            related = None
            if complaint.customer_ref or complaint.order_ref:
                related = uow.cases.latest_by_refs(complaint.customer_ref, complaint.order_ref)
            if related is not None and related.status is not CaseStatus.CLOSED:
                result = _join(uow, related.case_id, complaint, actor, now)
            else:
                result = _open(uow, complaint, actor, now, linked_to=related.case_id if related else None)
            if result is not None:
                uow.commit()
                return result
        # Lost a race with the same complaint arriving twice: the next round finds the winner.
    raise RuntimeError("complaint intake kept losing races")  # pragma: no cover


def _open(uow: UnitOfWork, complaint: Complaint, actor: str, now, linked_to: str | None):
    case = Case(
        case_id=str(uuid.uuid4()),
        customer_ref=complaint.customer_ref,
        order_ref=complaint.order_ref,
        linked_to=linked_to,
        created_at=now,
    )
    uow.cases.add(case)
    if not uow.complaints.add(case.case_id, complaint, now):
        return None
    entries = [_complaint_entry(case.case_id, complaint, actor, now)]
    if linked_to:
        entries.append(
            TimelineEntry(
                case.case_id,
                now,
                EntryType.STATUS,
                actor,
                {
                    "from": None,
                    "to": CaseStatus.OPEN.value,
                    "linked_to": linked_to,
                    "reason": "new complaint about a closed case",
                },
            )
        )
    uow.timeline.append(entries)
    return IntakeResult(case.case_id, case.status, created=True, linked_to=linked_to)


def _join(uow: UnitOfWork, case_id: str, complaint: Complaint, actor: str, now):
    case = uow.cases.lock([case_id])[case_id]
    if not uow.complaints.add(case_id, complaint, now):
        return None
    entries = [_complaint_entry(case_id, complaint, actor, now)]
    if case.status is CaseStatus.RESOLVED:
        case.disputed = True
        step = transition(case, CaseStatus.REOPENED, now)
        assert step is not None
        entries.append(
            TimelineEntry(
                case_id,
                now,
                EntryType.STATUS,
                actor,
                {
                    "from": step.from_status.value,
                    "to": step.to_status.value,
                    "reason": DISPUTE,
                    "reopen_count": case.reopen_count,
                    "evidence": [{"complaint": complaint.external_id, "text": complaint.text}],
                },
            )
        )
        uow.outbox.add(
            [
                Alert(
                    key=f"{case_id}:{DISPUTE}:{complaint.channel}:{complaint.external_id}",
                    case_id=case_id,
                    promise_id=None,
                    kind=DISPUTE,
                    payload={"case_id": case_id, "reason": DISPUTE, "complaint": complaint.text, "author": complaint.author},
                )
            ],
            now,
        )
        uow.cases.save([case])
    uow.timeline.append(entries)
    return IntakeResult(case_id, case.status, created=False, linked_to=case.linked_to)
