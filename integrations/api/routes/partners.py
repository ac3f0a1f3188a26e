"""Partners: their own steps, nothing of others."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from integrations.api.auth import require_roles
from integrations.api.schemas import StepsOut, VerdictName
from integrations.db import queries

router = APIRouter(tags=["partners"])
Partner = Annotated[Any, Depends(require_roles("partner"))]


@router.get("/v1/partners/me/steps", response_model=StepsOut)
def get_my_steps(
    key: Partner,
    request: Request,
    verdict: VerdictName | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> dict:
    with request.app.state.engine.connect() as conn:
        steps = queries.partner_steps(conn, key.partner, verdict=verdict, limit=limit, offset=offset)
    return {"partner": key.partner, "steps": steps}
