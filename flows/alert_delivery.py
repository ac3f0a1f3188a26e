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
def claim(limit: int) -> list[dict]:
    lease = timedelta(seconds=context.settings().claim_lease_seconds)
    return claim_alerts(context.engine(), utc_now(), limit, lease)


@task(cache_policy=NO_CACHE)
def deliver(alert: dict) -> bool:
    # Retries are rows, not task retries: a failed alert gets its next attempt in the outbox
    # with backoff, so a receiver that is down for an hour still gets it, and nothing is lost
    # if this worker dies.
    return deliver_alert(context.engine(), context.settings(), AppriseNotifier(), alert, utc_now())


@flow(name="alert-delivery")
async def alert_delivery(limit: int = 50) -> dict[str, int]:
    sent = failed = 0
    while alerts := claim(limit):
        for alert in alerts:
            if deliver(alert):
                sent += 1
            else:
                failed += 1
        if len(alerts) < limit:
            break
    return {"sent": sent, "failed": failed}
