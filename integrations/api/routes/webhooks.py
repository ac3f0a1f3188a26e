"""Providers' own signed webhooks (AfterShip, EasyPost, Stripe) → normalised updates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.concurrency import run_in_threadpool

from integrations import logging_setup
from integrations.api.errors import ApiError
from integrations.api.hot_path import count_ingested
from integrations.api.routes.updates import UpdateIn, to_field_update
from integrations.api.schemas import ErrorOut, IngestOut
from integrations.db.credentials import webhook_secret
from integrations.services.ingest import IngestSummary, ingest_updates
from integrations.webhooks.base import PayloadError, SignatureError
from integrations.webhooks.registry import PROVIDERS

router = APIRouter(tags=["webhooks"])
# The schema lists the providers (an enum for client generators); an unknown one stays a 404
# `unknown_provider` at run time, as it always was.
Provider = Annotated[str, Path(description="the provider whose signature and payload format the body has",
                               json_schema_extra={"enum": sorted(PROVIDERS)})]


@router.post("/v1/webhooks/{provider}/{partner}", response_model=IngestOut,
             responses={401: {"model": ErrorOut, "description": "signature missing, wrong or too old"},
                        404: {"model": ErrorOut, "description": "unknown provider"}})
async def post_webhook(provider: Provider, partner: Annotated[str, Path(min_length=1, max_length=200)],
                       request: Request) -> IngestOut:
    """Verified with the secret set for (partner, provider) over the raw body; the provider's
    event id is the event_id, so a redelivery counts as a duplicate."""
    adapter = PROVIDERS.get(provider)
    if adapter is None:
        raise ApiError(404, "unknown_provider", f"no provider {provider!r}", {"known": sorted(PROVIDERS)})
    logging_setup.bind(partner=partner)
    state = request.app.state
    secret = await run_in_threadpool(webhook_secret, state.engine, partner, provider)
    body = await request.body()
    if secret is None:
        raise ApiError(401, "unauthorized", f"no {provider} webhook secret is set for partner {partner!r}")
    try:
        adapter.verify(request.headers, body, secret, state.clock())
    except SignatureError as exc:
        raise ApiError(401, "bad_signature", str(exc)) from exc
    try:
        normalised = adapter.parse(body)
    except PayloadError as exc:
        raise ApiError(400, "bad_payload", str(exc)) from exc
    updates = [to_field_update(partner, UpdateIn.model_validate(item)) for item in normalised]
    results = await run_in_threadpool(ingest_updates, state.uow_factory, updates, state.clock) if updates else []
    count_ingested(updates, results)
    summary = IngestSummary.of(results)
    return IngestOut(accepted=summary.accepted, duplicates=summary.duplicates, matched=summary.matched)
