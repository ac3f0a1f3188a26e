"""The embedded scheduler of `terrain up`: runs the flows on the local Prefect server.

The sweep and escalation run every TERRAIN_SWEEP_INTERVAL_SECONDS; alert delivery and partner
requests are polled cheaply (an indexed look at the queues) and a flow run is started only
when something is due, so an alert leaves within about a second of the contradiction.
In production the same flows run from deployments/prefect.yaml on a work pool instead.
"""

from __future__ import annotations

import asyncio
import logging
import time

from flows import context
from flows.alert_delivery import alert_delivery
from flows.complaint_workflow import dispatch_partner_requests
from flows.deadline_sweep import deadline_sweep
from flows.escalation import escalation
from integrations.services.clock import utc_now
from integrations.services.outbound import requests_due
from integrations.services.outbox import alerts_due

log = logging.getLogger("terrain.scheduler")


async def run_forever(stop: asyncio.Event) -> None:
    settings = context.settings()
    next_sweep = 0.0
    while not stop.is_set():
        try:
            if time.monotonic() >= next_sweep:
                next_sweep = time.monotonic() + settings.sweep_interval_seconds
                await deadline_sweep()
                await escalation()
            engine = context.engine()
            if await asyncio.to_thread(requests_due, engine, utc_now()):
                await dispatch_partner_requests()
            if await asyncio.to_thread(alerts_due, engine, utc_now()):
                await alert_delivery()
        except Exception:  # one failing round must not stop the scheduler; the next retries
            log.exception("scheduler round failed")
        try:
            await asyncio.wait_for(stop.wait(), timeout=settings.alert_poll_seconds)
        except TimeoutError:
            pass
