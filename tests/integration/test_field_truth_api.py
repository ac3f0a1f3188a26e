"""Field truth v1.1 through the API and the sweep: at risk (statuses and silence), kept-unverified,
the ops lists, the case view, one alert per promise and cause."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from integrations.db import tables
from integrations.services.sweep import sweep_deadlines

pytestmark = pytest.mark.usefixtures("db")


def iso(moment):
    return moment.isoformat()


def open_case(client, keys, clock, external_id="tw-ft"):
    body = {"channel": "twitter", "external_id": external_id, "author": "@tg", "text": "mon colis ?", "posted_at": iso(clock.now)}
    return client.post("/v1/complaints", json=body, headers=keys["agent"]).json()["case_id"]


def promise(client, keys, clock, case_id, kind, expect, reference="6A1", hours=24):
    answer = client.post(
        f"/v1/cases/{case_id}/promises",
        headers=keys["agent"],
        json={
            "kind": kind,
            "partner": "laposte",
            "reference": reference,
            "due_at": iso(clock.now + timedelta(hours=hours)),
            "expect": expect,
            "said": "dans les 24h",
        },
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["promise_id"]


def post(client, keys, clock, event_id, status, reference="6A1", **fields):
    answer = client.post(
        "/v1/updates",
        headers=keys["laposte"],
        json={"event_id": event_id, "reference": reference, "status": status, "occurred_at": iso(clock.now), **fields},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def alerts(db):
    with db.connect() as conn:
        return [(r.kind, r.key) for r in conn.execute(select(tables.outbox).order_by(tables.outbox.c.id))]


def test_a_worrying_status_puts_the_promise_at_risk_once_then_a_keep_clears_it(client, keys, clock, db):
    case_id = open_case(client, keys, clock)
    pid = promise(client, keys, clock, case_id, "parcel.deliver", {"address": "14 rue des Lilas, 75011 Paris"})
    clock.advance(hours=2)
    post(client, keys, clock, "e1", "attempt_failed", carrier_code="ND1", detail="Destinataire absent")
    post(client, keys, clock, "e1", "attempt_failed")  # redelivery: nothing new
    view = client.get(f"/v1/cases/{case_id}", headers=keys["ops"]).json()
    [p] = view["promises"]
    assert (p["verdict"], p["at_risk"]["cause"], p["at_risk"]["evidence"]["carrier_code"]) == ("pending", "attempt_failed", "ND1")
    assert view["status"] == "in_progress"  # a warning, not a reopen
    assert alerts(db) == [("promise_at_risk", f"{pid}:at_risk:attempt_failed")]
    items = client.get("/v1/ops/at-risk", headers=keys["ops"]).json()["items"]
    assert [(i["promise_id"], i["at_risk"]["cause"]) for i in items] == [(pid, "attempt_failed")]
    assert client.get("/v1/ops/at-risk", headers=keys["agent"]).status_code == 403

    clock.advance(hours=3)
    post(client, keys, clock, "e2", "delivered", address="14 rue des Lilas, 75011 Paris")
    [p] = client.get(f"/v1/cases/{case_id}", headers=keys["ops"]).json()["promises"]
    assert (p["verdict"], p["at_risk"], p["unverified"]) == ("kept", None, [])
    assert client.get("/v1/ops/at-risk", headers=keys["ops"]).json()["items"] == []
    timeline = client.get(f"/v1/cases/{case_id}", headers=keys["ops"]).json()["timeline"]
    assert [e["detail"].get("cause") for e in timeline if e["type"] == "at_risk"] == ["attempt_failed"]
    assert len(alerts(db)) == 1


def test_silence_past_half_the_delay_is_found_by_the_sweep_and_alerted_once(client, keys, clock, db, uow):
    """Seed 000: reroute promised within 24 h, the parcel still at the sorting centre → at risk, then broken."""
    post(client, keys, clock, "old", "in_transit", location="Centre de tri Lille Lesquin")
    clock.advance(hours=1)
    case_id = open_case(client, keys, clock)
    pid = promise(client, keys, clock, case_id, "parcel.reroute", {"location": "Bureau de poste Lille Vauban"})
    clock.advance(hours=11)
    sweep_deadlines(uow, clock)
    assert alerts(db) == []  # not yet half the delay
    clock.advance(hours=1, seconds=1)
    sweep_deadlines(uow, clock)
    sweep_deadlines(uow, clock)
    assert alerts(db) == [("promise_at_risk", f"{pid}:at_risk:silence")]
    [item] = client.get("/v1/ops/at-risk", headers=keys["ops"]).json()["items"]
    assert item["at_risk"]["cause"] == "silence" and item["last_update"]["event_id"] == "old"
    clock.advance(hours=12)
    sweep_deadlines(uow, clock)
    view = client.get(f"/v1/cases/{case_id}", headers=keys["ops"]).json()
    assert (view["status"], view["promises"][0]["reason"], view["promises"][0]["at_risk"]) == (
        "reopened",
        "deadline_missed",
        None,
    )
    assert alerts(db) == [("promise_at_risk", f"{pid}:at_risk:silence"), ("promise_broken", f"{pid}:broken")]


def test_a_keep_without_place_is_kept_unverified_and_listed_to_check_without_alert(client, keys, clock, db):
    """La Poste DI1 "Votre colis est livré." carries no place: kept, but for ops to check."""
    case_id = open_case(client, keys, clock)
    pid = promise(
        client, keys, clock, case_id, "parcel.deliver", {"address": "14 rue des Lilas, 75011 Paris", "recipient": "Claire Martin"}
    )
    clock.advance(hours=5)
    post(client, keys, clock, "di1", "delivered", carrier_code="DI1", detail="Votre colis est livré.")
    view = client.get(f"/v1/cases/{case_id}", headers=keys["ops"]).json()
    assert view["status"] == "resolved"
    assert (view["promises"][0]["verdict"], view["promises"][0]["unverified"]) == ("kept", ["place", "recipient"])
    [item] = client.get("/v1/ops/to-check", headers=keys["ops"]).json()["items"]
    assert (item["promise_id"], item["unverified"], item["observed"]["carrier_code"]) == (pid, ["place", "recipient"], "DI1")
    assert item["expected"]["recipient"] == "Claire Martin"
    assert alerts(db) == []


def test_the_reason_changing_does_not_alert_twice_in_any_order(client, keys, clock, db):
    case_id = open_case(client, keys, clock)
    pid = promise(client, keys, clock, case_id, "parcel.reroute", {"location": "Bureau de poste Lyon 3"})
    t1 = clock.advance(hours=2)
    clock.advance(hours=1)
    post(client, keys, clock, "late-rts", "returned_to_sender")
    clock.now = t1
    post(client, keys, clock, "early-home", "delivered", handed_to="addressee")
    [p] = client.get(f"/v1/cases/{case_id}", headers=keys["ops"]).json()["promises"]
    assert (p["verdict"], p["reason"]) == ("broken", "parcel_failed")
    assert alerts(db) == [("promise_broken", f"{pid}:broken")]


def test_v11_fields_are_refused_with_named_details(client, keys, clock):
    bad = client.post(
        "/v1/updates",
        headers=keys["laposte"],
        json={
            "event_id": "x",
            "reference": "6A1",
            "status": "delivered",
            "occurred_at": iso(clock.now),
            "country": "France",
            "handed_to": "dog",
        },
    )
    assert bad.status_code == 422
    fields = {tuple(d["loc"])[-1] for d in bad.json()["error"]["details"]}
    assert {"country", "handed_to"} <= fields


def test_dashboard_warnings_page_lists_both(client, keys, clock):
    case_id = open_case(client, keys, clock)
    promise(client, keys, clock, case_id, "parcel.deliver", {"recipient": "Claire Martin"}, reference="R1")
    promise(client, keys, clock, case_id, "parcel.deliver", {"recipient": "Claire Martin"}, reference="R2")
    clock.advance(hours=1)
    post(client, keys, clock, "a", "customs_hold", reference="R1")
    post(client, keys, clock, "b", "delivered", reference="R2", handed_to="mailbox")
    page = client.get("/warnings", headers=keys["ops"])
    assert page.status_code == 200
    assert "customs hold" in page.text and "R1" in page.text and "R2" in page.text and "recipient" in page.text


def test_a_refused_batch_names_only_its_failing_items_and_stores_nothing(client, keys, clock, db):
    items = [{"event_id": f"e{i}", "reference": "6A1", "status": "in_transit", "occurred_at": iso(clock.now)} for i in range(6)]
    items[4]["occurred_at"] = "2026-03-02T10:00:00"
    items[2]["handed_to"] = "dog"
    answer = client.post("/v1/updates", json={"updates": items}, headers=keys["laposte"])
    assert answer.status_code == 422
    assert sorted(tuple(d["loc"]) for d in answer.json()["error"]["details"]) == [
        ("body", "updates", 2, "handed_to"),
        ("body", "updates", 4, "occurred_at"),
    ]
    single = client.post("/v1/updates", json=items[4], headers=keys["laposte"])
    assert [tuple(d["loc"]) for d in single.json()["error"]["details"]] == [("body", "occurred_at")]
    with db.connect() as conn:
        assert conn.execute(select(tables.updates)).first() is None
