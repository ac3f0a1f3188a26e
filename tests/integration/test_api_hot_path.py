"""The single-update hot path (plain ASGI below FastAPI) answers exactly as the route does, hands
everything else to the route, and the group-commit batcher isolates a bad update and a dead
database."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DataError, OperationalError

from integrations.api.app import create_app
from integrations.api.batcher import UpdateBatcher
from integrations.db import tables
from integrations.db.retry import retried
from integrations.services.ingest import ItemResult
from integrations.settings import Settings

pytestmark = pytest.mark.usefixtures("db")


def update(event_id="h1", **extra):
    return {"event_id": event_id, "reference": "R1", "status": "in_transit", "occurred_at": "2026-03-02T10:00:00+01:00", **extra}


def warm(client, keys, who="ups"):
    """The first request of a token goes through the route, which caches the key."""
    assert client.post("/v1/updates", json=update("warm"), headers=keys[who]).status_code == 200


def test_hot_path_answers_like_the_route(client, keys, db):
    warm(client, keys)
    first = client.post("/v1/updates", json=update(), headers=keys["ups"])
    assert first.status_code == 200 and first.headers["content-type"] == "application/json"
    assert first.json() == {"accepted": 1, "duplicates": 0, "matched": 0}
    assert client.post("/v1/updates", json=update(), headers=keys["ups"]).json() == {"accepted": 0, "duplicates": 1, "matched": 0}
    with db.connect() as conn:
        rows = conn.execute(select(tables.updates.c.partner, tables.updates.c.event_id)).all()
    assert sorted(rows) == [("ups", "h1"), ("ups", "warm")]
    assert 'route="/v1/updates"' in client.get("/metrics").text


@pytest.mark.parametrize(
    "body,headers,status,code",
    [
        (update(occurred_at="2026-03-02T10:00:00"), {}, 422, "naive_timestamp"),
        (update(status="teleported"), {}, 422, "invalid_input"),
        (update(event_id="a\u0000b"), {}, 422, "invalid_input"),
        (update(partner="laposte"), {}, 422, "invalid_input"),  # the partner is the token's, never the body's
        (update(occurred_at="2026-03-02T10:00:00+25:00"), {}, 422, "invalid_input"),
        (b'{"event_id": "x",', {"Content-Type": "application/json"}, 400, "malformed_json"),
        (b'{"event_id": "x"}', {"Content-Type": "text/plain"}, 422, "invalid_input"),
    ],
)
def test_hot_path_leaves_every_refusal_to_the_route(client, keys, db, body, headers, status, code):
    warm(client, keys)
    kwargs = {"content": body} if isinstance(body, bytes) else {"json": body}
    answer = client.post("/v1/updates", headers={**keys["ups"], **headers}, **kwargs)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.updates)).scalar() == 1


def test_hot_path_checks_the_role_and_the_token(client, keys):
    warm(client, keys)
    client.get("/v1/cases/x", headers=keys["agent"])  # the agent's key is cached too
    assert client.post("/v1/updates", json=update(), headers=keys["agent"]).status_code == 403
    assert client.post("/v1/updates", json=update(), headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.post("/v1/updates", json=update()).status_code == 401


def test_one_bad_update_does_not_fail_the_others_in_its_commit():
    def ingest(updates):
        if any(u.event_id == "poison" for u in updates):
            raise DataError("INSERT", {}, Exception("value out of range"))
        return [ItemResult.ACCEPTED for _ in updates]

    class U:
        def __init__(self, event_id):
            self.partner, self.event_id = "p", event_id

    async def run():
        batcher = UpdateBatcher(ingest)
        await batcher.start()
        try:
            return await asyncio.gather(*(batcher.submit(U(e)) for e in ("a", "poison", "b", "c")), return_exceptions=True)
        finally:
            await batcher.stop()

    a, poison, b, c = asyncio.run(run())
    assert (a, b, c) == (ItemResult.ACCEPTED,) * 3 and isinstance(poison, DataError)


def test_a_dead_database_gives_503_not_500(clock):
    dead = create_engine(
        "postgresql+psycopg2://postgres@127.0.0.1:9/none", pool_pre_ping=False, connect_args={"connect_timeout": 2}
    )
    app = create_app(Settings(database_url="sqlite://"), engine=dead, clock=clock)
    with TestClient(app) as client:
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json()["error"]["code"] == "database_unavailable"
        answer = client.post("/v1/updates", json=update(), headers={"Authorization": "Bearer some-token"})
        assert answer.status_code == 503 and answer.json()["error"]["code"] == "database_unavailable"
        assert client.get("/metrics").status_code == 200

    calls = []

    def ingest(updates):
        calls.append(len(updates))
        raise OperationalError("BEGIN", {}, Exception("connection refused"))

    async def run():
        batcher = UpdateBatcher(ingest, concurrent_flushes=1)
        await batcher.start()
        try:
            return await asyncio.gather(
                *(batcher.submit(type("U", (), {"partner": "p", "event_id": str(i)})()) for i in range(5)), return_exceptions=True
            )
        finally:
            await batcher.stop()

    results = asyncio.run(run())
    assert all(isinstance(r, OperationalError) for r in results)
    assert sum(calls) == 5  # a dead database is not retried item by item


def test_a_connection_that_died_in_the_pool_is_retried_once_not_answered_503():
    """The API's pool does not ping connections before use: a transaction whose connection turns
    out dead runs once more, on a fresh one; a second failure is the client's 503."""
    calls = []

    def flaky(times):
        def ingest(updates):
            calls.append(len(updates))
            if len(calls) <= times:
                raise OperationalError("INSERT", {}, Exception("server closed the connection"), connection_invalidated=True)
            return [ItemResult.ACCEPTED for _ in updates]

        return lambda updates: retried(lambda: ingest(updates))

    async def run(ingest):
        batcher = UpdateBatcher(ingest, concurrent_flushes=1)
        await batcher.start()
        try:
            return await asyncio.gather(
                batcher.submit(type("U", (), {"partner": "p", "event_id": "1"})()), return_exceptions=True
            )
        finally:
            await batcher.stop()

    assert asyncio.run(run(flaky(1))) == [ItemResult.ACCEPTED] and calls == [1, 1]
    calls.clear()
    [failure] = asyncio.run(run(flaky(2)))
    assert isinstance(failure, OperationalError) and calls == [1, 1]


@pytest.mark.postgres_only
def test_backends_killed_under_the_api_cost_no_request(database_url, keys, clock, db):
    """Every pooled connection of the API terminated by the server (as after a failover): the
    next single update is still a 200, stored once."""
    from integrations.db.engine import make_engine

    engine = make_engine(database_url, pool_size=2, pre_ping=False)
    app = create_app(Settings(database_url=database_url), engine=engine, clock=clock)
    with TestClient(app) as client:
        warm(client, keys)
        with db.connect() as conn:
            killed = conn.execute(
                select(func.count(func.pg_terminate_backend(text("pid"))))
                .select_from(text("pg_stat_activity"))
                .where(text("datname = current_database() AND pid <> pg_backend_pid()"))
            ).scalar_one()
        assert killed >= 1
        answer = client.post("/v1/updates", json=update("after-kill"), headers=keys["ups"])
        assert answer.status_code == 200 and answer.json()["accepted"] == 1
    engine.dispose()
    with db.connect() as conn:
        assert (
            conn.execute(
                select(func.count()).select_from(tables.updates).where(tables.updates.c.event_id == "after-kill")
            ).scalar_one()
            == 1
        )


def test_batches_on_the_hot_path(client, keys, db):
    warm(client, keys)
    batch = {"updates": [update("b1"), update("b2"), update("warm")]}
    assert client.post("/v1/updates", json=batch, headers=keys["ups"]).json() == {"accepted": 2, "duplicates": 1, "matched": 0}
    bad = {"updates": [update("b3"), update("b4", occurred_at="2026-03-02T10:00:00")]}
    answer = client.post("/v1/updates", json=bad, headers=keys["ups"])
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "naive_timestamp"
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.updates)).scalar() == 3
    assert 'terrain_updates_ingested_total{partner="ups",result="duplicate",status="in_transit"}' in client.get("/metrics").text
