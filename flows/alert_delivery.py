"""Deliver the alerts the outbox holds, with retries and backoff."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from datetime import timedelta

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows import context
from integrations import logging_setup, tracing
from integrations.notify.apprise_notifier import AppriseNotifier
from integrations.services.clock import utc_now
from integrations.services.outbox import alerts_due, claim_alerts, deliver_alert

log = logging.getLogger("terrain.alerts")


@task(cache_policy=NO_CACHE)
def deliver_batch(limit: int) -> dict[str, int]:
    """Claim due alerts and send each. One task per batch, not per alert: an alert must leave
    within a second or two, and each task run costs orchestration round trips.

    Retries are rows, not task retries: a failed alert gets its next attempt in the outbox
    with backoff, so a receiver that is down for an hour still gets it, and nothing is lost
    if this worker dies (its claim expires and another worker takes the alert). Each alert's
    claim is renewed, fenced by its attempt number, right before it is sent."""
    settings, uows = context.settings(), context.uow_factory()
    lease = timedelta(seconds=settings.claim_lease_seconds)
    alerts = claim_alerts(uows, utc_now(), limit, lease)
    notifier = AppriseNotifier()
    outcomes: Counter[str] = Counter()
    for alert in alerts:
        # The trace of the update that queued the alert goes on here (when tracing is on).
        with (
            logging_setup.bound(case_id=alert["case_id"], promise_id=alert["promise_id"]),
            tracing.continued(
                alert["payload"],
                "alert.deliver",
                **{
                    "terrain.case_id": alert["case_id"],
                    "terrain.promise_id": alert["promise_id"],
                    "terrain.alert_kind": alert["kind"],
                    "terrain.attempt": alert["attempts"],
                    "terrain.verdict": alert["payload"].get("verdict"),
                },
            ),
        ):
            outcome = deliver_alert(uows, settings, notifier, alert, utc_now(), lease)
            log.info("alert %s", outcome, extra={"alert_kind": alert["kind"], "attempt": alert["attempts"]})
        outcomes[outcome] += 1
    return {"claimed": len(alerts), "sent": outcomes["sent"], "failed": outcomes["failed"]}


@flow(name="alert-delivery")
async def alert_delivery(limit: int = 50, watch_seconds: float = 0.0) -> dict[str, int]:
    """Until no alert is due: at least once per alert, never twice once one is sent.
    Several runs may overlap (claims use SKIP LOCKED on PostgreSQL).

    With `watch_seconds`, the run then keeps watching the outbox that long (an indexed look every
    TERRAIN_ALERT_POLL_SECONDS) and delivers what comes due: an alert then costs a task run, not
    a flow run, and does not wait on a Prefect server busy with other flows' runs."""
    context.bind_flow_run()
    settings = context.settings()
    watch_until = time.monotonic() + watch_seconds
    sent = failed = 0
    while True:
        batch = deliver_batch(limit)
        sent, failed = sent + batch["sent"], failed + batch["failed"]
        if batch["claimed"] == limit:
            continue
        while time.monotonic() < watch_until and not context.stopping():
            await asyncio.sleep(settings.alert_poll_seconds)
            if alerts_due(context.uow_factory(), utc_now()):
                break
        else:
            return {"sent": sent, "failed": failed}
