"""The hot path: partner updates answered below FastAPI's routing layer.

`POST /v1/updates` with a valid body (one update, or a batch) from a partner whose key is in the
key cache is handled here as plain ASGI: read the body, validate it with the same pydantic
models (in JSON mode, straight from the bytes), build the same `FieldUpdate`s, hand a single one
to the group-commit batcher (a batch is ingested in one transaction of its own) and answer after
the commit. Anything else — a batch, an unknown or uncached token, another role, a body that does
not validate, a domain refusal — goes on, body replayed, to the FastAPI route, which alone
produces error answers. So the route stays the contract (OpenAPI, errors); this only skips
routing, dependency solving and response-model serialisation for the common case.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from types import SimpleNamespace

import orjson
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from domain.errors import DomainError
from domain.model import FieldUpdate
from integrations import logging_setup, metrics
from integrations.api.ingesting import ingest
from integrations.api.schemas import UpdateBatchIn, UpdateIn
from integrations.services.ingest import IngestSummary, ItemResult

PATH = "/v1/updates"
_ROUTE = SimpleNamespace(path=PATH)  # what RequestTiming labels the request with
_ANSWERS = {
    ItemResult.MATCHED: orjson.dumps({"accepted": 1, "duplicates": 0, "matched": 1}),
    ItemResult.ACCEPTED: orjson.dumps({"accepted": 1, "duplicates": 0, "matched": 0}),
    ItemResult.DUPLICATE: orjson.dumps({"accepted": 0, "duplicates": 1, "matched": 0}),
}
_UNAVAILABLE = orjson.dumps(
    {"error": {"code": "database_unavailable", "message": "the database is unavailable, retry later", "details": None}}
)


class UpdatesFastPath:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        token = None
        json_body = True
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, rest = value.partition(b" ")
                if scheme.lower() == b"bearer":
                    token = rest.strip().decode("latin-1")
            elif name == b"content-type":
                json_body = value.split(b";", 1)[0].strip().lower() == b"application/json"
        state = scope["app"].state
        key = state.key_cache.get(token) if token and json_body else None

        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)

        updates = None
        if key is not None and key.role == "partner":
            try:
                if b'"updates"' in body:
                    batch = UpdateBatchIn.model_validate_json(body).updates
                    updates = [FieldUpdate.create(key.partner, u.model_dump()) for u in batch]
                else:
                    updates = [FieldUpdate.create(key.partner, UpdateIn.model_validate_json(body).model_dump())]
            except (ValidationError, DomainError):
                updates = None
        if updates is None:
            await self.app(scope, _replay(body, receive), send)
            return

        scope["route"] = _ROUTE
        logging_setup.bind(partner=updates[0].partner)  # on the request's log lines (integrations/logging_setup.py)
        try:
            if len(updates) == 1:
                results = [await state.batcher.submit(updates[0])]
            else:
                results = await asyncio.to_thread(ingest, state.uow_factory, updates, state.clock)
        except DBAPIError:
            await _answer(send, 503, _UNAVAILABLE, [(b"retry-after", b"1")])
            return
        count_ingested(updates, results)
        if len(results) == 1:
            await _answer(send, 200, _ANSWERS[results[0]])
        else:
            summary = IngestSummary.of(results)
            await _answer(
                send,
                200,
                orjson.dumps({"accepted": summary.accepted, "duplicates": summary.duplicates, "matched": summary.matched}),
            )


def count_ingested(updates, results) -> None:
    """terrain_updates_ingested_total, one labels() lookup per distinct (partner, status, result)."""
    counts = Counter((u.partner, u.status, r.value) for u, r in zip(updates, results, strict=True))
    for labels, n in counts.items():
        metrics.UPDATES_INGESTED.labels(*labels).inc(n)


def _replay(body: bytes, receive):
    sent = False

    async def replayed():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def _answer(send, status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body})
