"""The embedded scheduler of `terrain up` and `python -m flows.worker`: runs the flows on the
local Prefect server (or PREFECT_API_URL).

Independent loops, each in its own thread so that a slow one never delays another, at the
intervals of integrations/schedules.py (the table deployments/prefect.yaml follows too):
- the deadline sweep every TERRAIN_SWEEP_INTERVAL_SECONDS (30 s);
- escalation every TERRAIN_ESCALATION_INTERVAL_SECONDS (300 s);
- alert delivery, polled cheaply (an indexed look at the outbox) every
  TERRAIN_ALERT_POLL_SECONDS, a flow run started only when an alert is due: an alert leaves
  within about a second of the contradiction, whatever else is running (the deployment's runs
  watch the outbox the same way);
- partner requests, polled the same way every TERRAIN_PARTNER_REQUEST_POLL_SECONDS (10 s).
In production the same flows run from deployments/prefect.yaml on a work pool instead.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Awaitable, Callable

from flows import context
from flows.alert_delivery import alert_delivery
from flows.complaint_workflow import dispatch_partner_requests
from flows.deadline_sweep import deadline_sweep
from flows.escalation import escalation
from integrations import logging_setup
from integrations.services.clock import utc_now
from integrations.services.outbound import requests_due
from integrations.services.outbox import alerts_due

log = logging.getLogger("terrain.scheduler")


async def _sweep() -> None:
    await deadline_sweep()


async def _escalate() -> None:
    await escalation()


async def _deliver_if_due() -> None:
    if alerts_due(context.uow_factory(), utc_now()):
        # The run stays a while to deliver what comes next without a flow run per alert.
        await alert_delivery(watch_seconds=context.settings().alert_watch_seconds)


async def _dispatch_if_due() -> None:
    if requests_due(context.uow_factory(), utc_now()):
        await dispatch_partner_requests()


def _loop(name: str, step: Callable[[], Awaitable[None]], every: float, stop: threading.Event) -> None:
    async def run() -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                await step()
            except Exception:  # one failing round must not stop the loop; the next one retries
                log.exception("%s round failed", name)
            stop.wait(max(0.0, every - (time.monotonic() - started)))

    asyncio.run(run())


def run_forever(stop: threading.Event, grace_seconds: float = 15.0) -> bool:
    """Run the loops until `stop` is set, then give the rounds in progress `grace_seconds` to
    end. A round still running after that (a partner that hangs) is abandoned with the process:
    what it claimed is leased, not lost, and another worker takes it when the lease expires.
    Returns True when every loop ended."""
    logging_setup.configure(force=True)  # importing prefect replaced the root logger's handlers
    settings = context.settings()
    context.stop_event().clear()
    loops = [("sweep", _sweep, settings.sweep_interval_seconds),
             ("escalation", _escalate, settings.escalation_interval_seconds),
             ("alerts", _deliver_if_due, settings.alert_poll_seconds),
             ("partner-requests", _dispatch_if_due, settings.partner_request_poll_seconds)]
    threads = [threading.Thread(target=_loop, args=(name, step, every, stop), name=f"terrain-{name}", daemon=True)
               for name, step, every in loops]
    for thread in threads:
        thread.start()
    while not stop.is_set() and any(thread.is_alive() for thread in threads):
        stop.wait(0.5)
    context.stop_event().set()  # rounds that watch for more work end now
    deadline = time.monotonic() + grace_seconds
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    if busy := [thread.name for thread in threads if thread.is_alive()]:
        log.warning("stopping with rounds still in progress (%s); their claims will be taken over", ", ".join(busy))
    return not busy
