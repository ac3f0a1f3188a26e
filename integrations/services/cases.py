"""Use cases: read a case with its history; close it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from domain.errors import UnknownCase
from domain.lifecycle import transition
from domain.model import Case, CaseStatus, Complaint, EntryType, Promise, Suggestion, SuggestionState, TimelineEntry
from integrations.redaction import redact_text
from integrations.services.clock import Clock, utc_now
from integrations.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class CaseView:
    case: Case
    complaints: list[Complaint]
    promises: list[Promise]
    timeline: list[TimelineEntry]
    suggestions: list[Suggestion] = field(default_factory=list)  # the open ones


def read_case(uow_factory: Callable[[], UnitOfWork], case_id: str) -> CaseView:
    with uow_factory() as uow:
        case = uow.cases.get(case_id)
        if case is None:
            raise UnknownCase(f"no case {case_id}", {"case_id": case_id})
        return CaseView(
            case,
            uow.complaints.for_case(case_id),
            uow.promises.for_cases([case_id]),
            [_shown(e) for e in uow.timeline.for_case(case_id)],
            uow.suggestions.for_case(case_id, SuggestionState.OPEN),
        )


def _shown(entry: TimelineEntry) -> TimelineEntry:
    """Outbound requests name their target and errors: credentials in those URLs are redacted
    when written, and again here for entries written before that."""
    if entry.type is not EntryType.OUTBOUND_REQUEST:
        return entry
    detail = {k: redact_text(v) if k in ("target", "error") and isinstance(v, str) else v for k, v in entry.detail.items()}
    return TimelineEntry(entry.case_id, entry.at, entry.type, entry.actor, detail)


def close_case(uow_factory: Callable[[], UnitOfWork], case_id: str, actor: str, clock: Clock = utc_now) -> Case:
    """Close a case for good; closing a closed case is a no-op (idempotent retries)."""
    now = clock()
    with uow_factory() as uow:
        case = uow.cases.lock([case_id]).get(case_id)
        if case is None:
            raise UnknownCase(f"no case {case_id}", {"case_id": case_id})
        step = transition(case, CaseStatus.CLOSED, now)
        if step is not None:
            uow.cases.save([case])
            uow.timeline.append(
                [
                    TimelineEntry(
                        case_id,
                        now,
                        EntryType.STATUS,
                        actor,
                        {"from": step.from_status.value, "to": step.to_status.value, "reason": "closed"},
                    )
                ]
            )
            uow.commit()
        return case
