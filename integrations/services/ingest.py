"""Use case: partners report from the field (single updates and batches, one transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Callable, Sequence

from domain.model import FieldUpdate
from integrations.services.clock import Clock, utc_now
from integrations.services.ports import UnitOfWork
from integrations.services.reconciling import reconcile_cases, refs_of


class ItemResult(StrEnum):
    MATCHED = "matched"  # accepted, and concerns at least one promise
    ACCEPTED = "accepted"  # accepted, stored until a promise names its reference
    DUPLICATE = "duplicate"  # (partner, event_id) already processed


@dataclass(frozen=True, slots=True)
class IngestSummary:
    accepted: int
    duplicates: int
    matched: int

    @classmethod
    def of(cls, results: Sequence[ItemResult]) -> IngestSummary:
        matched = sum(r is ItemResult.MATCHED for r in results)
        accepted = matched + sum(r is ItemResult.ACCEPTED for r in results)
        return cls(accepted=accepted, duplicates=len(results) - accepted, matched=matched)


def ingest_updates(
    uow_factory: Callable[[], UnitOfWork],
    updates: Sequence[FieldUpdate],
    clock: Clock = utc_now,
) -> list[ItemResult]:
    """Store, dedupe and apply `updates` in one transaction; one result per update, in order.

    Returning means committed. Queries per call are constant: lock the references, insert and see
    which references promises name (one round trip where the database allows); only when some
    are: read those promises, lock their cases, then the shared reconcile step.
    """
    now = clock()
    # Locked before the insert, so that the promises read next include any recorded meanwhile:
    # recording a promise locks its reference exclusively (services/promises.py). The references
    # reported on are locked shared: two ingests on one parcel run alongside, and the case locks
    # order their reconciling. A handoff may create a step on another reference: that one is
    # locked exclusively, in the same sorted pass, so an update arriving for it at the same time
    # sees the step or is seen by it. A redelivery takes the locks as well (it is only known to
    # be one once inserted); it changes nothing under them.
    handoffs = {(u.handoff_partner, u.handoff_reference) for u in updates if u.handoff_partner and u.handoff_reference}
    with uow_factory() as uow:
        stored = uow.updates.store(updates, now, lock=handoffs, lock_shared=refs_of(updates))
        fresh = [u for u, ok in zip(updates, stored.new, strict=True) if ok]
        matched_refs: set[tuple[str, str]] = set()
        watched = refs_of(fresh) & stored.watched  # most updates concern no promise: nothing more to read
        if watched:
            candidates = uow.promises.for_references(watched)
            if candidates:
                matched_refs = {(p.partner, p.reference) for p in candidates}
                cases = uow.cases.lock({p.case_id for p in candidates})
                reconcile_cases(uow, cases, now, actor="system:verdicts", new_updates=fresh)
        uow.commit()
    return [
        ItemResult.DUPLICATE
        if not ok
        else ItemResult.MATCHED
        if (u.partner, u.reference) in matched_refs
        else ItemResult.ACCEPTED
        for u, ok in zip(updates, stored.new, strict=True)
    ]
