"""The v1 contract end to end through FastAPI: shapes, status codes, roles, bad input."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from integrations.db import tables

pytestmark = pytest.mark.usefixtures("db")


def iso(moment):
    return moment.isoformat()


def new_case(client, keys, clock, **extra):
    body = {
        "channel": "twitter",
        "external_id": extra.pop("external_id", "tw-1"),
        "author": "@tg",
        "text": "colis bloqué au centre de tri",
        "posted_at": iso(clock.now),
        **extra,
    }
    return client.post("/v1/complaints", json=body, headers=keys["agent"])


def reroute(client, keys, clock, case_id, reference="6A1", partner="laposte"):
    return client.post(
        f"/v1/cases/{case_id}/promises",
        headers=keys["agent"],
        json={
            "kind": "parcel.reroute",
            "partner": partner,
            "reference": reference,
            "due_at": iso(clock.now + timedelta(hours=24)),
            "expect": {"location": "Lille Vauban"},
            "said": "dans les 24h",
        },
    )


def test_complaint_promise_update_and_case_read(client, keys, clock):
    created = new_case(client, keys, clock, order_ref="O1")
    assert created.status_code == 201
    case_id = created.json()["case_id"]
    assert created.json()["status"] == "open"
    again = new_case(client, keys, clock)
    assert again.status_code == 200 and again.json()["case_id"] == case_id
    joined = new_case(client, keys, clock, external_id="tw-2", order_ref="O1")
    assert joined.status_code == 200 and joined.json()["case_id"] == case_id

    promise = reroute(client, keys, clock, case_id)
    assert promise.status_code == 201 and promise.json()["verdict"] == "pending"
    clock.advance(hours=2)
    update = {
        "event_id": "e1",
        "reference": "6A1",
        "status": "delivered",
        "handed_to": "addressee",
        "occurred_at": iso(clock.now),
        "location": "Centre de tri Lesquin",
    }
    answer = client.post("/v1/updates", json=update, headers=keys["laposte"])
    assert answer.status_code == 200 and answer.json() == {"accepted": 1, "duplicates": 0, "matched": 1}
    assert client.post("/v1/updates", json=update, headers=keys["laposte"]).json() == {
        "accepted": 0,
        "duplicates": 1,
        "matched": 0,
    }

    view = client.get(f"/v1/cases/{case_id}", headers=keys["ops"]).json()
    assert view["status"] == "reopened" and view["reopen_count"] == 1
    assert [c["external_id"] for c in view["complaints"]] == ["tw-1", "tw-2"]
    [p] = view["promises"]
    assert (p["verdict"], p["reason"], p["evidence"]["event_id"]) == ("broken", "wrong_location", "e1")
    assert {"promise", "field_update", "verdict", "status", "complaint"} <= {e["type"] for e in view["timeline"]}
    assert all(set(e) == {"at", "type", "actor", "detail"} for e in view["timeline"])

    closed = client.post(f"/v1/cases/{case_id}/close", headers=keys["agent"])
    assert closed.json() == {"case_id": case_id, "status": "closed"}
    assert reroute(client, keys, clock, case_id).status_code == 409
    assert new_case(client, keys, clock, external_id="tw-3", order_ref="O1").json()["linked_to"] == case_id


def test_batch_updates_and_partner_isolation(client, keys, clock):
    case_id = new_case(client, keys, clock).json()["case_id"]
    reroute(client, keys, clock, case_id, reference="SHARED")
    batch = {
        "updates": [
            {
                "event_id": f"u{i}",
                "reference": "SHARED" if i == 0 else f"R{i}",
                "status": "delivered",
                "occurred_at": iso(clock.now),
            }
            for i in range(50)
        ]
    }
    # Another partner reporting the same reference never touches laposte's promise.
    answer = client.post("/v1/updates", json=batch, headers=keys["ups"]).json()
    assert answer == {"accepted": 50, "duplicates": 0, "matched": 0}
    assert client.get(f"/v1/cases/{case_id}", headers=keys["agent"]).json()["promises"][0]["verdict"] == "pending"
    mine = client.get("/v1/partners/me/steps", headers=keys["laposte"]).json()
    assert [s["reference"] for s in mine["steps"]] == ["SHARED"]
    assert client.get("/v1/partners/me/steps", headers=keys["ups"]).json()["steps"] == []
    assert client.get("/v1/partners/me/steps?verdict=kept", headers=keys["laposte"]).json()["steps"] == []


def test_ops_views(client, keys, clock):
    case_id = new_case(client, keys, clock).json()["case_id"]
    reroute(client, keys, clock, case_id)
    clock.advance(hours=30)
    stuck = client.get("/v1/ops/stuck", headers=keys["ops"]).json()["items"]
    assert [(s["case_id"], s["reason"]) for s in stuck] == [(case_id, "deadline_missed")]
    assert client.get("/v1/ops/stuck?overdue_for=7h", headers=keys["ops"]).json()["items"] == []
    assert client.get("/v1/ops/stuck?partner=ups", headers=keys["ops"]).json()["items"] == []
    assert client.get("/v1/ops/stuck?overdue_for=soon", headers=keys["ops"]).status_code == 422
    cards = client.get("/v1/ops/scorecards", headers=keys["ops"]).json()["partners"]
    assert cards[0]["partner"] == "laposte" and cards[0]["promises"] == 1
    assert client.get("/v1/ops/scorecards?since=2020-01-01", headers=keys["ops"]).status_code == 422


ENDPOINTS = [
    ("post", "/v1/complaints", {"agent"}),
    ("post", "/v1/cases/x/promises", {"agent"}),
    ("post", "/v1/cases/x/close", {"agent"}),
    ("get", "/v1/cases/x", {"agent", "ops"}),
    ("post", "/v1/updates", {"ups"}),
    ("get", "/v1/partners/me/steps", {"ups"}),
    ("get", "/v1/ops/stuck", {"ops"}),
    ("get", "/v1/ops/scorecards", {"ops"}),
    ("get", "/v1/playbooks", {"agent"}),
    ("post", "/v1/promises/extract", {"agent"}),
]


@pytest.mark.parametrize("method,path,allowed", ENDPOINTS)
def test_role_matrix(client, keys, method, path, allowed):
    call = getattr(client, method)
    kwargs = {"json": {}} if method == "post" else {}
    assert call(path, **kwargs).status_code == 401
    assert call(path, headers={"Authorization": "Bearer nope"}, **kwargs).status_code == 401
    for role in ("agent", "ops", "ups"):
        status = call(path, headers=keys[role], **kwargs).status_code
        if role in allowed:
            assert status not in (401, 403), (role, status)
        else:
            assert status == 403, (role, status)


@pytest.mark.parametrize(
    "body,status,code",
    [
        (b"{not json", 400, "malformed_json"),
        (
            {"event_id": "e", "reference": "r", "status": "delivered", "occurred_at": "2026-03-02T10:00:00"},
            422,
            "naive_timestamp",
        ),
        (
            {"event_id": "e", "reference": "r", "status": "teleported", "occurred_at": "2026-03-02T10:00:00Z"},
            422,
            "invalid_input",
        ),
        ({"event_id": 5, "reference": ["r"], "status": "delivered", "occurred_at": "yesterday"}, 422, "invalid_input"),
        (
            {
                "event_id": "e",
                "reference": "r",
                "status": "refund_succeeded",
                "occurred_at": "2026-03-02T10:00:00Z",
                "amount": "-3",
            },
            422,
            "invalid_input",
        ),
        (
            {
                "updates": [
                    {"event_id": f"e{i}", "reference": "r", "status": "delivered", "occurred_at": "2026-03-02T10:00:00Z"}
                    for i in range(1001)
                ]
            },
            422,
            "invalid_input",
        ),
    ],
)
def test_bad_updates_get_a_clear_error_and_store_nothing(client, keys, db, body, status, code):
    kwargs = {"content": body} if isinstance(body, bytes) else {"json": body}
    answer = client.post("/v1/updates", headers={**keys["ups"], "Content-Type": "application/json"}, **kwargs)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code
    assert set(answer.json()["error"]) == {"code", "message", "details"}
    with db.connect() as conn:  # nothing stored: no update, no timeline line
        stored = [conn.execute(select(func.count()).select_from(table)).scalar() for table in (tables.updates, tables.timeline)]
    assert stored == [0, 0]


def test_bad_promises(client, keys, clock):
    case_id = new_case(client, keys, clock).json()["case_id"]
    base = {
        "kind": "refund.issue",
        "partner": "stripe",
        "reference": "ch_1",
        "due_at": iso(clock.now + timedelta(days=1)),
        "expect": {"amount": "10", "currency": "EUR"},
    }

    def post(body, cid=case_id):
        return client.post(f"/v1/cases/{cid}/promises", json=body, headers=keys["agent"])

    assert post({**base, "kind": "parcel.teleport"}).status_code == 422
    assert post({**base, "expect": {"amount": "ten", "currency": "EUR"}}).json()["error"]["code"] == "invalid_amount"
    assert post({**base, "expect": {"currency": "EUR"}}).json()["error"]["code"] == "missing_expect_field"
    assert post({**base, "due_at": iso(clock.now - timedelta(days=1))}).json()["error"]["code"] == "due_before_said"
    assert post({**base, "due_at": "2026-03-05T10:00:00"}).json()["error"]["code"] == "naive_timestamp"
    assert post(base, cid="unknown").status_code == 404
    assert post({"playbook": "nope", "partner": "p", "reference": "r"}).status_code == 422
    assert client.get(f"/v1/cases/{case_id}", headers=keys["agent"]).json()["promises"] == []
    assert post(base).status_code == 201


def test_body_over_5_mb_is_refused_before_being_read(client, keys):
    big = b'{"updates": [' + b" " * (5 * 1024 * 1024 + 10) + b"]}"
    answer = client.post("/v1/updates", content=big, headers={**keys["ups"], "Content-Type": "application/json"})
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "body_too_large"

    def chunks():  # no Content-Length: the limit applies to the streamed bytes
        for _ in range(6):
            yield b" " * (1024 * 1024)

    answer = client.post("/v1/updates", content=chunks(), headers={**keys["ups"], "Content-Type": "application/json"})
    assert answer.status_code == 413


def test_health_metrics_and_docs(client, keys, clock):
    assert client.get("/healthz").json() == {"status": "ok"}
    client.post(
        "/v1/updates",
        headers=keys["ups"],
        json={"event_id": "m1", "reference": "r", "status": "delivered", "occurred_at": iso(clock.now)},
    )
    text = client.get("/metrics").text
    assert 'terrain_updates_ingested_total{partner="ups",result="accepted",status="delivered"}' in text
    assert "terrain_outbox_depth" in text
    schema = client.get("/openapi.json").json()
    assert {"/v1/complaints", "/v1/updates", "/v1/webhooks/{provider}/{partner}", "/v1/ops/stuck"} <= set(schema["paths"])
    assert json.dumps(schema).count('"examples"') >= 4


@pytest.mark.parametrize(
    "change,status,code",
    [
        ({"posted_at": "2026-03-02T09:00:00"}, 422, "naive_timestamp"),
        ({"posted_at": "yesterday"}, 422, "invalid_input"),
        ({"text": 42}, 422, "invalid_input"),
        ({"tracking_numbers": "6A1"}, 422, "invalid_input"),
        ({"author": ""}, 422, "invalid_input"),
        ({"surprise": True}, 422, "invalid_input"),
    ],
)
def test_bad_complaints(client, keys, clock, change, status, code):
    body = {
        "channel": "twitter",
        "external_id": "tw-bad",
        "author": "@tg",
        "text": "colis perdu",
        "posted_at": iso(clock.now),
        **change,
    }
    answer = client.post("/v1/complaints", json=body, headers=keys["agent"])
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)
    assert client.post("/v1/cases/nope/close", headers=keys["agent"]).status_code == 404
    missing = client.get("/v1/cases/nope", headers=keys["ops"])
    assert missing.status_code == 404 and set(missing.json()["error"]) == {"code", "message", "details"}
