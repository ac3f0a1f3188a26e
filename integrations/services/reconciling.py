"""Shared step of every use case that touches promises: re-decide cases and persist it all."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Iterable, Sequence

from domain.model import Case, FieldUpdate, Promise, TimelineEntry
from domain.reconcile import CaseChanges, reevaluate
from integrations import metrics
from integrations.services.ports import RefKey, UnitOfWork


def reconcile_cases(
    uow: UnitOfWork,
    cases: dict[str, Case],
    now: datetime,
    *,
    actor: str,
    new_updates: Sequence[FieldUpdate] = (),
    announce_refs: Iterable[RefKey] = (),
    extra_timeline: Iterable[TimelineEntry] = (),
    reason_hint: str | None = None,
    promises: Sequence[Promise] | None = None,
) -> list[CaseChanges]:
    """Re-evaluate every promise of the (already locked) `cases` and write what changed.

    `new_updates` (just received) and every stored update of `announce_refs` (references a
    promise just started to name) go to the timelines of the cases they concern.
    A constant number of queries whatever the number of cases: promises of all cases, the
    updates of all their references, then one write per table.
    """
    if promises is None:
        promises = uow.promises.for_cases(cases)
    by_case: dict[str, list[Promise]] = defaultdict(list)
    for promise in promises:
        by_case[promise.case_id].append(promise)
    updates = _with_handoff_targets(uow, uow.updates.for_references({(p.partner, p.reference) for p in promises}))
    fresh: dict[RefKey, list[FieldUpdate]] = defaultdict(list)
    for update in new_updates:
        fresh[(update.partner, update.reference)].append(update)
    for ref in announce_refs:
        fresh[ref] = sorted(updates.get(ref, ()), key=lambda u: u.order_key)
    all_changes = []
    for case_id, case in cases.items():
        mine = by_case.get(case_id, [])
        refs = dict.fromkeys((p.partner, p.reference) for p in mine)
        all_changes.append(
            reevaluate(
                case,
                mine,
                updates,
                now,
                actor=actor,
                reason_hint=reason_hint,
                new_updates=[u for ref in refs for u in fresh.get(ref, ())],
                new_id=lambda: str(uuid.uuid4()),
            )
        )
    persist(uow, all_changes, now, extra_timeline=extra_timeline)
    return all_changes


def _with_handoff_targets(
    uow: UnitOfWork, updates: dict[RefKey, list[FieldUpdate]], max_hops: int = 5
) -> dict[RefKey, list[FieldUpdate]]:
    """Add the updates of every reference a loaded update hands over to (and theirs, a few hops
    deep): a follow-on step is judged at once against what its partner already reported. One
    more query per hop, only when there are handoffs."""
    for _ in range(max_hops):
        targets = {
            (u.handoff_partner, u.handoff_reference)
            for ups in updates.values()
            for u in ups
            if u.handoff_partner and u.handoff_reference
        } - set(updates)
        if not targets:
            break
        more = uow.updates.for_references(targets)  # type: ignore[arg-type]
        updates = {**updates, **{t: more.get(t, []) for t in targets}}  # type: ignore[index]
    return updates


def persist(
    uow: UnitOfWork, all_changes: Sequence[CaseChanges], now: datetime, extra_timeline: Iterable[TimelineEntry] = ()
) -> None:
    timeline = list(extra_timeline)
    for changes in all_changes:
        for step in changes.new_promises:
            uow.promises.add(step)
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
    metrics.record_changes(all_changes)


def refs_of(updates: Iterable[FieldUpdate]) -> set[RefKey]:
    return {(u.partner, u.reference) for u in updates}
