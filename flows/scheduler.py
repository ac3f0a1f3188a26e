"""The embedded scheduler of `terrain up` and `python -m flows.worker`: runs the flows on the
local Prefect server (or PREFECT_API_URL).

Independent loops, each in its own thread so that a slow one never delays another:
- the deadline sweep and escalation every TERRAIN_SWEEP_INTERVAL_SECONDS;
- alert delivery, polled cheaply (an indexed look at the outbox) every
  TERRAIN_ALERT_POLL_SECONDS, a flow run started only when an alert is due: an alert leaves
  within about a second of the contradiction, whatever else is running;
- partner requests, polled the same way;
- carrier polls: every TERRAIN_CARRIER_CHECK_SECONDS, a `carrier-poll` flow run for each
  partner whose pass is due (its account's --poll-every), each running on its own so that a
  long or failing pass delays no other partner's.
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
from flows.carrier_poll import carrier_poll, partners_due
from flows.complaint_workflow import dispatch_partner_requests
from flows.deadline_sweep import deadline_sweep
from flows.escalation import escalation
from integrations.services.clock import utc_now
from integrations.services.outbound import requests_due
from integrations.services.outbox import alerts_due

log = logging.getLogger("terrain.scheduler")


async def _sweep_and_escalate() -> None:
    await deadline_sweep()
    await escalation()


async def _deliver_if_due() -> None:
    if alerts_due(context.uow_factory(), utc_now()):
        # The run stays a while to deliver what comes next without a flow run per alert.
        await alert_delivery(watch_seconds=context.settings().alert_watch_seconds)


async def _dispatch_if_due() -> None:
    if requests_due(context.uow_factory(), utc_now()):
        await dispatch_partner_requests()


def _carrier_loop(stop: threading.Event, every: float) -> None:
    async def one_partner(partner: str) -> None:
        try:
            await carrier_poll.with_options(flow_run_name=f"carrier-poll-{partner}")(partner=partner)
        except Exception:
            log.exception("carrier poll of %s failed", partner)

    async def run() -> None:
        running: dict[str, asyncio.Task] = {}
        while not stop.is_set():
            running = {partner: pass_ for partner, pass_ in running.items() if not pass_.done()}
            try:
                for partner in await asyncio.to_thread(partners_due):
                    if partner not in running:
                        running[partner] = asyncio.create_task(one_partner(partner))
            except Exception:  # the database may be away for a moment; the next round retries
                log.exception("carrier poll round failed")
            started = time.monotonic()
            while not stop.is_set() and time.monotonic() - started < every:
                await asyncio.sleep(min(0.5, every))
        if running:  # passes see context.stopping() between chunks and end soon
            await asyncio.wait(running.values(), timeout=10)

    asyncio.run(run())


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
    settings = context.settings()
    context.stop_event().clear()
    loops = [("sweep", _sweep_and_escalate, settings.sweep_interval_seconds),
             ("alerts", _deliver_if_due, settings.alert_poll_seconds),
             ("partner-requests", _dispatch_if_due, settings.alert_poll_seconds)]
    threads = [threading.Thread(target=_loop, args=(name, step, every, stop), name=f"terrain-{name}", daemon=True)
               for name, step, every in loops]
    threads.append(threading.Thread(target=_carrier_loop, args=(stop, settings.carrier_check_seconds),
                                    name="terrain-carrier-poll", daemon=True))
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
