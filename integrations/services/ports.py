"""The ports the use cases need; `integrations/db` implements them, tests fake them.

Every repository method is shaped for a constant number of round trips per call, whatever
the number of items (the hot path ingests batches of 1,000 updates).
"""

from __future__ import annotations

import abc
from datetime import datetime
from typing import Iterable, Sequence

from domain.model import Alert, Case, Complaint, FieldUpdate, Promise, TimelineEntry

RefKey = tuple[str, str]  # (partner, reference)


class CaseRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, case: Case) -> None: ...

    @abc.abstractmethod
    def get(self, case_id: str) -> Case | None: ...

    @abc.abstractmethod
    def lock(self, case_ids: Iterable[str]) -> dict[str, Case]:
        """Read and lock cases (row locks, in id order so that lockers never deadlock)."""

    @abc.abstractmethod
    def save(self, cases: Sequence[Case]) -> None: ...

    @abc.abstractmethod
    def latest_by_refs(self, customer_ref: str | None, order_ref: str | None) -> Case | None:
        """The most recent case with that customer or order ref, preferring one not closed."""

    @abc.abstractmethod
    def lock_resolved_before(self, before: datetime, limit: int) -> list[Case]:
        """Resolved cases resolved before `before`, locked, skipping those locked elsewhere."""


class ComplaintRepository(abc.ABC):
    @abc.abstractmethod
    def case_id_for(self, channel: str, external_id: str) -> str | None: ...

    @abc.abstractmethod
    def add(self, case_id: str, complaint: Complaint, received_at: datetime) -> bool:
        """False (and nothing written) when (channel, external_id) is already stored."""

    @abc.abstractmethod
    def for_case(self, case_id: str) -> list[Complaint]: ...


class PromiseRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, promise: Promise) -> None: ...

    @abc.abstractmethod
    def get(self, promise_id: str) -> Promise | None: ...

    @abc.abstractmethod
    def for_references(self, refs: Iterable[RefKey]) -> list[Promise]:
        """Promises naming one of `refs`, on cases that are not closed."""

    @abc.abstractmethod
    def for_cases(self, case_ids: Iterable[str]) -> list[Promise]: ...

    @abc.abstractmethod
    def mark_addressed(self, case_id: str) -> None:
        """A new promise on the case answers every break recorded so far."""

    @abc.abstractmethod
    def save_outcomes(self, promises: Sequence[Promise], now: datetime) -> None: ...

    @abc.abstractmethod
    def overdue_case_ids(self, now: datetime, limit: int) -> list[str]:
        """Cases with a pending promise due before `now`, locked, skipping locked ones."""


class UpdateRepository(abc.ABC):
    @abc.abstractmethod
    def add_new(self, updates: Sequence[FieldUpdate], received_at: datetime) -> list[bool]:
        """Store updates, ignoring (partner, event_id) already stored; True where stored."""

    @abc.abstractmethod
    def lock_references(self, refs: Iterable[RefKey]) -> None:
        """Serialise ingestion and promise recording on the same (partner, reference)."""

    @abc.abstractmethod
    def for_references(self, refs: Iterable[RefKey]) -> dict[RefKey, list[FieldUpdate]]: ...


class TimelineRepository(abc.ABC):
    @abc.abstractmethod
    def append(self, entries: Sequence[TimelineEntry]) -> None: ...

    @abc.abstractmethod
    def for_case(self, case_id: str) -> list[TimelineEntry]: ...


class OutboxRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, alerts: Sequence[Alert], now: datetime) -> int:
        """Queue alerts, ignoring keys already queued; returns how many were queued."""


class OutboundRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, promises: Sequence[Promise], now: datetime) -> None:
        """Queue the partner request each promise implies, once per promise id."""


class UnitOfWork(abc.ABC):
    """One database transaction; leaving the block without commit() rolls back."""

    cases: CaseRepository
    complaints: ComplaintRepository
    promises: PromiseRepository
    updates: UpdateRepository
    timeline: TimelineRepository
    outbox: OutboxRepository
    outbound: OutboundRepository

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, *exc: object) -> None:
        self.rollback()

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...
