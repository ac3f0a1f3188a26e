"""Use case: the clock breaks promises whose deadline passed, and closes old resolved cases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from domain.lifecycle import AUTO_CLOSE_AFTER, transition
from domain.model import CaseStatus, EntryType, TimelineEntry
from integrations.services.clock import Clock, utc_now
from integrations.services.ports import UnitOfWork
from integrations.services.reconciling import reconcile_cases

ACTOR = "system:sweep"


@dataclass(frozen=True, slots=True)
class SweepReport:
    cases_checked: int
    promises_broken: int
    cases_reopened: int
    cases_closed: int


def sweep_deadlines(uow_factory: Callable[[], UnitOfWork], clock: Clock = utc_now, batch_size: int = 500) -> SweepReport:
    """One batch of overdue cases per transaction, skipping cases another sweeper holds.

    Call repeatedly until `cases_checked` is 0 to drain a backlog; concurrent sweepers
    share the work through SKIP LOCKED instead of doing it twice.
    """
    now = clock()
    with uow_factory() as uow:
        case_ids = uow.promises.overdue_case_ids(now, batch_size)
        cases = uow.cases.lock(case_ids) if case_ids else {}
        changes = reconcile_cases(uow, cases, now, actor=ACTOR) if cases else []
        uow.promises.risk_checked(cases, now)
        closed = 0
        for case in uow.cases.lock_resolved_before(now - AUTO_CLOSE_AFTER, batch_size):
            step = transition(case, CaseStatus.CLOSED, now)
            if step:
                closed += 1
                uow.cases.save([case])
                uow.timeline.append(
                    [
                        TimelineEntry(
                            case.case_id,
                            now,
                            EntryType.STATUS,
                            ACTOR,
                            {"from": step.from_status.value, "to": step.to_status.value, "reason": "resolved for 30 days"},
                        )
                    ]
                )
        uow.commit()
    return SweepReport(
        cases_checked=len(cases),
        promises_broken=sum(len(c.alerts) for c in changes),
        cases_reopened=sum(1 for c in changes if c.status_changed and c.case.status is CaseStatus.REOPENED),
        cases_closed=closed,
    )
