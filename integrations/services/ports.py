"""The ports the use cases need; `integrations/db` implements them, tests fake them.

Every repository method is shaped for a constant number of round trips per call, whatever
the number of items (the hot path ingests batches of 1,000 updates).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable, Sequence

from domain.model import Alert, Case, Complaint, FieldUpdate, Promise, Suggestion, SuggestionState, TimelineEntry

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

    @abc.abstractmethod
    def assign(self, case_id: str, owner: str | None, at: datetime) -> None:
        """Give the case to a person (by name), or to nobody."""

    @abc.abstractmethod
    def reopened_to_escalate(self, now: datetime, older_than: timedelta, reopen_count: int, limit: int = 200) -> list[Case]:
        """Reopened cases reopened at least `older_than` ago or at least `reopen_count` times."""


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
    def acknowledge(
        self, promise_id: str, by: str, at: datetime, snoozed_until: datetime | None, *, keep_snooze: bool = False
    ) -> None:
        """Record who acknowledged a stuck promise; hide it until `snoozed_until` (None: not hidden,
        unless `keep_snooze` leaves a running snooze as it is)."""

    @abc.abstractmethod
    def overdue_case_ids(self, now: datetime, limit: int) -> list[str]:
        """Cases with a pending promise due before `now` or whose silence check is due, locked,
        skipping locked ones."""

    @abc.abstractmethod
    def risk_checked(self, case_ids: Iterable[str], now: datetime) -> None:
        """The silence checks due by `now` on these cases were made: do not sweep them again."""


@dataclass(frozen=True, slots=True)
class Stored:
    new: list[bool]  # per update, in order: True where stored, False for a (partner, event_id) already there
    watched: frozenset[RefKey]  # the batch's references that an open case's promise names


class UpdateRepository(abc.ABC):
    @abc.abstractmethod
    def store(
        self,
        updates: Sequence[FieldUpdate],
        received_at: datetime,
        *,
        lock: Iterable[RefKey] = (),
        lock_shared: Iterable[RefKey] = (),
    ) -> Stored:
        """Lock the references in `lock` and `lock_shared` (as lock_references), then store the
        updates, ignoring (partner, event_id) already stored, and tell which of their references
        an open case's promise names, as read after the locks: in one round trip where the
        database allows it."""

    @abc.abstractmethod
    def lock_references(self, refs: Iterable[RefKey], *, shared: Iterable[RefKey] = ()) -> None:
        """Serialise promise recording with ingestion on the same (partner, reference): `refs`
        exclusively (a promise or step is recorded on them), `shared` for a transaction that
        only reports updates on them (two of those run alongside)."""

    @abc.abstractmethod
    def for_references(self, refs: Iterable[RefKey]) -> dict[RefKey, list[FieldUpdate]]: ...


class TimelineRepository(abc.ABC):
    @abc.abstractmethod
    def append(self, entries: Sequence[TimelineEntry]) -> None: ...

    @abc.abstractmethod
    def for_case(self, case_id: str) -> list[TimelineEntry]: ...

    @abc.abstractmethod
    def record_alert_attempt(self, entry: TimelineEntry) -> None:
        """One timeline entry per alert (its detail's `key`): a retry adds its attempt to the
        entry's `attempts` and updates its outcome, instead of a new entry each time."""


class SuggestionRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, suggestions: Sequence[Suggestion]) -> None: ...

    @abc.abstractmethod
    def get(self, case_id: str, suggestion_id: str) -> Suggestion | None: ...

    @abc.abstractmethod
    def for_case(self, case_id: str, state: SuggestionState | None = None) -> list[Suggestion]: ...

    @abc.abstractmethod
    def settle(
        self, case_id: str, suggestion_id: str, state: SuggestionState, at: datetime, by: str, promise_id: str | None = None
    ) -> bool:
        """Move an open suggestion to `state`; False when it was not open any more (someone else
        settled it first): only one confirm or dismiss ever wins."""


class WorkQueue(abc.ABC):
    """Rows that workers claim with a lease (alerts, partner requests). A claim bumps the row's
    attempt number, which fences the worker: renew and finish only act while it is unchanged."""

    @abc.abstractmethod
    def claim(self, now: datetime, limit: int, lease: timedelta) -> list[dict[str, Any]]:
        """Take up to `limit` due rows; another worker gets them only once the lease is over."""

    @abc.abstractmethod
    def renew(self, item_id: Any, attempts: int, until: datetime) -> bool:
        """Extend this worker's claim; False when it is no longer this worker's."""

    @abc.abstractmethod
    def finish(
        self,
        item_id: Any,
        *,
        state: str,
        now: datetime,
        attempts: int,
        next_attempt_at: datetime | None = None,
        error: str | None = None,
        response: Any = None,
    ) -> bool:
        """Record an outcome ("sent", "pending" again, "failed", "skipped") if the claim is still
        this worker's; False otherwise."""

    @abc.abstractmethod
    def has_due(self, now: datetime) -> bool: ...


class OutboxRepository(WorkQueue):
    @abc.abstractmethod
    def add(self, alerts: Sequence[Alert], now: datetime) -> set[str]:
        """Queue alerts, ignoring keys already queued; returns the keys queued now."""


class OutboundRepository(WorkQueue):
    @abc.abstractmethod
    def add(self, promises: Sequence[Promise], now: datetime) -> None:
        """Queue the partner request each promise implies, once per promise id."""

    @abc.abstractmethod
    def requeue(self, promise: Promise, now: datetime) -> None:
        """Send the promise's partner request again, now (queued afresh if it never was)."""


@dataclass(frozen=True, slots=True)
class PartnerEndpoint:
    name: str
    action_url: str | None
    action_secret: str | None


class PartnerDirectory(abc.ABC):
    @abc.abstractmethod
    def endpoint(self, name: str) -> PartnerEndpoint | None:
        """Where the partner takes requests, and the secret they are signed with."""


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    alert_url: str | None


class PeopleDirectory(abc.ABC):
    @abc.abstractmethod
    def person(self, name: str) -> Person | None:
        """The agent or ops person of that name (a key not revoked), with their alert target."""


class UnitOfWork(abc.ABC):
    """One database transaction; leaving the block without commit() rolls back."""

    cases: CaseRepository
    complaints: ComplaintRepository
    promises: PromiseRepository
    updates: UpdateRepository
    timeline: TimelineRepository
    suggestions: SuggestionRepository
    outbox: OutboxRepository
    outbound: OutboundRepository
    partners: PartnerDirectory
    people: PeopleDirectory

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, *exc: object) -> None:
        self.rollback()

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...


# --- carrier polling (integrations/services/carrier_poll.py) --------------------------------


@dataclass(frozen=True, slots=True)
class CarrierAccount:
    """A partner's account at a carrier whose tracking API Terrain polls."""

    partner: str
    carrier: str
    api_url: str
    poll_every: timedelta
    api_key: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    carrier_name: str | None = None  # the carrier behind a multi-carrier API (karrio)
    last_pass_at: datetime | None = None
    failures: int = 0  # consecutive passes that found the carrier down
    backoff_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class CarrierReply:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


class CarrierUnreachable(Exception):
    """No answer: connection refused, timeout, TLS failure."""


class CarrierGateway(abc.ABC):
    """Sends a carrier adapter's request (an httpx.Request) and returns the answer."""

    @abc.abstractmethod
    def send(self, request: Any) -> CarrierReply:
        """The carrier's answer, whatever its status; CarrierUnreachable when there is none."""


class CarrierPollStore(abc.ABC):
    @abc.abstractmethod
    def accounts(self, partner: str | None = None) -> list[CarrierAccount]: ...

    @abc.abstractmethod
    def due_references(self, partner: str, polled_before: datetime, limit: int) -> list[str]:
        """References of `partner` with a pending (or at-risk) promise on a case that is not
        closed, never polled or last polled at or before `polled_before`: never polled first,
        then the longest unpolled."""

    @abc.abstractmethod
    def record_polls(self, partner: str, outcomes: dict[str, str], polled_at: datetime) -> None:
        """Remember when each reference was asked for, and what came of it."""

    @abc.abstractmethod
    def record_pass(
        self, partner: str, at: datetime, *, error: str | None, new_errors: int, failures: int, backoff_until: datetime | None
    ) -> None:
        """The end of a pass: its time, the last error (kept until a newer one), the back-off."""
