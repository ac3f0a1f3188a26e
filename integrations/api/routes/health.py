"""Probes and Prometheus metrics.

- `/livez`: the process answers (no database): an orchestrator restarts it when this fails.
- `/healthz`: the database answers and its schema is at the code's migration head: a load
  balancer sends traffic only then (503 otherwise, with what is wrong). The flows are not
  checked: updates are accepted and committed while the workers are down.
- `/readyz`: all of `/healthz`, and the flows run: no alert or partner request has been due for
  TERRAIN_READY_MAX_LAG_SECONDS untaken, and (under `terrain up`) every supervised part and flow
  loop is running. For monitoring and `terrain up`: 503 `not_ready` naming what is not.
- `/metrics`: Prometheus; with PROMETHEUS_MULTIPROC_DIR set (`terrain serve --workers N` sets
  it) the figures of every worker process, summed; behind `Authorization: Bearer
  $TERRAIN_METRICS_TOKEN` when that is set.
"""

from __future__ import annotations

import hmac
import json
import os
import time
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy import func, select, text
from starlette.concurrency import run_in_threadpool

from integrations import metrics
from integrations.api.auth import bearer_token
from integrations.api.errors import error_response
from integrations.api.schemas import ErrorOut, HealthOut, ReadyOut
from integrations.db import tables
from integrations.db.migrate import current_revisions, head_revisions
from integrations.settings import UP_STATUS_FILE_ENV

router = APIRouter(tags=["health"])
_UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorOut, "description": "not ready: the database does not answer or is behind"}
}
STATUS_STALE_SECONDS = 10.0


@lru_cache(maxsize=1)
def _heads() -> frozenset[str]:
    return frozenset(head_revisions())


def _queue_lag(conn: Any, now: datetime, max_lag: timedelta) -> dict[str, str]:
    """Work that came due more than `max_lag` ago and that no worker has claimed: whatever
    runs the flows is not running (a claimed row's next attempt moves past its lease)."""
    problems = {}
    for name, table in (("alerts", tables.outbox), ("partner_requests", tables.outbound_requests)):
        oldest = conn.execute(
            select(func.min(table.c.next_attempt_at)).where(table.c.state == "pending", table.c.next_attempt_at <= now - max_lag)
        ).scalar()
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


async def _database(request: Request, max_lag: timedelta | None = None) -> JSONResponse | dict[str, str]:
    """None of the database's problems: a 503 when it does not answer or is behind its schema;
    else, with `max_lag`, the queues' lag (empty when the flows keep up)."""
    engine, now = request.app.state.engine, request.app.state.clock()

    def check() -> tuple[set[str], dict[str, str]]:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            return current_revisions(conn), (_queue_lag(conn, now, max_lag) if max_lag is not None else {})

    try:
        current, lag = await run_in_threadpool(check)
    except Exception:
        return error_response(503, "database_unavailable", "the database does not answer")
    if current != _heads():
        return error_response(
            503,
            "schema_behind",
            "the database schema is not at the code's migration head",
            {"current": sorted(current), "expected": sorted(_heads())},
        )
    return lag


@router.get("/livez", response_model=HealthOut)
async def livez() -> HealthOut:
    return HealthOut(status="ok")


@router.get("/healthz", response_model=HealthOut, responses=_UNAVAILABLE)
async def healthz(request: Request):
    """200 when the database answers at the code's schema: send traffic."""
    answer = await _database(request)
    return answer if isinstance(answer, JSONResponse) else HealthOut(status="ok")


# A 503 is its usual answer when the flows are down, not a fault: kept out of the fuzzed schema.
@router.get("/readyz", response_model=ReadyOut, include_in_schema=False)
async def readyz(request: Request):
    """200 when the database answers at the code's schema and the flows run; else 503 naming what is not."""
    settings = request.app.state.settings
    answer = await _database(request, timedelta(seconds=settings.ready_max_lag_seconds))
    if isinstance(answer, JSONResponse):
        return answer
    problems = dict(answer)
    if path := os.environ.get(UP_STATUS_FILE_ENV):
        problems.update(_supervisor_problems(path))
    if problems:
        said = "; ".join(f"{name}: {problem}" for name, problem in problems.items())
        return error_response(503, "not_ready", f"some of Terrain is not running: {said}", details=problems)
    return ReadyOut(status="ready")


def _registry():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    from prometheus_client import REGISTRY

    return REGISTRY


@router.get("/metrics", include_in_schema=False)
async def prometheus(request: Request) -> Response:
    expected = request.app.state.settings.metrics_token
    if expected:
        given = bearer_token(request) or ""
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return error_response(401, "unauthorized", "/metrics needs the metrics token", None, {"WWW-Authenticate": "Bearer"})
    engine = request.app.state.engine

    def depth() -> int:
        with engine.connect() as conn:  # the partial index on pending rows keeps this cheap
            return (
                conn.execute(select(func.count()).select_from(tables.outbox).where(tables.outbox.c.state == "pending")).scalar()
                or 0
            )

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
    return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)
