"""The per-complaint workflow: send each partner the request its promise implies, once
(the promise id is the idempotency key), with retries and exponential backoff. Flow runs are
named `case-<case_id>` and tagged `case:<case_id>`.

Orchestration only: what to send and how an outcome is recorded live in
integrations/services/outbound.py; the task below is a thin I/O wrapper around one attempt.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from prefect import flow, tags, task
from prefect.cache_policies import NO_CACHE
from prefect.context import TaskRunContext

from flows import context
from integrations import logging_setup, tracing
from integrations.outbound.partner_api import RequestFailed
from integrations.services.clock import utc_now
from integrations.services.outbound import attempt_request, claim_requests, reschedule_request

log = logging.getLogger("terrain.partner_requests")
TRIES_PER_CLAIM = 3  # task retries (1 s, then 4 s); then the row is rescheduled with backoff
CONCURRENT_CASES = 8


@task(retries=TRIES_PER_CLAIM - 1, retry_delay_seconds=[1, 4], cache_policy=NO_CACHE)
async def send_request(request: dict) -> str:
    run = TaskRunContext.get()
    attempt = (request["attempts"] - 1) * TRIES_PER_CLAIM + (run.task_run.run_count if run else 1)
    # The HTTP call blocks: off the event loop, so that other cases' requests go on meanwhile.
    with (
        logging_setup.bound(case_id=request["case_id"], promise_id=request["promise_id"], partner=request["partner"]),
        tracing.span(
            "partner.request",
            **{
                "terrain.case_id": request["case_id"],
                "terrain.promise_id": request["promise_id"],
                "terrain.partner": request["partner"],
                "terrain.attempt": attempt,
            },
        ),
    ):
        return await asyncio.to_thread(attempt_request, context.uow_factory(), context.settings(), request, utc_now(), attempt)


async def _send(request: dict) -> str:
    try:
        outcome = await send_request(request)
        log.info("partner request %s", outcome, extra={"promise_id": request["promise_id"], "partner": request["partner"]})
        return outcome
    except RequestFailed as exc:  # retried later with backoff; blocks nothing else
        log.warning("partner request failed: %s", exc, extra={"promise_id": request["promise_id"], "partner": request["partner"]})
        return await asyncio.to_thread(
            reschedule_request, context.uow_factory(), context.settings(), request, utc_now(), str(exc)
        )


@flow(name="complaint-workflow", flow_run_name="case-{case_id}")
async def complaint_workflow(case_id: str, requests: list[dict]) -> dict[str, str]:
    """The requests of one case, side by side: one partner that cannot be reached does not hold
    up another."""
    context.bind_flow_run()
    logging_setup.bind(case_id=case_id)
    outcomes = await asyncio.gather(*(_send(request) for request in requests))
    return {request["promise_id"]: outcome for request, outcome in zip(requests, outcomes, strict=True)}


@flow(name="dispatch-partner-requests")
async def dispatch_partner_requests(limit: int = 50) -> dict[str, str]:
    """Claim due requests (SKIP LOCKED on PostgreSQL, with a lease) and run the workflow of each
    case they belong to, several cases at once."""
    context.bind_flow_run()
    settings = context.settings()
    claimed = claim_requests(context.uow_factory(), utc_now(), limit, timedelta(seconds=settings.claim_lease_seconds))
    by_case: dict[str, list[dict]] = {}
    for request in claimed:
        by_case.setdefault(request["case_id"], []).append(request)
    gate = asyncio.Semaphore(CONCURRENT_CASES)

    async def run_case(case_id: str, requests: list[dict]) -> dict[str, str]:
        async with gate:
            with tags(f"case:{case_id}"):
                return await complaint_workflow(case_id, requests)

    outcomes: dict[str, str] = {}
    for result in await asyncio.gather(*(run_case(case_id, reqs) for case_id, reqs in by_case.items())):
        outcomes.update(result)
    return outcomes
