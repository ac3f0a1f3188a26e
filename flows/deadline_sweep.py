"""Every TERRAIN_SWEEP_INTERVAL_SECONDS: break overdue promises, reopen, queue alerts."""

from __future__ import annotations

import time

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows import context
from integrations import metrics, tracing
from integrations.db import scorecard_stats
from integrations.services.sweep import SweepReport, sweep_deadlines


@task(retries=3, retry_delay_seconds=[1, 2, 4], cache_policy=NO_CACHE)
def sweep_batch() -> SweepReport:
    with tracing.span("deadline.sweep_batch"):
        return sweep_deadlines(context.uow_factory())


@task(retries=3, retry_delay_seconds=[1, 2, 4], cache_policy=NO_CACHE)
def fold_scorecards() -> int:
    """Keep the scorecards' pending deltas few, so that reading them stays cheap."""
    return scorecard_stats.fold(context.engine())


@flow(name="deadline-sweep", log_prints=True)
async def deadline_sweep(max_batches: int = 1000) -> dict[str, int]:
    """Drain the backlog batch by batch (several sweepers share it: SKIP LOCKED), then fold
    the verdicts that changed into the scorecards' aggregate."""
    context.bind_flow_run()
    start = time.perf_counter()
    totals = {"cases_checked": 0, "promises_broken": 0, "cases_reopened": 0, "cases_closed": 0, "scorecard_deltas_folded": 0}
    for _ in range(max_batches):
        report = sweep_batch()
        for key in ("cases_checked", "promises_broken", "cases_reopened", "cases_closed"):
            totals[key] += getattr(report, key)
        if report.cases_checked == 0 and report.cases_closed == 0:
            break
    totals["scorecard_deltas_folded"] = fold_scorecards()
    metrics.SWEEP_DURATION.observe(time.perf_counter() - start)
    return totals
