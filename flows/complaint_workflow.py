"""The per-complaint workflow: send each partner the request its promise implies, once,
with retries and backoff. Flow runs are named and tagged with the case id."""

from __future__ import annotations

from prefect import flow, tags, task
from prefect.cache_policies import NO_CACHE
from prefect.context import TaskRunContext

from flows import context
from integrations.outbound.partner_api import RequestFailed
from integrations.services.clock import utc_now
from integrations.services.outbound import attempt_request, claim_requests, reschedule_request


@task(retries=2, retry_delay_seconds=[1, 3], cache_policy=NO_CACHE)
def send_request(request: dict) -> str:
    run = TaskRunContext.get()
    attempt = (request["attempts"] - 1) * 3 + (run.task_run.run_count if run else 1)
    return attempt_request(context.engine(), context.settings(), request, utc_now(), attempt)


@flow(name="complaint-workflow", flow_run_name="case-{case_id}")
async def complaint_workflow(case_id: str, requests: list[dict]) -> dict[str, str]:
    outcomes = {}
    for request in requests:
        try:
            outcomes[request["promise_id"]] = send_request(request)
        except RequestFailed as exc:  # an unreachable partner blocks nothing else
            outcomes[request["promise_id"]] = reschedule_request(
                context.engine(), context.settings(), request, utc_now(), str(exc))
    return outcomes


@flow(name="dispatch-partner-requests")
async def dispatch_partner_requests(limit: int = 50) -> dict[str, str]:
    """Claim due requests and run the workflow of each case they belong to."""
    by_case: dict[str, list[dict]] = {}
    for request in claim_requests(context.engine(), utc_now(), limit):
        by_case.setdefault(request["case_id"], []).append(request)
    outcomes: dict[str, str] = {}
    for case_id, requests in by_case.items():
        with tags(f"case:{case_id}"):
            outcomes.update(await complaint_workflow(case_id, requests))
    return outcomes
