"""The hot path: one partner update per request, answered below FastAPI's routing layer.

`POST /v1/updates` with a single valid update from a partner whose key is in the key cache is
handled here as plain ASGI: read the body, validate it with the same pydantic model (in JSON
mode), build the same `FieldUpdate`, hand it to the group-commit batcher and answer after the
commit. Anything else — a batch, an unknown or uncached token, another role, a body that does
not validate, a domain refusal — goes on, body replayed, to the FastAPI route, which alone
produces error answers. So the route stays the contract (OpenAPI, errors); this only skips
routing, dependency solving and response-model serialisation for the common case.
"""

from __future__ import annotations

from types import SimpleNamespace

import orjson
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from domain.errors import DomainError
from domain.model import FieldUpdate
from integrations import metrics
from integrations.api.schemas import UpdateIn
from integrations.services.ingest import ItemResult

PATH = "/v1/updates"
_ROUTE = SimpleNamespace(path=PATH)  # what RequestTiming labels the request with
_ANSWERS = {
    ItemResult.MATCHED: orjson.dumps({"accepted": 1, "duplicates": 0, "matched": 1}),
    ItemResult.ACCEPTED: orjson.dumps({"accepted": 1, "duplicates": 0, "matched": 0}),
    ItemResult.DUPLICATE: orjson.dumps({"accepted": 0, "duplicates": 1, "matched": 0}),
}
_UNAVAILABLE = orjson.dumps({"error": {"code": "database_unavailable",
                                       "message": "the database is unavailable, retry later", "details": None}})


class SingleUpdateFastPath:
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

        update = None
        if key is not None and key.role == "partner" and b'"updates"' not in body:
            try:
                update = FieldUpdate.create(key.partner, UpdateIn.model_validate_json(body).model_dump())
            except (ValidationError, DomainError):
                update = None
        if update is None:
            await self.app(scope, _replay(body, receive), send)
            return

        scope["route"] = _ROUTE
        try:
            result = await state.batcher.submit(update)
        except DBAPIError:
            await _answer(send, 503, _UNAVAILABLE, [(b"retry-after", b"1")])
            return
        metrics.UPDATES_INGESTED.labels(update.partner, update.status, result.value).inc()
        await _answer(send, 200, _ANSWERS[result])


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
