"""Partners: field updates, one at a time (group-committed) or in batches of up to 1,000."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from starlette.concurrency import run_in_threadpool

from domain.model import FieldUpdate
from integrations.api.auth import require_roles
from integrations.api.hot_path import count_ingested
from integrations.api.ingesting import ingest
from integrations.api.schemas import IngestOut, UpdateBatchIn, UpdateIn
from integrations.services.ingest import IngestSummary

router = APIRouter(tags=["partners"])
Partner = Annotated[Any, Depends(require_roles("partner"))]


def to_field_update(partner: str, body: UpdateIn) -> FieldUpdate:
    return FieldUpdate.create(partner, body.model_dump())


@router.post("/v1/updates", response_model=IngestOut)
async def post_updates(body: Annotated[UpdateIn | UpdateBatchIn, Body()], key: Partner, request: Request) -> IngestOut:
    """The partner is the token's, never the body's; `(partner, event_id)` is processed once.
    The answer is sent after the commit: a 200 means the updates are stored."""
    state = request.app.state
    if isinstance(body, UpdateBatchIn):
        updates = [to_field_update(key.partner, u) for u in body.updates]
        results = await run_in_threadpool(ingest, state.uow_factory, updates, state.clock)
    else:
        updates = [to_field_update(key.partner, body)]
        results = [await state.batcher.submit(updates[0])]
    count_ingested(updates, results)
    summary = IngestSummary.of(results)
    return IngestOut(accepted=summary.accepted, duplicates=summary.duplicates, matched=summary.matched)
