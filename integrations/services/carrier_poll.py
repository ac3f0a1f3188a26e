"""Use case: ask the carriers about the references Terrain holds pending promises on.

One pass for one partner's carrier account:
1. the due references: those with a pending (or at-risk) promise, never polled or last polled
   at least `poll_every` ago, never polled first then the longest unpolled (a settled promise
   stops its reference being polled);
2. each reference asked for with the carrier adapter's request, through the shared gateway, at
   most the carrier's rate (a token bucket per carrier), a few at a time;
3. each answer read by the adapter into updates, which go through `ingest_updates` (a history
   polled twice stores nothing twice: event ids come from the carrier's data);
4. per reference, a failure is that reference's alone (mapping error, unknown number, 5xx): it
   is counted, recorded on the account for ops, and the pass goes on. Per carrier: a 429 stops
   the pass until its Retry-After; a chunk where every answer is a 5xx or none came marks the
   carrier down and backs it off exponentially; a refused key stops the pass. One carrier's
   trouble never touches another account's pass (`poll_accounts` isolates them).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Callable, Sequence

from domain.errors import DomainError
from domain.model import FieldUpdate
from integrations.carriers.pull import (
    CarrierAuthError,
    CarrierHTTPError,
    CarrierPullAdapter,
    CarrierRateLimited,
    CarrierUnavailable,
    TrackingNotFound,
)
from integrations.services.clock import Clock, utc_now
from integrations.services.ingest import IngestSummary, ingest_updates
from integrations.services.ports import (
    CarrierAccount,
    CarrierGateway,
    CarrierPollStore,
    CarrierUnreachable,
    UnitOfWork,
)
from integrations.services.rate_limit import TokenBucket
from integrations.webhooks.base import PayloadError

# What can go wrong, as counted in terrain_carrier_poll_errors_total{carrier, kind}.
ERROR_KINDS = ("mapping", "auth", "rate_limited", "server", "unreachable", "http", "config")
DEFAULT_RETRY_AFTER = 60.0
MAX_RETRY_AFTER = 3600.0
TOKEN_MARGIN = 30.0  # an OAuth token is renewed this many seconds before it expires


def carrier_backoff(failures: int) -> timedelta:
    """After the n-th pass in a row that found the carrier down: 30 s, 1 min, 2 min … 1 h."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, failures - 1)))


def retry_after(value: str | None, now: datetime) -> float:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), within reason."""
    seconds = DEFAULT_RETRY_AFTER
    if value:
        text = value.strip()
        try:
            seconds = float(text)
        except ValueError:
            try:
                when = parsedate_to_datetime(text)
                seconds = ((when if when.tzinfo else when.replace(tzinfo=UTC)) - now).total_seconds()
            except (TypeError, ValueError, IndexError):
                seconds = DEFAULT_RETRY_AFTER
    return min(max(seconds, 1.0), MAX_RETRY_AFTER)


def http_kind(error: CarrierHTTPError) -> str:
    """The error kind of an HTTP error an adapter reports (from a status, or a body that says so)."""
    if isinstance(error, CarrierAuthError):
        return "auth"
    if isinstance(error, CarrierRateLimited):
        return "rate_limited"
    if isinstance(error, CarrierUnavailable):
        return "server"
    return "http"


def is_due(account: CarrierAccount, now: datetime) -> bool:
    """The account's pass is due: not backing off, and its last pass is `poll_every` old."""
    if account.backoff_until is not None and account.backoff_until > now:
        return False
    return account.last_pass_at is None or account.last_pass_at + account.poll_every <= now


@dataclass(slots=True)
class PollReport:
    partner: str
    carrier: str
    due: int = 0  # references due this pass
    fetched: int = 0  # references the carrier answered for
    mapped: int = 0  # updates read from the answers
    stored: int = 0  # new updates ingested
    duplicates: int = 0  # updates already stored (the same history polled again)
    skipped: Counter[str] = field(default_factory=Counter)  # references, by why
    errors: Counter[str] = field(default_factory=Counter)  # by kind (ERROR_KINDS)
    last_error: str | None = None
    backoff_until: datetime | None = None

    def summary(self) -> str:
        text = (
            f"{self.partner} ({self.carrier}): {self.due} due, {self.fetched} fetched, {self.mapped} updates "
            f"mapped, {self.stored} stored, {self.duplicates} already stored"
        )
        if self.skipped:
            text += "; skipped " + ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items()))
        if self.errors:
            text += "; errors " + ", ".join(f"{n} {kind}" for kind, n in sorted(self.errors.items()))
        if self.backoff_until:
            text += f"; backing off until {self.backoff_until.isoformat(timespec='seconds')}"
        return text


@dataclass(frozen=True, slots=True)
class _Answer:
    reference: str
    outcome: str  # "ok", "not_found", or an error kind
    updates: tuple[FieldUpdate, ...] = ()
    mapped: int = 0
    errors: tuple[tuple[str, str], ...] = ()  # (kind, message)
    retry_after: float | None = None
    answered: bool = True


class _StopPass(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind, self.message = kind, message


class CarrierPoller:
    """Polls carrier accounts. One per process: it holds the rate limiters (one token bucket per
    carrier and API URL) and the OAuth tokens, shared by every pass of the process."""

    def __init__(
        self,
        *,
        store: CarrierPollStore,
        gateway: CarrierGateway,
        uow_factory: Callable[[], UnitOfWork],
        adapters: Callable[[str], CarrierPullAdapter],
        rate_for: Callable[[str], float],
        clock: Clock = utc_now,
        on_error: Callable[[str, str], None] = lambda carrier, kind: None,
        workers: int = 4,
        chunk: int = 50,
        max_per_pass: int = 10_000,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store, self.gateway, self.uow_factory, self.adapters = store, gateway, uow_factory, adapters
        self.rate_for, self.clock, self.on_error = rate_for, clock, on_error
        self.workers, self.chunk, self.max_per_pass = max(1, workers), max(1, chunk), max_per_pass
        self._monotonic, self._sleep = monotonic, sleep
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._tokens: dict[tuple[str, str, str], tuple[str, float]] = {}
        self._lock = threading.Lock()

    # --- what a pass needs -------------------------------------------------------------------

    def _bucket(self, account: CarrierAccount) -> TokenBucket:
        key = (account.carrier, account.api_url)
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(
                    self.rate_for(account.carrier), clock=self._monotonic, sleep=self._sleep
                )
            return bucket

    def _credentials(
        self, account: CarrierAccount, adapter: CarrierPullAdapter, bucket: TokenBucket, now: datetime
    ) -> dict[str, str]:
        extra = {"carrier_name": account.carrier_name} if account.carrier_name else {}
        return self._secret(account, adapter, bucket) | extra

    def _secret(self, account: CarrierAccount, adapter: CarrierPullAdapter, bucket: TokenBucket) -> dict[str, str]:
        if adapter.auth == "api_key":
            if not account.api_key:
                raise _StopPass("config", f"no API key is set for {account.partner} ({account.carrier})")
            return {"api_key": account.api_key}
        if not (account.client_id and account.client_secret):
            raise _StopPass("config", f"no client id and secret are set for {account.partner} ({account.carrier})")
        key = (account.carrier, account.api_url, account.client_id)
        with self._lock:
            cached = self._tokens.get(key)
        if cached and cached[1] > self._monotonic():
            return {"access_token": cached[0]}
        token_request = getattr(adapter, "token_request", None)
        if token_request is None:
            raise _StopPass("config", f"{account.carrier} needs OAuth but has no token request")
        bucket.acquire()
        try:
            reply = self.gateway.send(token_request(account.api_url, account.client_id, account.client_secret))
        except CarrierUnreachable as exc:
            raise _StopPass("unreachable", f"token request: {exc}") from None
        if reply.status == 429:
            raise _StopPass("rate_limited", "token request: 429")
        if reply.status >= 500:
            raise _StopPass("server", f"token request: HTTP {reply.status}")
        if reply.status != 200:
            raise _StopPass("auth", f"token request refused: HTTP {reply.status}")
        try:
            token, expires_in = adapter.read_token(reply.body)  # type: ignore[attr-defined]
        except CarrierHTTPError as exc:
            raise _StopPass(http_kind(exc), f"token request: {exc}") from None
        except Exception as exc:  # an unreadable token answer is the carrier's mapping problem
            raise _StopPass("mapping", f"token answer: {exc}") from None
        with self._lock:
            self._tokens[key] = (token, self._monotonic() + max(0.0, float(expires_in) - TOKEN_MARGIN))
        return {"access_token": token}

    def _forget_token(self, account: CarrierAccount) -> None:
        with self._lock:
            self._tokens.pop((account.carrier, account.api_url, account.client_id or ""), None)

    # --- one reference -----------------------------------------------------------------------

    def _ask(
        self,
        account: CarrierAccount,
        adapter: CarrierPullAdapter,
        credentials: dict[str, str],
        bucket: TokenBucket,
        reference: str,
    ) -> _Answer:
        try:
            request = adapter.tracking_request(account.api_url, reference, credentials)
        except Exception as exc:  # e.g. a reference the carrier's URL cannot hold
            return _Answer(reference, "mapping", errors=(("mapping", f"{reference}: request: {exc}"),), answered=False)
        bucket.acquire()
        try:
            reply = self.gateway.send(request)
        except CarrierUnreachable as exc:
            return _Answer(reference, "unreachable", errors=(("unreachable", str(exc)),), answered=False)
        if reply.status in (401, 403):
            return _Answer(reference, "auth", errors=(("auth", f"HTTP {reply.status}: key refused"),))
        if reply.status == 429:
            return _Answer(
                reference,
                "rate_limited",
                retry_after=retry_after(reply.headers.get("retry-after"), self.clock()),
                errors=(("rate_limited", "HTTP 429"),),
                answered=False,
            )
        if reply.status >= 500:
            return _Answer(reference, "server", errors=(("server", f"{reference}: HTTP {reply.status}"),))
        try:
            raw = adapter.parse_tracking(reference, reply.status, reply.body)
        except TrackingNotFound:
            return _Answer(reference, "not_found")
        except CarrierHTTPError as exc:  # the adapter read an error the status did not say
            kind = http_kind(exc)
            wait = retry_after(reply.headers.get("retry-after"), self.clock()) if kind == "rate_limited" else None
            return _Answer(
                reference, kind, errors=((kind, f"{reference}: {exc}"[:500]),), retry_after=wait, answered=kind != "rate_limited"
            )
        except PayloadError as exc:
            return _Answer(reference, "mapping", errors=(("mapping", f"{reference}: {exc.message}"),))
        except Exception as exc:  # an adapter bug is a mapping failure, never a crash of the poll
            return _Answer(reference, "mapping", errors=(("mapping", f"{reference}: {type(exc).__name__}: {exc}"[:500]),))
        updates: list[FieldUpdate] = []
        errors: list[tuple[str, str]] = []
        for item in raw:
            try:
                updates.append(FieldUpdate.create(account.partner, item))
            except DomainError as exc:
                errors.append(("mapping", f"{reference}: {exc}"))
        return _Answer(reference, "mapping" if errors else "ok", tuple(updates), len(updates), tuple(errors))

    # --- one pass ----------------------------------------------------------------------------

    def poll_account(
        self, account: CarrierAccount, limit: int | None = None, stopping: Callable[[], bool] = lambda: False
    ) -> PollReport:
        """One pass over the account's due references (at most `limit`, or max_per_pass).
        `stopping` is asked between chunks: a process that stops ends its pass early."""
        started = self.clock()
        report = PollReport(account.partner, account.carrier)
        if account.backoff_until is not None and account.backoff_until > started:
            report.skipped["backing off"] = 1
            report.backoff_until = account.backoff_until
            return report
        stopped: str | None = None
        try:
            try:
                adapter = self.adapters(account.carrier)
            except KeyError:
                raise _StopPass("config", f"no carrier adapter named {account.carrier!r}") from None
            references = self.store.due_references(account.partner, started - account.poll_every, limit or self.max_per_pass)
            report.due = len(references)
            if references:
                stopped = self._pass(account, adapter, references, started, report, stopping)
        except _StopPass as stop:
            self._error(report, stop.kind, stop.message)
            stopped = "carrier down" if stop.kind in ("server", "unreachable") else stop.kind
            if stop.kind == "rate_limited":
                report.backoff_until = started + timedelta(seconds=DEFAULT_RETRY_AFTER)
        failures = account.failures + 1 if stopped == "carrier down" else 0
        if stopped == "carrier down":
            report.backoff_until = started + carrier_backoff(failures)
        self.store.record_pass(
            account.partner,
            self.clock(),
            error=report.last_error,
            new_errors=sum(report.errors.values()),
            failures=failures,
            backoff_until=report.backoff_until,
        )
        return report

    def _error(self, report: PollReport, kind: str, message: str) -> None:
        report.errors[kind] += 1
        report.last_error = f"{kind}: {message}"[:2000]
        self.on_error(report.carrier, kind)

    def _pass(
        self,
        account: CarrierAccount,
        adapter: CarrierPullAdapter,
        references: Sequence[str],
        started: datetime,
        report: PollReport,
        stopping: Callable[[], bool],
    ) -> str | None:
        """The references chunk by chunk; returns why the pass stopped early, if it did.

        The next chunk is asked for while this one is stored (the carrier's answers and the
        database overlap), unless this one says to stop."""
        bucket = self._bucket(account)
        credentials = self._credentials(account, adapter, bucket, started)
        refreshed = False
        chunks = [references[i : i + self.chunk] for i in range(0, len(references), self.chunk)]
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix=f"poll-{account.carrier}") as pool:

            def submit(chunk: Sequence[str]) -> list[Future[_Answer]]:
                return [pool.submit(self._ask, account, adapter, credentials, bucket, ref) for ref in chunk]

            pending = submit(chunks[0])
            for index in range(len(chunks)):
                answers = [future.result() for future in pending]
                stop = self._stop_reason(answers)
                if stop == "auth" and adapter.auth == "client_credentials" and not refreshed:
                    refreshed = True  # the token may have been revoked: one fresh token, then give up
                    self._forget_token(account)
                    credentials = self._credentials(account, adapter, bucket, self.clock())
                    stop = None
                if stop is None and stopping():
                    stop = "stopping"
                pending = submit(chunks[index + 1]) if stop is None and index + 1 < len(chunks) else []
                self._take(account, answers, started, report)
                if stop:
                    if left := sum(len(c) for c in chunks[index + 1 :]):
                        report.skipped[stop] += left
                    if stop == "rate limited":
                        wait = max(a.retry_after or 0.0 for a in answers)
                        report.backoff_until = self.clock() + timedelta(seconds=wait)
                    return stop
        return None

    @staticmethod
    def _stop_reason(answers: list[_Answer]) -> str | None:
        """Why a chunk's answers stop the pass: the carrier asks to slow down, refuses the key,
        or answers nothing but errors (down)."""
        outcomes = Counter(a.outcome for a in answers)
        if outcomes["rate_limited"]:
            return "rate limited"
        if outcomes["auth"] == len(answers):
            return "auth"
        if outcomes["server"] + outcomes["unreachable"] == len(answers):
            return "carrier down"
        return None

    def _take(self, account: CarrierAccount, answers: list[_Answer], started: datetime, report: PollReport) -> None:
        """Count and store what a chunk brought, and when its references were asked for."""
        updates = [u for a in answers for u in a.updates]
        for answer in answers:
            report.fetched += answer.answered
            report.mapped += answer.mapped
            if answer.outcome == "not_found":
                report.skipped["not found"] += 1
            elif answer.outcome == "rate_limited":
                report.skipped["rate limited"] += 1
            for kind, message in answer.errors:
                self._error(report, kind, message)
        if updates:
            summary = IngestSummary.of(ingest_updates(self.uow_factory, updates, self.clock))
            report.stored += summary.accepted
            report.duplicates += summary.duplicates
        # Asked and answered (or failed on their own) are done for this pass; a reference the
        # carrier would not answer yet (429) stays first in line.
        self.store.record_polls(
            account.partner, {a.reference: a.outcome for a in answers if a.outcome != "rate_limited"}, started
        )

    def poll_accounts(self, accounts: Sequence[CarrierAccount], limit: int | None = None) -> list[PollReport]:
        """A pass for each account, one at a time; an account's failure is its own."""
        reports = []
        for account in accounts:
            try:
                reports.append(self.poll_account(account, limit))
            except Exception as exc:  # the store or the database: the next account still gets its pass
                report = PollReport(account.partner, account.carrier)
                self._error(report, "config", f"{type(exc).__name__}: {exc}"[:500])
                reports.append(report)
        return reports


def due_accounts(store: CarrierPollStore, now: datetime, partner: str | None = None) -> list[CarrierAccount]:
    """The accounts whose pass is due at `now` (all of them, or `partner`'s)."""
    return [a for a in store.accounts(partner) if is_due(a, now)]
