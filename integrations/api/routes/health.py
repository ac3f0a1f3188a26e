"""Liveness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text
from starlette.concurrency import run_in_threadpool

from integrations import metrics
from integrations.api.errors import error_response
from integrations.db import tables

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
