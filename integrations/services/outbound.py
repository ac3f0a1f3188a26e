"""Use case: send each partner the request its promise implies, once (promise id as the
idempotency key), every attempt and its outcome on the case timeline."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

from domain.model import EntryType, TimelineEntry
from integrations import metrics
from integrations.outbound.partner_api import (
    STRIPE_SCHEME,
    RequestFailed,
    RequestRefused,
    create_stripe_refund,
    send_signed,
)
from integrations.redaction import redact_text, redact_url
from integrations.services import work_queues
from integrations.services.ports import UnitOfWork
from integrations.services.work_queues import LEASE, backoff
from integrations.settings import Settings

ACTOR = "system:outbound"


def claim_requests(
    uow_factory: Callable[[], UnitOfWork], now: datetime, limit: int = 50, lease: timedelta = LEASE
) -> list[dict[str, Any]]:
    return work_queues.claim(uow_factory, lambda uow: uow.outbound, now, limit, lease)


def requests_due(uow_factory: Callable[[], UnitOfWork], now: datetime) -> bool:
    return work_queues.has_due(uow_factory, lambda uow: uow.outbound, now)


def _promise_document(uow: UnitOfWork, promise_id: str) -> dict[str, Any] | None:
    promise = uow.promises.get(promise_id)
    if promise is None:
        return None
    return {
        "promise_id": promise.promise_id,
        "case_id": promise.case_id,
        "kind": promise.kind.value,
        "partner": promise.partner,
        "reference": promise.reference,
        "due_at": promise.due_at.isoformat(),
        "expect": promise.expect,
        "said": promise.said,
    }


def _record(
    uow_factory: Callable[[], UnitOfWork],
    request: dict[str, Any],
    now: datetime,
    *,
    state: str | None,
    detail: dict[str, Any],
    next_attempt_at: datetime | None = None,
    response: Any = None,
) -> None:
    with uow_factory() as uow:
        if state is not None:
            uow.outbound.finish(
                request["promise_id"],
                state=state,
                now=now,
                next_attempt_at=next_attempt_at,
                error=detail.get("error"),
                response=response,
                attempts=request["attempts"],
            )
        uow.timeline.append(
            [
                TimelineEntry(
                    request["case_id"], now, EntryType.OUTBOUND_REQUEST, ACTOR, {"promise_id": request["promise_id"], **detail}
                )
            ]
        )
        uow.commit()


def attempt_request(
    uow_factory: Callable[[], UnitOfWork], settings: Settings, request: dict[str, Any], now: datetime, attempt: int
) -> str:
    """One attempt; returns the final state ("sent", "skipped", or "refused" when the partner
    refused for good and retrying cannot help), "lost" when the claim is no
    longer this worker's (it expired and another worker took the request), or raises
    RequestFailed. The claim is renewed before the partner is called."""
    with uow_factory() as uow:
        if not uow.outbound.renew(
            request["promise_id"], request["attempts"], now + timedelta(seconds=settings.claim_lease_seconds)
        ):
            return "lost"
        promise = _promise_document(uow, request["promise_id"])
        endpoint = uow.partners.endpoint(request["partner"])
        uow.commit()
    if promise is None or endpoint is None or not endpoint.action_url:
        _record(
            uow_factory,
            request,
            now,
            state="skipped",
            detail={"outcome": "skipped", "reason": "no action URL is configured for this partner"},
        )
        metrics.OUTBOUND_REQUESTS.labels("skipped").inc()
        return "skipped"
    secret = endpoint.action_secret or ""
    try:
        if endpoint.action_url.startswith(STRIPE_SCHEME):
            if promise["kind"] != "refund.issue":
                _record(
                    uow_factory,
                    request,
                    now,
                    state="skipped",
                    detail={"outcome": "skipped", "reason": "a Stripe account only takes refunds"},
                )
                return "skipped"
            api_base = endpoint.action_url[len(STRIPE_SCHEME) :].lstrip("/") or settings.stripe_api_base
            sent = create_stripe_refund(api_base, secret, promise, settings.outbound_timeout_seconds)
            target = "stripe refund"
        else:
            sent = send_signed(endpoint.action_url, secret, promise, now, settings.outbound_timeout_seconds)
            target = redact_url(endpoint.action_url)  # shown to every agent: no credentials
    except RequestRefused as exc:
        _record(uow_factory, request, now, state="failed", detail={"outcome": "refused", "attempt": attempt, "error": str(exc)})
        metrics.OUTBOUND_REQUESTS.labels("refused").inc()
        return "refused"
    except RequestFailed as exc:
        _record(uow_factory, request, now, state=None, detail={"outcome": "failed", "attempt": attempt, "error": str(exc)})
        metrics.OUTBOUND_REQUESTS.labels("failed").inc()
        raise
    _record(
        uow_factory,
        request,
        now,
        state="sent",
        response=sent.body if isinstance(sent.body, dict) else None,
        detail={"outcome": "sent", "attempt": attempt, "target": target, "status": sent.status},
    )
    metrics.OUTBOUND_REQUESTS.labels("sent").inc()
    return "sent"


def reschedule_request(
    uow_factory: Callable[[], UnitOfWork], settings: Settings, request: dict[str, Any], now: datetime, error: str
) -> str:
    """After a run of failed attempts: try again later with backoff, or give up for good.
    The timeline says which."""
    attempts = request["attempts"]
    state = "failed" if attempts >= settings.outbound_max_attempts else "pending"
    next_attempt_at = now + backoff(attempts * 4)
    with uow_factory() as uow:
        if not uow.outbound.finish(
            request["promise_id"], state=state, now=now, next_attempt_at=next_attempt_at, error=error, attempts=attempts
        ):
            return "lost"
        detail = (
            {"outcome": "gave_up", "error": redact_text(error)}
            if state == "failed"
            else {"outcome": "retry_scheduled", "next_attempt_at": next_attempt_at.isoformat()}
        )
        uow.timeline.append(
            [
                TimelineEntry(
                    request["case_id"], now, EntryType.OUTBOUND_REQUEST, ACTOR, {"promise_id": request["promise_id"], **detail}
                )
            ]
        )
        uow.commit()
    return state
