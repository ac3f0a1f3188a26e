"""Liveness (/healthz: the API and its database answer), readiness (/readyz: and the flows are
running) and Prometheus metrics."""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text
from starlette.concurrency import run_in_threadpool

from integrations import metrics
from integrations.api.errors import error_response
from integrations.db import tables
from integrations.settings import UP_STATUS_FILE_ENV

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(request: Request):
    engine = request.app.state.engine

    def ping() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    try:
        await run_in_threadpool(ping)
    except Exception:
        return error_response(503, "database_unavailable", "the database does not answer")
    return {"status": "ok"}


STATUS_STALE_SECONDS = 10.0


def _queue_lag(engine: Any, now: Any, max_lag: timedelta) -> dict[str, str]:
    """Work that came due more than `max_lag` ago and that no worker has claimed: whatever
    runs the flows is not running (a claimed row's next attempt moves past its lease)."""
    problems = {}
    with engine.connect() as conn:
        for name, table in (("alerts", tables.outbox), ("partner_requests", tables.outbound_requests)):
            oldest = conn.execute(select(func.min(table.c.next_attempt_at)).where(
                table.c.state == "pending", table.c.next_attempt_at <= now - max_lag)).scalar()
            if oldest is not None:
                late = (now - oldest).total_seconds()
                problems[name] = f"due for {late:.0f}s and not taken by any flow run: are the flows running?"
    return problems


def _supervisor_problems(path: str) -> dict[str, str]:
    """What `terrain up` says of what it runs: the API, the local Prefect server, the flow loops."""
    try:
        status = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {"supervisor": "terrain up has not reported its state yet"}
    problems = {}
    age = time.time() - status.get("at", 0)
    if age > STATUS_STALE_SECONDS:
        problems["supervisor"] = f"terrain up last reported {age:.0f}s ago"
    for name, part in status.get("parts", {}).items():
        if not part.get("running"):
            problems[name] = "not running; being restarted" + (f" ({part['last_error']})" if part.get("last_error") else "")
    for name, loop in status.get("loops", {}).items():
        if not loop.get("running"):
            problems[f"flows:{name}"] = "the loop is not running; being restarted"
        elif loop.get("failures"):
            problems[f"flows:{name}"] = f"{loop['failures']} round(s) failed in a row: {loop.get('last_error')}"
    return problems


@router.get("/readyz", include_in_schema=False)  # a 503 is its answer, not a fault: kept out of the fuzzed schema
async def readyz(request: Request):
    """200 when the database answers and the flows run; else 503 `not_ready` naming what is not."""
    engine, settings = request.app.state.engine, request.app.state.settings
    now = request.app.state.clock()
    try:
        problems = await run_in_threadpool(_queue_lag, engine, now, timedelta(seconds=settings.ready_max_lag_seconds))
    except Exception:
        return error_response(503, "database_unavailable", "the database does not answer")
    if path := os.environ.get(UP_STATUS_FILE_ENV):
        problems.update(_supervisor_problems(path))
    if problems:
        said = "; ".join(f"{name}: {problem}" for name, problem in problems.items())
        return error_response(503, "not_ready", f"some of Terrain is not running: {said}", details=problems)
    return {"status": "ready"}


@router.get("/metrics", include_in_schema=False)
async def prometheus(request: Request) -> Response:
    engine = request.app.state.engine

    def depth() -> int:
        with engine.connect() as conn:  # the partial index on pending rows keeps this cheap
            return conn.execute(select(func.count()).select_from(tables.outbox)
                                .where(tables.outbox.c.state == "pending")).scalar() or 0

    def carrier_errors() -> list:
        accounts = tables.carrier_accounts
        with engine.connect() as conn:  # one row per partner with a carrier account: a handful
            return conn.execute(select(accounts.c.partner, accounts.c.carrier, accounts.c.errors)).all()

    try:
        metrics.OUTBOX_DEPTH.set(await run_in_threadpool(depth))
        for partner, carrier, errors in await run_in_threadpool(carrier_errors):
            metrics.CARRIER_ACCOUNT_ERRORS.labels(partner, carrier).set(errors)
    except Exception:  # metrics must answer even when the database does not
        pass
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
