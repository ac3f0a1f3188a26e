"""Providers' own signed webhooks (AfterShip, EasyPost, Stripe) → normalised updates."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from integrations import logging_setup
from integrations.api.errors import ApiError
from integrations.api.hot_path import count_ingested
from integrations.api.ingesting import MAX_UPDATES, ingest
from integrations.api.routes.updates import UpdateIn, to_field_update
from integrations.api.schemas import ErrorOut, IngestOut
from integrations.db.credentials import webhook_secret
from integrations.secret_box import SecretKeyError
from integrations.services.ingest import IngestSummary
from integrations.webhooks.base import MalformedJson, PayloadError, SignatureError
from integrations.webhooks.registry import PROVIDERS

router = APIRouter(tags=["webhooks"])
# The schema lists the providers (an enum for client generators); an unknown one stays a 404
# `unknown_provider` at run time, as it always was.
Provider = Annotated[
    str,
    Path(
        description="the provider whose signature and payload format the body has", json_schema_extra={"enum": sorted(PROVIDERS)}
    ),
]
log = logging.getLogger(__name__)


@router.post(
    "/v1/webhooks/{provider}/{partner}",
    response_model=IngestOut,
    responses={
        400: {"model": ErrorOut, "description": "malformed_json, or bad_payload: not the provider's format"},
        401: {"model": ErrorOut, "description": "signature missing, wrong or too old"},
        404: {"model": ErrorOut, "description": "unknown provider"},
    },
)
async def post_webhook(
    provider: Provider, partner: Annotated[str, Path(min_length=1, max_length=200)], request: Request
) -> IngestOut:
    """Verified with the secret set for (partner, provider) over the raw body. The provider's
    event id, in the provider's namespace (`stripe:evt_…`), is the event_id, so a redelivery
    counts as a duplicate. An event that fans out into more than 1,000 updates is stored in
    transactions of 1,000 (a redelivery after a failure stores only what is missing)."""
    adapter = PROVIDERS.get(provider)
    if adapter is None:
        raise ApiError(404, "unknown_provider", f"no provider {provider!r}", {"known": sorted(PROVIDERS)})
    logging_setup.bind(partner=partner)
    state = request.app.state
    try:
        secret = await run_in_threadpool(webhook_secret, state.engine, partner, provider)
    except SecretKeyError as exc:  # this server's key does not read the stored secret: ours to fix, not the sender's
        log.error("webhook secret of %s/%s unreadable: %s", partner, provider, exc)
        raise ApiError(503, "secret_unavailable", "the webhook secret cannot be read on this server") from None
    body = await request.body()
    if secret is None:
        raise ApiError(401, "unauthorized", f"no {provider} webhook secret is set for partner {partner!r}")
    try:
        adapter.verify(request.headers, body, secret, state.clock())
    except SignatureError as exc:
        raise ApiError(401, "bad_signature", str(exc)) from exc
    try:
        normalised = adapter.parse(body)
        items = [UpdateIn.model_validate(item) for item in normalised]
    except MalformedJson as exc:
        raise ApiError(400, "malformed_json", str(exc)) from exc
    except PayloadError as exc:
        raise ApiError(400, "bad_payload", str(exc)) from exc
    except ValidationError as exc:
        raise ApiError(
            400,
            "bad_payload",
            "the payload maps to an update outside the contract",
            [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()[:10]],
        ) from exc
    updates = [to_field_update(partner, item) for item in items]
    results = (
        await run_in_threadpool(ingest, state.uow_factory, updates, state.clock, per_transaction=MAX_UPDATES) if updates else []
    )
    count_ingested(updates, results)
    summary = IngestSummary.of(results)
    return IngestOut(accepted=summary.accepted, duplicates=summary.duplicates, matched=summary.matched)
