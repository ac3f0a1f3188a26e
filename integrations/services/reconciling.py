"""Shared step of every use case that touches promises: re-decide cases and persist it all."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Iterable, Sequence

from domain.model import Case, FieldUpdate, Promise, TimelineEntry
from domain.reconcile import CaseChanges, reevaluate
from integrations.services.ports import RefKey, UnitOfWork


def reconcile_cases(
    uow: UnitOfWork,
    cases: dict[str, Case],
    now: datetime,
    *,
    actor: str,
    new_updates: Sequence[FieldUpdate] = (),
    extra_timeline: Iterable[TimelineEntry] = (),
    reason_hint: str | None = None,
    promises: Sequence[Promise] | None = None,
) -> list[CaseChanges]:
    """Re-evaluate every promise of the (already locked) `cases` and write what changed.

    A constant number of queries whatever the number of cases: promises of all cases, the
    updates of all their references, then one write per table.
    """
    if promises is None:
        promises = uow.promises.for_cases(cases)
    by_case: dict[str, list[Promise]] = defaultdict(list)
    for promise in promises:
        by_case[promise.case_id].append(promise)
    updates = uow.updates.for_references({(p.partner, p.reference) for p in promises})
    all_changes = [
        reevaluate(case, by_case.get(case_id, []), updates, now, actor=actor,
                   new_updates=new_updates, reason_hint=reason_hint)
        for case_id, case in cases.items()
    ]
    persist(uow, all_changes, now, extra_timeline=extra_timeline)
    return all_changes


def persist(uow: UnitOfWork, all_changes: Sequence[CaseChanges], now: datetime,
            extra_timeline: Iterable[TimelineEntry] = ()) -> None:
    timeline = list(extra_timeline)
    changed_promises: list[Promise] = []
    changed_cases: list[Case] = []
    alerts = []
    for changes in all_changes:
        timeline.extend(changes.timeline)
        changed_promises.extend(changes.changed_promises)
        alerts.extend(changes.alerts)
        if changes.status_changed:
            changed_cases.append(changes.case)
    if changed_promises:
        uow.promises.save_outcomes(changed_promises, now)
    if changed_cases:
        uow.cases.save(changed_cases)
    if timeline:
        uow.timeline.append(timeline)
    if alerts:
        uow.outbox.add(alerts, now)


def refs_of(updates: Iterable[FieldUpdate]) -> set[RefKey]:
    return {(u.partner, u.reference) for u in updates}
