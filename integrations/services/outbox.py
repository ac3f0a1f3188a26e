"""Use cases around alerts: deliver what the outbox holds (at least once, never twice for the
same key once sent), with backoff, every attempt on the case timeline; queue escalations."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Callable

from domain.model import Alert, Complaint, EntryType, TimelineEntry, Verdict
from domain.ops import case_title, next_step
from domain.playbooks import Playbook
from domain.reconcile import promise_detail
from integrations import metrics
from integrations.notify import routing
from integrations.notify.base import DeliveryError, Notifier
from integrations.notify.message import AlertContext, compose
from integrations.playbooks.loader import load_playbooks
from integrations.redaction import redact_text
from integrations.services import work_queues
from integrations.services.ports import UnitOfWork
from integrations.services.work_queues import LEASE, backoff
from integrations.settings import Settings

ACTOR = "system:alerts"


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else "an unknown time"


def claim_alerts(
    uow_factory: Callable[[], UnitOfWork], now: datetime, limit: int = 50, lease: timedelta = LEASE
) -> list[dict[str, Any]]:
    return work_queues.claim(uow_factory, lambda uow: uow.outbox, now, limit, lease)


def deliver_alert(
    uow_factory: Callable[[], UnitOfWork],
    settings: Settings,
    notifier: Notifier,
    alert: dict[str, Any],
    now: datetime,
    lease: timedelta = LEASE,
) -> str:
    """Send one claimed alert and record the outcome: "sent", "failed" (retried later with
    backoff, or for good after alert_max_attempts) or "lost" (the claim is no longer ours).

    The claim is renewed just before sending, fenced by the attempt number: if it expired and
    another worker took the alert (or already sent it), this worker sends nothing."""
    attempt = alert["attempts"]
    with uow_factory() as uow:
        if not uow.outbox.renew(alert["id"], attempt, now + lease):
            return "lost"
        complaints = uow.complaints.for_case(alert["case_id"])
        ctx, owner_url = _context(uow, settings, alert, complaints)
        uow.commit()
    partner = (alert["payload"].get("promise") or ctx.promise or {}).get("partner")
    urls = routing.targets(settings, alert["kind"], partner, sorted({c.channel for c in complaints}), owner_url)
    title, body = compose(alert, complaints, settings.public_url, ctx)
    error = None
    try:
        notifier.send(urls, title, body)
    except DeliveryError as exc:
        error = str(exc)
    except Exception as exc:  # a channel plugin failing must not stop the others
        error = redact_text(f"{exc.__class__.__name__}: {exc}")  # an apprise URL may carry credentials
    with uow_factory() as uow:
        if error is None:
            uow.outbox.finish(alert["id"], state="sent", now=now, attempts=attempt)
            metrics.ALERTS_SENT.labels(alert["kind"]).inc()
        else:
            gave_up = attempt >= settings.alert_max_attempts
            uow.outbox.finish(
                alert["id"],
                state="failed" if gave_up else "pending",
                now=now,
                next_attempt_at=now + backoff(attempt),
                error=error,
                attempts=attempt,
            )
            metrics.ALERTS_FAILED.labels(alert["kind"]).inc()
        # One timeline entry per alert: a retry adds its attempt to it.
        uow.timeline.record_alert_attempt(
            TimelineEntry(
                alert["case_id"],
                now,
                EntryType.ALERT,
                ACTOR,
                {
                    "key": alert["key"],
                    "kind": alert["kind"],
                    "attempt": attempt,
                    "targets": len(urls),
                    "outcome": "sent" if error is None else "failed",
                    "error": error,
                    "title": title,
                    **({"gave_up": True} if error is not None and attempt >= settings.alert_max_attempts else {}),
                },
            )
        )
        uow.commit()
    return "sent" if error is None else "failed"


@lru_cache(maxsize=4)
def _playbooks(path: str | None) -> tuple[Playbook, ...]:
    return tuple(load_playbooks(path).values())


def _context(
    uow: UnitOfWork, settings: Settings, alert: dict[str, Any], complaints: list[Complaint]
) -> tuple[AlertContext, str | None]:
    """The case title, its owner (and their alert target), the promise an escalation or dispute
    is about, the last field update of the promise's reference, and the playbook's next step."""
    case = uow.cases.get(alert["case_id"])
    promise: dict[str, Any] = dict(alert["payload"].get("promise") or {})
    reason = alert["payload"].get("reason")
    evidence = None
    if not promise:  # escalation, dispute: the case's latest unanswered break, else its latest promise
        promises = uow.promises.for_cases([alert["case_id"]])
        stuck = [p for p in promises if p.outcome.verdict is Verdict.BROKEN and not p.addressed] or promises
        if stuck:
            latest = stuck[-1]
            promise, reason = promise_detail(latest), latest.outcome.reason.value if latest.outcome.reason else None
            evidence = latest.outcome.evidence.evidence() if latest.outcome.evidence else None
    last = None
    if promise:
        ref = (str(promise.get("partner")), str(promise.get("reference")))
        updates = uow.updates.for_references([ref]).get(ref) or []
        if updates:
            last = max(updates, key=lambda u: u.order_key).evidence()
    step = (
        next_step(
            str(promise.get("kind")),
            reason if alert["kind"] != "promise_at_risk" else "deadline_missed",
            _playbooks(settings.playbooks_file),
            settings.language,
        )
        if promise
        else None
    )
    owner = case.owner if case else None
    person = uow.people.person(owner) if owner else None
    author = complaints[-1].author if complaints else None
    title = case_title(author, case.customer_ref if case else None, case.order_ref if case else None, promise.get("reference"))
    ctx = AlertContext(
        case_title=title,
        owner=owner,
        next_step=step.text if step else None,
        last_update=last,
        promise=promise or None,
        evidence=evidence,
        language=settings.language,
        timezone=settings.timezone,
    )
    return ctx, person.alert_url if person else None


def alerts_due(uow_factory: Callable[[], UnitOfWork], now: datetime) -> bool:
    return work_queues.has_due(uow_factory, lambda uow: uow.outbox, now)


def queue_escalations(uow_factory: Callable[[], UnitOfWork], settings: Settings, now: datetime) -> int:
    """Cases reopened for too long, or reopened again and again: one escalation per reopen."""
    with uow_factory() as uow:
        cases = uow.cases.reopened_to_escalate(
            now, timedelta(seconds=settings.escalate_after_seconds), settings.escalate_on_reopen_count
        )
        alerts = []
        for case in cases:
            why = (
                f"reopened {case.reopen_count} times"
                if case.reopen_count >= settings.escalate_on_reopen_count
                else f"reopened and unaddressed since {_iso(case.status_changed_at)}"
            )
            alerts.append(
                Alert(
                    key=f"{case.case_id}:escalation:{case.reopen_count}",
                    case_id=case.case_id,
                    promise_id=None,
                    kind="escalation",
                    payload={"case_id": case.case_id, "why": why, "reopen_count": case.reopen_count},
                )
            )
        queued = uow.outbox.add(alerts, now)
        fresh = [a for a in alerts if a.key in queued]  # a concurrent run queued the others
        if fresh:
            uow.timeline.append(
                [TimelineEntry(a.case_id, now, EntryType.ESCALATION, "system:escalation", a.payload) for a in fresh]
            )
        uow.commit()
    return len(fresh)
