"""Ingestion under hostile conditions: concurrent writers in opposite orders, database errors of
the raw insert, a dead pooled connection under a batch, a webhook that fans out into thousands
of updates, overflowing and undecodable input, and event ids of two providers of one partner."""

from __future__ import annotations

import json
import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text

from integrations.api import ingesting
from integrations.api.app import create_app
from integrations.db import credentials, tables
from integrations.db.engine import make_engine
from integrations.db.unit_of_work import uow_factory
from integrations.settings import Settings
from tests.unit.test_webhook_providers import SIGNED, easypost_sig, fixture, stripe_sig

pytestmark = pytest.mark.usefixtures("db")


def update(event_id: str, reference: str = "R1", **extra) -> dict:
    return {
        "event_id": event_id,
        "reference": reference,
        "status": "in_transit",
        "occurred_at": "2026-03-02T10:00:00+01:00",
        **extra,
    }


def stored(db, *where) -> int:
    with db.connect() as conn:
        return conn.execute(select(func.count()).select_from(tables.updates).where(*where)).scalar_one()


def api(engine, clock):
    return create_app(Settings(database_url="sqlite://"), engine=engine, clock=clock)


# --- 1. concurrent writers, database errors, dead connections ------------------------------


def post_together(barrier, results, index, client, items, keys):
    barrier.wait()
    results[index] = client.post("/v1/updates", json={"updates": items}, headers=keys["ups"])


@pytest.mark.postgres_only
def test_two_api_processes_posting_overlapping_batches_in_opposite_orders_never_fail(db, database_url, clock, keys):
    """Two APIs (each its own pool, as two processes) receive the same events, one batch in
    ascending and the other in descending order, 20 rounds: every answer a 200, every event
    stored once and counted accepted by exactly one of them."""
    engines = [make_engine(database_url, pre_ping=False) for _ in range(2)]
    answers: list[tuple[int, str, dict | str]] = []
    acknowledged: set[str] = set()
    try:
        with (
            TestClient(api(engines[0], clock), raise_server_exceptions=False) as one,
            TestClient(api(engines[1], clock), raise_server_exceptions=False) as other,
        ):
            for client in (one, other):  # the token is cached: the batches take the hot path
                assert client.post("/v1/updates", json=update("warm"), headers=keys["ups"]).status_code == 200
            for round_ in range(20):
                batch = [update(f"r{round_}-e{i:03d}", reference=f"R{i % 40}") for i in range(300)]
                barrier = threading.Barrier(2)
                results: list = [None, None]

                threads = [
                    threading.Thread(target=post_together, args=(barrier, results, 0, one, batch, keys)),
                    threading.Thread(target=post_together, args=(barrier, results, 1, other, batch[::-1], keys)),
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=120)
                for answer in results:
                    content = answer.json() if answer.headers.get("content-type") == "application/json" else answer.text
                    answers.append((answer.status_code, answer.headers.get("content-type"), content))
                    if answer.status_code == 200:
                        acknowledged.update(u["event_id"] for u in batch)
                if all(a.status_code == 200 for a in results):
                    assert sum(a.json()["accepted"] for a in results) == len(batch)
    finally:
        for engine in engines:
            engine.dispose()
    assert [a for a in answers if a[0] >= 500] == []
    assert {a[0] for a in answers} == {200}
    assert stored(db, tables.updates.c.event_id.in_(sorted(acknowledged))) == len(acknowledged) == 20 * 300


@pytest.mark.postgres_only
def test_a_database_error_of_the_first_insert_is_a_json_503_not_a_500(db, database_url, clock, keys):
    """The batch insert runs on the raw psycopg2 cursor: its errors (here a lock timeout, the
    event being held by another transaction) are answered like every other database error."""
    engine = create_engine(database_url, pool_pre_ping=False, connect_args={"options": "-c lock_timeout=300"})
    try:
        with TestClient(api(engine, clock), raise_server_exceptions=False) as client, db.connect() as holder:
            assert client.post("/v1/updates", json=update("warm"), headers=keys["ups"]).status_code == 200
            holder.execute(
                tables.updates.insert().values(
                    partner="ups",
                    event_id="held",
                    reference="R1",
                    status="in_transit",
                    occurred_at=clock.now,
                    received_at=clock.now,
                )
            )  # not committed: the row is locked
            for body in ({"updates": [update("a"), update("held")]}, update("held")):
                answer = client.post("/v1/updates", json=body, headers=keys["ups"])
                assert answer.status_code == 503, answer.text
                assert answer.json()["error"]["code"] == "database_unavailable"
            holder.rollback()
            assert (
                client.post("/v1/updates", json={"updates": [update("a"), update("held")]}, headers=keys["ups"]).json()[
                    "accepted"
                ]
                == 2
            )
    finally:
        engine.dispose()


@pytest.mark.postgres_only
def test_a_batch_after_the_pooled_connections_died_is_retried_not_answered_503(db, database_url, clock, keys):
    engine = make_engine(database_url, pool_size=2, pre_ping=False)
    try:
        with TestClient(api(engine, clock), raise_server_exceptions=False) as client:
            assert (
                client.post("/v1/updates", json={"updates": [update("w1"), update("w2")]}, headers=keys["ups"]).status_code == 200
            )
            with db.connect() as conn:
                killed = conn.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).scalar_one()
            assert killed >= 1
            answer = client.post("/v1/updates", json={"updates": [update("k1"), update("k2")]}, headers=keys["ups"])
            assert answer.status_code == 200 and answer.json()["accepted"] == 2
    finally:
        engine.dispose()
    assert stored(db, tables.updates.c.event_id.in_(["k1", "k2"])) == 2


@pytest.mark.postgres_only
def test_advisory_locks_per_transaction_are_bounded_and_still_exclude(db):
    """12,000 references in one transaction take a handful of advisory locks, not 12,000; a
    transaction on one of them waits (here: times out) while another partner goes on."""
    factory = uow_factory(db)

    def advisory_locks(uow) -> int:
        return uow.conn.execute(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        ).scalar_one()

    with factory() as small:
        small.updates.lock_references({("ups", f"S{i}") for i in range(10)})
        assert advisory_locks(small) == 10 + 2  # each reference, its partner (shared), all (shared)
    with factory() as big:
        big.updates.lock_references({("ups", f"B{i}") for i in range(12_000)})
        assert advisory_locks(big) <= 3
        with factory() as same_partner:
            same_partner.conn.execute(text("SET LOCAL lock_timeout = '200ms'"))
            with pytest.raises(Exception, match="lock timeout"):
                same_partner.updates.lock_references({("ups", "B7")})
        with factory() as other_partner:
            other_partner.updates.lock_references({("laposte", "B7")})  # not blocked
    with factory() as many_partners:
        many_partners.updates.lock_references({(f"p{i}", "R") for i in range(500)})
        assert advisory_locks(many_partners) == 1


# --- 2. a webhook fanning out into thousands of updates -------------------------------------


def stripe_charge_refunded(refunds: int, event_id: str = "evt_many") -> bytes:
    payload = fixture("stripe_charge_refunded.json")
    payload["id"] = event_id
    charge = payload["data"]["object"]
    charge["refunds"]["data"] = [
        {
            "id": f"re_{i:05d}",
            "object": "refund",
            "amount": 1,
            "currency": "jpy",
            "status": "succeeded",
            "charge": charge["id"],
            "created": 1772440000 + i,
        }
        for i in range(refunds)
    ]
    charge["amount_refunded"] = refunds
    return json.dumps(payload).encode()


def test_a_charge_refunded_listing_12000_refunds_is_stored_in_bounded_transactions_once(client, db, clock, monkeypatch):
    credentials.set_webhook_secret(db, "stripe-fr", "stripe", "whsec_fr", clock())
    sizes: list[int] = []
    real = ingesting.ingest_updates

    def spy(factory, updates, clock):
        sizes.append(len(updates))
        return real(factory, updates, clock)

    monkeypatch.setattr(ingesting, "ingest_updates", spy)
    body = stripe_charge_refunded(12_000)
    signed = {"Stripe-Signature": stripe_sig("whsec_fr", body, int(clock.now.timestamp())), "Content-Type": "application/json"}
    answer = client.post("/v1/webhooks/stripe/stripe-fr", content=body, headers=signed)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"accepted": 12_002, "duplicates": 0, "matched": 0}  # charge, intent, refunds
    assert max(sizes) <= 1000 and sum(sizes) == 12_002
    assert stored(db, tables.updates.c.partner == "stripe-fr") == 12_002
    redelivered = client.post("/v1/webhooks/stripe/stripe-fr", content=body, headers=signed)
    assert redelivered.json() == {"accepted": 0, "duplicates": 12_002, "matched": 0}
    assert stored(db, tables.updates.c.partner == "stripe-fr") == 12_002


def test_a_redelivery_after_a_failed_part_stores_only_what_is_missing(client, db, clock, monkeypatch):
    """The first 1,000 committed, the second transaction failed (503): the redelivery stores
    the rest, and each update of the event exists once."""
    from sqlalchemy.exc import OperationalError

    credentials.set_webhook_secret(db, "stripe-fr", "stripe", "whsec_fr", clock())
    real, calls = ingesting.ingest_updates, []

    def failing_second(factory, updates, clock):
        calls.append(len(updates))
        if len(calls) == 2:
            raise OperationalError("INSERT", {}, Exception("server closed the connection"))
        return real(factory, updates, clock)

    monkeypatch.setattr(ingesting, "ingest_updates", failing_second)
    body = stripe_charge_refunded(1_500)
    signed = {"Stripe-Signature": stripe_sig("whsec_fr", body, int(clock.now.timestamp()))}
    failed = client.post("/v1/webhooks/stripe/stripe-fr", content=body, headers=signed)
    assert failed.status_code == 503 and failed.json()["error"]["code"] == "database_unavailable"
    assert stored(db) == 1_000
    again = client.post("/v1/webhooks/stripe/stripe-fr", content=body, headers=signed)
    assert again.json() == {"accepted": 502, "duplicates": 1_000, "matched": 0}
    assert stored(db) == 1_502


# --- 3. bad input is a 4xx ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/ops/scorecards", {"since": "9999-12-31T23:59:59Z"}),
        ("/v1/ops/scorecards", {"since": "0001-01-01T00:00:00+14:00"}),
        ("/v1/ops/stuck", {"overdue_for": "99999999999999999"}),
        ("/v1/ops/stuck", {"overdue_for": "9999999999w"}),
    ],
)
def test_overflowing_ops_parameters_are_422(client, keys, path, params):
    answer = client.get(path, params=params, headers=keys["ops"])
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid_input"


def test_the_dashboard_refuses_an_overflowing_age_without_a_500(app, keys):
    with TestClient(app, raise_server_exceptions=False) as browser:
        answer = browser.get("/", params={"age": "9999999999w"}, headers=keys["ops"])
        assert answer.status_code < 500 and "is not a duration" in answer.text


@pytest.mark.parametrize("provider", sorted(SIGNED))
def test_a_lone_surrogate_in_a_signed_webhook_body_is_malformed_json(client, db, clock, provider):
    credentials.set_webhook_secret(db, "ups", provider, "s3cret", clock())
    file, header, signer = SIGNED[provider]
    text_body = json.dumps(fixture(file))
    body = text_body.replace('"', '"\\ud800', 1).encode()  # the first key starts with a lone surrogate
    assert b"\\ud800" in body
    answer = client.post(f"/v1/webhooks/{provider}/ups", content=body, headers={header: signer("s3cret", body)})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "malformed_json"
    paired = text_body.replace('"', '"\\ud83d\\udce6', 1).encode()  # a real pair (📦) is fine text
    answer = client.post(f"/v1/webhooks/{provider}/ups", content=paired, headers={header: signer("s3cret", paired)})
    assert answer.status_code != 500 and answer.json().get("error", {}).get("code") != "malformed_json"


def complaint(**extra) -> dict:
    return {
        "channel": "twitter",
        "external_id": "1",
        "author": "@a",
        "text": "where is my parcel",
        "posted_at": "2026-03-02T09:00:00+01:00",
        **extra,
    }


@pytest.mark.parametrize(
    "numbers",
    [
        ["6A1\x002"],
        [""],
        ["x" * 201],
        [f"N{i}" for i in range(51)],
    ],
)
def test_tracking_numbers_are_bounded_and_validated_like_other_fields(client, keys, db, numbers):
    answer = client.post("/v1/complaints", json=complaint(tracking_numbers=numbers), headers=keys["agent"])
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid_input"
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.complaints)).scalar_one() == 0
    fine = client.post("/v1/complaints", json=complaint(tracking_numbers=["x" * 200] * 50), headers=keys["agent"])
    assert fine.status_code == 201


DEEP = b"[" * 100_000 + b"]" * 100_000
NOT_UTF8 = b'{"event_id": "\xff\xfe"}'


SURROGATE = b'{"event_id": "\\ud800", "text": "\\ud800", "reference": "\\ud800"}'  # a field of each body


@pytest.mark.parametrize("body", [DEEP, NOT_UTF8, SURROGATE], ids=["deep", "not-utf8", "surrogate"])
@pytest.mark.parametrize(
    ("path", "who"),
    [
        ("/v1/updates", "ups"),
        ("/v1/complaints", "agent"),
        ("/v1/cases/c1/promises", "agent"),
        ("/v1/cases/c1/replies", "agent"),
        ("/v1/promises/extract", "agent"),
    ],
)
def test_every_unparsable_json_body_is_malformed_json(client, keys, path, who, body):
    for _ in range(2):  # the second time the token is cached: /v1/updates takes the hot path
        answer = client.post(path, content=body, headers={**keys[who], "Content-Type": "application/json"})
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["code"] == "malformed_json"


@pytest.mark.parametrize("body", [DEEP, NOT_UTF8])
def test_an_unparsable_signed_webhook_body_is_malformed_json(client, db, clock, body):
    credentials.set_webhook_secret(db, "ups", "easypost", "s3cret", clock())
    answer = client.post("/v1/webhooks/easypost/ups", content=body, headers={"X-Hmac-Signature": easypost_sig("s3cret", body)})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "malformed_json"


# --- 4. event ids unique per (partner, provider) --------------------------------------------


def test_the_same_event_id_from_two_providers_of_one_partner_is_not_a_duplicate(client, db, clock):
    for provider in ("easypost", "stripe"):
        credentials.set_webhook_secret(db, "shop", provider, f"{provider}-secret", clock())
    tracker = fixture("easypost_tracker_updated.json")
    tracker["id"] = "evt_X"
    refund = fixture("stripe_refund_updated.json")
    refund["id"] = "evt_X"
    posts = {
        "easypost": (json.dumps(tracker).encode(), lambda body: {"X-Hmac-Signature": easypost_sig("easypost-secret", body)}),
        "stripe": (
            json.dumps(refund).encode(),
            lambda body: {"Stripe-Signature": stripe_sig("stripe-secret", body, int(clock.now.timestamp()))},
        ),
    }
    first = {}
    for provider, (body, headers) in posts.items():
        answer = client.post(f"/v1/webhooks/{provider}/shop", content=body, headers=headers(body))
        assert answer.status_code == 200 and answer.json()["duplicates"] == 0 and answer.json()["accepted"] >= 1
        first[provider] = answer.json()["accepted"]
    for provider, (body, headers) in posts.items():  # a redelivery is still a duplicate
        again = client.post(f"/v1/webhooks/{provider}/shop", content=body, headers=headers(body))
        assert again.json() == {"accepted": 0, "duplicates": first[provider], "matched": 0}
    with db.connect() as conn:
        ids = set(conn.execute(select(tables.updates.c.event_id).where(tables.updates.c.partner == "shop")).scalars())
    assert {"easypost:evt_X", "stripe:evt_X"} <= ids
    assert len(ids) == sum(first.values())
