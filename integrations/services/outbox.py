"""Use cases around alerts: deliver what the outbox holds (at least once, never twice for the
same key once sent), with backoff, every attempt on the case timeline; queue escalations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from domain.model import Alert, EntryType, TimelineEntry
from integrations import metrics
from integrations.db import outbox_store, tables
from integrations.db.repositories import SqlComplaintRepository, SqlTimelineRepository
from integrations.notify import routing
from integrations.notify.base import DeliveryError, Notifier
from integrations.notify.message import compose
from integrations.settings import Settings

ACTOR = "system:alerts"


def backoff(attempt: int) -> timedelta:
    """1 s, 2 s, 4 s … capped at 10 minutes."""
    return timedelta(seconds=min(600, 2 ** max(0, attempt - 1)))


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int
    failed: int


def claim_alerts(engine: Engine, now: datetime, limit: int = 50,
                 lease: timedelta = outbox_store.LEASE) -> list[dict[str, Any]]:
    with engine.begin() as conn:
        return [dict(row._mapping) for row in outbox_store.claim(conn, tables.outbox, now, limit, lease)]


def deliver_alert(engine: Engine, settings: Settings, notifier: Notifier, alert: dict[str, Any],
                  now: datetime, lease: timedelta = outbox_store.LEASE) -> str:
    """Send one claimed alert and record the outcome: "sent", "failed" (retried later with
    backoff, or for good after alert_max_attempts) or "lost" (the claim is no longer ours).

    The claim is renewed just before sending, fenced by the attempt number: if it expired and
    another worker took the alert (or already sent it), this worker sends nothing."""
    attempt = alert["attempts"]
    with engine.begin() as conn:
        if not outbox_store.renew(conn, tables.outbox, alert["id"], attempt, now + lease):
            return "lost"
    with engine.connect() as conn:
        complaints = SqlComplaintRepository(conn).for_case(alert["case_id"])
    partner = (alert["payload"].get("promise") or {}).get("partner")
    urls = routing.targets(settings, alert["kind"], partner, sorted({c.channel for c in complaints}))
    title, body = compose(alert, complaints, settings.public_url)
    error = None
    try:
        notifier.send(urls, title, body)
    except DeliveryError as exc:
        error = str(exc)
    except Exception as exc:  # a channel plugin failing must not stop the others
        error = f"{exc.__class__.__name__}: {exc}"
    with engine.begin() as conn:
        if error is None:
            outbox_store.finish(conn, tables.outbox, alert["id"], state="sent", now=now, attempts=attempt)
            metrics.ALERTS_SENT.labels(alert["kind"]).inc()
        else:
            gave_up = attempt >= settings.alert_max_attempts
            outbox_store.finish(conn, tables.outbox, alert["id"], state="failed" if gave_up else "pending",
                                now=now, next_attempt_at=now + backoff(attempt), error=error, attempts=attempt)
            metrics.ALERTS_FAILED.labels(alert["kind"]).inc()
        SqlTimelineRepository(conn).append([TimelineEntry(alert["case_id"], now, EntryType.ALERT, ACTOR, {
            "key": alert["key"], "kind": alert["kind"], "attempt": attempt, "targets": len(urls),
            "outcome": "sent" if error is None else "failed", "error": error, "title": title,
            **({"gave_up": True} if error is not None and attempt >= settings.alert_max_attempts else {})})])
    return "sent" if error is None else "failed"


def alerts_due(engine: Engine, now: datetime) -> bool:
    with engine.connect() as conn:
        return outbox_store.has_due(conn, tables.outbox, now)


def queue_escalations(engine: Engine, settings: Settings, now: datetime) -> int:
    """Cases reopened for too long, or reopened again and again: one escalation per reopen."""
    with engine.begin() as conn:
        cases = outbox_store.reopened_cases_to_escalate(
            conn, now, timedelta(seconds=settings.escalate_after_seconds), settings.escalate_on_reopen_count)
        alerts = []
        for case in cases:
            why = (f"reopened {case.reopen_count} times" if case.reopen_count >= settings.escalate_on_reopen_count
                   else f"reopened and unaddressed since {case.status_changed_at.isoformat()}")
            alerts.append(Alert(key=f"{case.case_id}:escalation:{case.reopen_count}", case_id=case.case_id,
                                promise_id=None, kind="escalation",
                                payload={"case_id": case.case_id, "why": why, "reopen_count": case.reopen_count}))
        inserted = outbox_store.add_alerts(conn, [
            {"key": a.key, "case_id": a.case_id, "promise_id": a.promise_id, "kind": a.kind, "payload": a.payload,
             "state": "pending", "attempts": 0, "created_at": now, "next_attempt_at": now} for a in alerts])
        fresh = [a for a in alerts if a.key in inserted]  # a concurrent run queued the others
        if fresh:
            SqlTimelineRepository(conn).append([
                TimelineEntry(a.case_id, now, EntryType.ESCALATION, "system:escalation", a.payload)
                for a in fresh])
    return len(fresh)
