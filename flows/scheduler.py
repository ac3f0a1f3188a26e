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
- carrier polls: every TERRAIN_CARRIER_CHECK_SECONDS, a `carrier-poll` flow run for each
  partner whose pass is due (its account's --poll-every), each running on its own so that a
  long or failing pass delays no other partner's.
A loop whose thread dies is started again (with backoff, logged); each loop reports its state
(`loop_status()`) for the readiness of `terrain up`. A round that fails (the Prefect server is
down, say) is logged and the next round tries again: the work stays in the database (outbox,
partner requests) until a round delivers it.
In production the same flows run from deployments/prefect.yaml on a work pool instead.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any, Awaitable, Callable

from flows import context
from flows.alert_delivery import alert_delivery
from flows.carrier_poll import carrier_poll, partners_due
from flows.complaint_workflow import dispatch_partner_requests
from flows.deadline_sweep import deadline_sweep
from flows.escalation import escalation
from integrations import logging_setup
from integrations.services.clock import utc_now
from integrations.services.outbound import requests_due
from integrations.services.outbox import alerts_due

log = logging.getLogger("terrain.scheduler")
RESTART_BACKOFF = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 60.0)


@dataclass
class LoopStatus:
    running: bool = False
    last_ok: float | None = None  # time.time() of the last round that succeeded
    last_error: str | None = None  # the last round's error, None once a round succeeds
    failures: int = 0  # rounds failed in a row
    restarts: int = 0


_STATUS: dict[str, LoopStatus] = {}
_STATUS_LOCK = threading.Lock()


def loop_status() -> dict[str, dict[str, Any]]:
    with _STATUS_LOCK:
        return {name: asdict(status) for name, status in _STATUS.items()}


def _set(name: str, **values: Any) -> None:
    with _STATUS_LOCK:
        status = _STATUS.setdefault(name, LoopStatus())
        for key, value in values.items():
            setattr(status, key, value)


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


# The carrier passes in progress, by partner: a partner's next pass starts when its last one ended.
_carrier_passes: dict[str, asyncio.Task] = {}


async def _start_due_carrier_polls() -> None:
    """Start a `carrier-poll` flow run for each partner whose pass is due and not running; the
    passes run side by side in the loop's event loop, so a long or failing one delays no other."""
    for partner, task in list(_carrier_passes.items()):
        if task.done():
            del _carrier_passes[partner]
    for partner in await asyncio.to_thread(partners_due):
        if partner not in _carrier_passes:
            _carrier_passes[partner] = asyncio.create_task(_one_carrier_pass(partner))


async def _one_carrier_pass(partner: str) -> None:
    try:
        await carrier_poll.with_options(flow_run_name=f"carrier-poll-{partner}")(partner=partner)
    except Exception:
        log.exception("carrier poll of %s failed", partner)


def _loop(name: str, step: Callable[[], Awaitable[None]], every: float, stop: threading.Event) -> None:
    async def run() -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                await step()
            except Exception as exc:  # one failing round must not stop the loop; the next one retries
                with _STATUS_LOCK:
                    status = _STATUS.setdefault(name, LoopStatus())
                    status.failures += 1
                    status.last_error = f"{exc.__class__.__name__}: {exc}"[:300]
                    failures = status.failures
                if failures == 1 or failures % 20 == 0:  # the first of a run of failures, then now and then
                    log.exception("%s round failed (%d in a row)", name, failures)
            else:
                _set(name, last_ok=time.time(), last_error=None, failures=0)
            stop.wait(max(0.0, every - (time.monotonic() - started)))

    _set(name, running=True)
    try:
        asyncio.run(run())
    finally:
        _set(name, running=False)


Loop = tuple[str, Callable[[], Awaitable[None]], float]


def run_forever(stop: threading.Event, grace_seconds: float = 15.0, loops: list[Loop] | None = None) -> bool:
    """Run the loops until `stop` is set, then give the rounds in progress `grace_seconds` to
    end. A round still running after that (a partner that hangs) is abandoned with the process:
    what it claimed is leased, not lost, and another worker takes it when the lease expires.
    Returns True when every loop ended."""
    logging_setup.configure(force=True)  # importing prefect replaced the root logger's handlers
    settings = context.settings()
    context.stop_event().clear()
    loops = loops or [
        ("sweep", _sweep, settings.sweep_interval_seconds),
        ("escalation", _escalate, settings.escalation_interval_seconds),
        ("alerts", _deliver_if_due, settings.alert_poll_seconds),
        ("partner-requests", _dispatch_if_due, settings.partner_request_poll_seconds),
        ("carrier-polls", _start_due_carrier_polls, settings.carrier_check_seconds),
    ]

    def start(name: str, step: Callable[[], Awaitable[None]], every: float) -> threading.Thread:
        thread = threading.Thread(target=_loop, args=(name, step, every, stop), name=f"terrain-{name}", daemon=True)
        thread.start()
        return thread

    threads = [start(*loop) for loop in loops]
    restart_at: dict[int, float] = {}
    while not stop.is_set():
        for i, (name, step, every) in enumerate(loops):
            if threads[i].is_alive() or stop.is_set():
                continue
            # A loop only ends on an error that is not an Exception (a bug, a BaseException from a
            # library): start it again, waiting longer each time it dies young.
            restarts = _STATUS.get(name, LoopStatus()).restarts
            if i not in restart_at:
                delay = RESTART_BACKOFF[min(restarts, len(RESTART_BACKOFF) - 1)]
                restart_at[i] = time.monotonic() + delay
                log.error("the %s loop stopped; starting it again in %gs", name, delay)
            elif time.monotonic() >= restart_at[i]:
                del restart_at[i]
                _set(name, restarts=restarts + 1)
                threads[i] = start(name, step, every)
                log.warning("the %s loop started again (restart %d)", name, restarts + 1)
        stop.wait(0.5)
    context.stop_event().set()  # rounds that watch for more work end now
    deadline = time.monotonic() + grace_seconds
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    if busy := [thread.name for thread in threads if thread.is_alive()]:
        log.warning("stopping with rounds still in progress (%s); their claims will be taken over", ", ".join(busy))
    return not busy
