"""The case lifecycle: which status a case is in, and which transitions exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from domain.errors import IllegalTransition
from domain.model import Case, CaseStatus, Promise, Verdict

AUTO_CLOSE_AFTER = timedelta(days=30)

S = CaseStatus
# Explicit (from, to) pairs; `closed` is terminal and nothing goes back to `open`.
TRANSITIONS: frozenset[tuple[CaseStatus, CaseStatus]] = frozenset(
    {
        (S.OPEN, S.IN_PROGRESS),
        (S.OPEN, S.RESOLVED),
        (S.OPEN, S.REOPENED),
        (S.OPEN, S.CLOSED),
        (S.IN_PROGRESS, S.RESOLVED),
        (S.IN_PROGRESS, S.REOPENED),
        (S.IN_PROGRESS, S.CLOSED),
        (S.REOPENED, S.IN_PROGRESS),
        (S.REOPENED, S.RESOLVED),
        (S.REOPENED, S.CLOSED),
        (S.RESOLVED, S.IN_PROGRESS),
        (S.RESOLVED, S.REOPENED),
        (S.RESOLVED, S.CLOSED),
    }
)


def derive_status(case: Case, promises: Iterable[Promise]) -> CaseStatus:
    """The status that the case's promises and open dispute imply."""
    if case.status is CaseStatus.CLOSED:
        return CaseStatus.CLOSED
    promises = list(promises)
    unaddressed = case.disputed or any(p.outcome.unaddressed_break and not p.addressed for p in promises)
    if unaddressed:
        return CaseStatus.REOPENED
    if any(p.outcome.verdict is Verdict.PENDING for p in promises):
        return CaseStatus.IN_PROGRESS
    return CaseStatus.RESOLVED if promises else CaseStatus.OPEN


@dataclass(frozen=True, slots=True)
class Transition:
    from_status: CaseStatus
    to_status: CaseStatus

    @property
    def is_reopen(self) -> bool:
        return self.to_status is CaseStatus.REOPENED


def transition(case: Case, to_status: CaseStatus, now: datetime) -> Transition | None:
    """Move `case` to `to_status`; None when it is already there. Raises on illegal moves."""
    if case.status is to_status:
        return None
    if (case.status, to_status) not in TRANSITIONS:
        raise IllegalTransition(
            f"a {case.status} case cannot become {to_status}", {"from": case.status.value, "to": to_status.value}
        )
    step = Transition(case.status, to_status)
    case.status = to_status
    case.status_changed_at = now
    if step.is_reopen:
        case.reopen_count += 1
    if to_status is CaseStatus.RESOLVED:
        case.resolved_at = now
    elif to_status is CaseStatus.CLOSED:
        case.closed_at = now
    else:
        case.resolved_at = None
    return step


def due_for_auto_close(case: Case, now: datetime) -> bool:
    return case.status is CaseStatus.RESOLVED and case.resolved_at is not None and now - case.resolved_at >= AUTO_CLOSE_AFTER
