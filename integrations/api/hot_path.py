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
import time
from collections import Counter
from types import SimpleNamespace
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from domain.errors import DomainError
from domain.model import FieldUpdate
from integrations import logging_setup, metrics
from integrations.api.dashboard import security
from integrations.api.ingesting import ingest
from integrations.api.limits import MAX_BODY_BYTES
from integrations.api.observability import log_access, request_id_of
from integrations.api.schemas import UpdateBatchIn, UpdateIn
from integrations.services.ingest import IngestSummary, ItemResult

PATH = "/v1/updates"
_ROUTE = SimpleNamespace(path=PATH)  # what RequestTiming labels the request with
_TRIED = "terrain.hot_path_tried"  # in the scope of a request the edge handed on to the stack
_ANSWERS = {
    ItemResult.MATCHED: orjson.dumps({"accepted": 1, "duplicates": 0, "matched": 1}),
    ItemResult.ACCEPTED: orjson.dumps({"accepted": 1, "duplicates": 0, "matched": 0}),
    ItemResult.DUPLICATE: orjson.dumps({"accepted": 0, "duplicates": 1, "matched": 0}),
}
_UNAVAILABLE = orjson.dumps(
    {"error": {"code": "database_unavailable", "message": "the database is unavailable, retry later", "details": None}}
)


class UpdatesFastPath:
    """`edge=False`: the innermost middleware (the others — request id and access log, security
    headers, body limit, timing — wrap it). `edge=True`: in front of the whole application
    (TerrainAPI below), doing those itself for the requests it answers: the common request then
    skips a dozen ASGI layers. Requests it does not answer go on, untouched, to `app`."""

    def __init__(self, app, *, edge: bool = False, state=None, access_log: bool = True) -> None:
        self.app = app
        self.edge, self.state, self.access_log = edge, state, access_log

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST" or scope.get(_TRIED):
            await self.app(scope, receive, send)
            return
        if self.edge:
            scope[_TRIED] = True  # whatever it goes on to, the inner hot path is not tried again
        token = None
        json_body = True
        declared = 0
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, rest = value.partition(b" ")
                if scheme.lower() == b"bearer":
                    token = rest.strip().decode("latin-1")
            elif name == b"content-type":
                json_body = value.split(b";", 1)[0].strip().lower() == b"application/json"
            elif name == b"content-length" and self.edge:
                declared = int(value) if value.isdigit() else 0
        if self.edge and declared > MAX_BODY_BYTES:
            await self.app(scope, receive, send)  # BodySizeLimit answers 413 without reading it
            return
        state = self.state if self.edge else scope["app"].state
        key = state.key_cache.get(token) if token and json_body else None

        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if self.edge and size > MAX_BODY_BYTES:  # chunked and over the limit: BodySizeLimit refuses it
                await self.app(scope, _replay(chunks, receive, more), send)
                return
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
            await self.app(scope, _replay([body], receive, False), send)
            return
        if self.edge:
            await self._answer_at_the_edge(scope, send, state, updates)
        else:
            scope["route"] = _ROUTE
            logging_setup.bind(partner=updates[0].partner)  # on the request's log lines (integrations/logging_setup.py)
            await _ingest_and_answer(send, state, updates, [])

    async def _answer_at_the_edge(self, scope, send, state, updates) -> None:
        """What RequestContext, SecurityHeaders and RequestTiming do for a request, done here."""
        started = time.perf_counter()
        request_id = request_id_of(scope)
        context = logging_setup._context.set({"request_id": request_id.decode(), "partner": updates[0].partner})
        headers = [*security.HEADERS, *([security.HSTS] if security.over_tls(scope) else []), (b"x-request-id", request_id)]
        status = 500
        try:
            status = await _ingest_and_answer(send, state, updates, headers)
        finally:
            metrics.HTTP_DURATION.labels("POST", PATH, str(status)).observe(time.perf_counter() - started)
            if self.access_log:
                log_access("POST", PATH, status, started)
            logging_setup._context.reset(context)


async def _ingest_and_answer(send, state, updates, headers: list[tuple[bytes, bytes]]) -> int:
    try:
        if len(updates) == 1:
            results = [await state.batcher.submit(updates[0])]
        else:
            results = await asyncio.to_thread(ingest, state.uow_factory, updates, state.clock)
    except DBAPIError:
        await _answer(send, 503, _UNAVAILABLE, [(b"retry-after", b"1"), *headers])
        return 503
    count_ingested(updates, results)
    if len(results) == 1:
        await _answer(send, 200, _ANSWERS[results[0]], headers)
    else:
        summary = IngestSummary.of(results)
        answer = {"accepted": summary.accepted, "duplicates": summary.duplicates, "matched": summary.matched}
        await _answer(send, 200, orjson.dumps(answer), headers)
    return 200


_INGESTED: dict[tuple[str, str, str], Any] = {}  # the labelled children, looked up once (labels() locks)


def count_ingested(updates, results) -> None:
    """terrain_updates_ingested_total, one increment per distinct (partner, status, result)."""
    if len(updates) == 1:
        counts = {(updates[0].partner, updates[0].status, results[0].value): 1}
    else:
        counts = Counter((u.partner, u.status, r.value) for u, r in zip(updates, results, strict=True))
    for labels, n in counts.items():
        child = _INGESTED.get(labels)
        if child is None:
            child = _INGESTED[labels] = metrics.UPDATES_INGESTED.labels(*labels)
        child.inc(n)


def _replay(chunks: list[bytes], receive, more: bool):
    """`receive` as if nothing had been read: the chunks already read, then the rest."""
    sent = False

    async def replayed():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": more}
        return await receive()

    return replayed


async def _answer(send, status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body})
