"""Deliver the alerts the outbox holds, with retries and backoff."""

from __future__ import annotations

from datetime import timedelta

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows import context
from integrations.notify.apprise_notifier import AppriseNotifier
from integrations.services.clock import utc_now
from integrations.services.outbox import claim_alerts, deliver_alert


@task(cache_policy=NO_CACHE)
def deliver_batch(limit: int) -> tuple[int, int]:
    """Claim due alerts and send each. One task per batch, not per alert: an alert must leave
    within a second or two, and each task run costs orchestration round trips.

    Retries are rows, not task retries: a failed alert gets its next attempt in the outbox
    with backoff, so a receiver that is down for an hour still gets it, and nothing is lost
    if this worker dies (its claim expires and another worker takes the alert)."""
    settings, engine = context.settings(), context.engine()
    alerts = claim_alerts(engine, utc_now(), limit, timedelta(seconds=settings.claim_lease_seconds))
    notifier = AppriseNotifier()
    sent = sum(deliver_alert(engine, settings, notifier, alert, utc_now()) for alert in alerts)
    return sent, len(alerts) - sent


@flow(name="alert-delivery")
async def alert_delivery(limit: int = 50) -> dict[str, int]:
    sent = failed = 0
    while True:
        batch_sent, batch_failed = deliver_batch(limit)
        sent, failed = sent + batch_sent, failed + batch_failed
        if batch_sent + batch_failed < limit:
            break
    return {"sent": sent, "failed": failed}
