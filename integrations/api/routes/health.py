"""Probes and Prometheus metrics.

- `/livez`: the process answers (no database): an orchestrator restarts it when this fails.
- `/readyz`: the database answers and its schema is at the code's migration head: a load
  balancer sends traffic only then (503 otherwise, with what is wrong).
- `/healthz`: the same as `/readyz`, kept for the load balancers already pointed at it.
- `/metrics`: Prometheus; with PROMETHEUS_MULTIPROC_DIR set (`terrain serve --workers N` sets
  it) the figures of every worker process, summed; behind `Authorization: Bearer
  $TERRAIN_METRICS_TOKEN` when that is set.
"""

from __future__ import annotations

import hmac
import os
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy import func, select, text
from starlette.concurrency import run_in_threadpool

from integrations import metrics
from integrations.api.auth import bearer_token
from integrations.api.errors import error_response
from integrations.api.schemas import ErrorOut, HealthOut
from integrations.db import tables
from integrations.db.migrate import current_revisions, head_revisions

router = APIRouter(tags=["health"])
_UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorOut, "description": "not ready: the database does not answer or is behind"}}


@lru_cache(maxsize=1)
def _heads() -> frozenset[str]:
    return frozenset(head_revisions())


@router.get("/livez", response_model=HealthOut)
async def livez() -> HealthOut:
    return HealthOut(status="ok")


@router.get("/readyz", response_model=HealthOut, responses=_UNAVAILABLE)
async def readyz(request: Request):
    engine = request.app.state.engine

    def check() -> set[str]:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            return current_revisions(conn)

    try:
        current = await run_in_threadpool(check)
    except Exception:
        return error_response(503, "database_unavailable", "the database does not answer")
    if current != _heads():
        return error_response(503, "schema_behind", "the database schema is not at the code's migration head",
                              {"current": sorted(current), "expected": sorted(_heads())})
    return HealthOut(status="ok")


router.add_api_route("/healthz", readyz, methods=["GET"], response_model=HealthOut, responses=_UNAVAILABLE,
                     summary="Healthz (an alias of /readyz)")


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
            return error_response(401, "unauthorized", "/metrics needs the metrics token", None,
                                  {"WWW-Authenticate": "Bearer"})
    engine = request.app.state.engine

    def depth() -> int:
        with engine.connect() as conn:  # the partial index on pending rows keeps this cheap
            return conn.execute(select(func.count()).select_from(tables.outbox)
                                .where(tables.outbox.c.state == "pending")).scalar() or 0

    try:
        metrics.OUTBOX_DEPTH.set(await run_in_threadpool(depth))
    except Exception:  # metrics must answer even when the database does not
        pass
    return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)
