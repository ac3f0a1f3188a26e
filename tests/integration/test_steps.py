"""End-to-end steps (issue 16): a promise followed across the partners that carry it out.

Seeds 003 (FNAC: a replacement) and 004 (Private Outlet: parcels lost, refunds late), narrated
through the API: a warehouse hands the replacement over to a carrier, a merchant hands the refund
over to the payment provider; the promise is kept when its last step is, broken when any step is."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from integrations.db import credentials, tables
from integrations.services.sweep import sweep_deadlines

pytestmark = pytest.mark.usefixtures("db")
ADDRESS = "14 rue des Lilas, 75011 Paris"


@pytest.fixture
def partners(db, clock, keys):
    def make(partner):
        return {"Authorization": f"Bearer {credentials.create_key(db, 'partner', partner, clock())}"}

    return {
        **keys,
        "warehouse": make("fnac-warehouse"),
        "colissimo": make("colissimo"),
        "merchant": make("privateoutlet"),
        "stripe": make("stripe"),
    }


def iso(moment):
    return moment.isoformat()


def open_case(client, keys, clock, external_id="tw-steps"):
    body = {
        "channel": "twitter",
        "external_id": external_id,
        "author": "@client",
        "text": "toujours rien reçu",
        "posted_at": iso(clock.now),
        "order_ref": f"O-{external_id}",
    }
    return client.post("/v1/complaints", json=body, headers=keys["agent"]).json()["case_id"]


def replacement(client, keys, clock, case_id, hours=72):
    answer = client.post(
        f"/v1/cases/{case_id}/promises",
        headers=keys["agent"],
        json={
            "kind": "item.replace",
            "partner": "fnac-warehouse",
            "reference": "RMA-0528",
            "due_at": iso(clock.now + timedelta(hours=hours)),
            "expect": {"address": ADDRESS},
            "said": "Un article neuf vous est envoyé et livré sous 3 jours.",
        },
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["promise_id"]


def post(client, headers, clock, event_id, reference, status, **fields):
    answer = client.post(
        "/v1/updates",
        headers=headers,
        json={"event_id": event_id, "reference": reference, "status": status, "occurred_at": iso(clock.now), **fields},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def shipped(client, partners, clock, event_id="ship-1"):
    return post(
        client,
        partners["warehouse"],
        clock,
        event_id,
        "RMA-0528",
        "done",
        handoff={"partner": "colissimo", "reference": "6A0528"},
        detail="Expédié avec Colissimo",
    )


def case(client, keys, case_id):
    return client.get(f"/v1/cases/{case_id}", headers=keys["ops"]).json()


def outbox(db):
    with db.connect() as conn:
        return [(r.kind, r.promise_id) for r in conn.execute(select(tables.outbox).order_by(tables.outbox.c.id))]


def test_replacement_shipped_then_delivered_by_the_carrier_is_kept(client, partners, clock):
    case_id = open_case(client, partners, clock)
    pid = replacement(client, partners, clock, case_id)
    clock.advance(hours=20)
    shipped(client, partners, clock)
    view = case(client, partners, case_id)
    [promise] = view["promises"]
    assert view["status"] == "in_progress"  # the warehouse's part is done, not the promise
    assert promise["verdict"] == "pending"
    assert [(s["partner"], s["kind"], s["verdict"]) for s in promise["steps"]] == [
        ("fnac-warehouse", "item.replace", "kept"),
        ("colissimo", "parcel.deliver", "pending"),
    ]
    assert promise["blocking_step"] == {
        "promise_id": promise["steps"][1]["promise_id"],
        "partner": "colissimo",
        "reference": "6A0528",
        "kind": "parcel.deliver",
    }
    assert "colissimo 6A0528" in promise["where"]
    assert any(e["type"] == "step" and e["detail"]["partner"] == "colissimo" for e in view["timeline"])
    own = client.get("/v1/partners/me/steps", headers=partners["colissimo"]).json()
    assert [(s["reference"], s["step_of"]) for s in own["steps"]] == [("6A0528", pid)]

    clock.advance(hours=30)
    post(client, partners["colissimo"], clock, "di1", "6A0528", "delivered", address=ADDRESS, handed_to="addressee")
    view = case(client, partners, case_id)
    assert (view["status"], view["promises"][0]["verdict"]) == ("resolved", "kept")
    assert view["promises"][0]["evidence"]["partner"] == "colissimo"


def test_replacement_returned_to_sender_breaks_the_promise_naming_the_carrier_step(client, partners, clock, db):
    case_id = open_case(client, partners, clock)
    replacement(client, partners, clock, case_id)
    clock.advance(hours=10)
    shipped(client, partners, clock)
    clock.advance(hours=20)
    post(client, partners["colissimo"], clock, "rts", "6A0528", "returned_to_sender")
    view = case(client, partners, case_id)
    [promise] = view["promises"]
    assert (view["status"], promise["verdict"], promise["reason"]) == ("reopened", "broken", "parcel_failed")
    assert promise["blocking_step"]["partner"] == "colissimo" and promise["evidence"]["event_id"] == "rts"
    carrier_step = promise["steps"][1]["promise_id"]
    assert outbox(db) == [("promise_broken", carrier_step)]
    [stuck] = client.get("/v1/ops/stuck", headers=partners["ops"]).json()["items"]
    assert (stuck["blocking_step"]["partner"], stuck["step_of"]) == ("colissimo", promise["promise_id"])


def test_shipped_then_silent_past_the_deadline_is_stuck_on_the_carrier(client, partners, clock, uow):
    case_id = open_case(client, partners, clock)
    pid = replacement(client, partners, clock, case_id)
    clock.advance(hours=10)
    shipped(client, partners, clock)
    clock.advance(hours=63)
    sweep_deadlines(uow, clock)
    view = case(client, partners, case_id)
    assert (view["status"], view["promises"][0]["reason"]) == ("reopened", "deadline_missed")
    [stuck] = client.get("/v1/ops/stuck", headers=partners["ops"]).json()["items"]
    assert (stuck["partner"], stuck["reference"], stuck["step_of"]) == ("colissimo", "6A0528", pid)
    cards = {c["partner"]: c for c in client.get("/v1/ops/scorecards", headers=partners["ops"]).json()["partners"]}
    assert (cards["fnac-warehouse"]["kept"], cards["fnac-warehouse"]["broken"]) == (1, 0)  # not the warehouse's fault
    assert cards["colissimo"]["broken"] == 1


def test_carrier_updates_before_the_handoff_count_at_once_and_a_redelivered_handoff_adds_nothing(client, partners, clock):
    case_id = open_case(client, partners, clock)
    replacement(client, partners, clock, case_id)
    clock.advance(hours=5)
    post(client, partners["colissimo"], clock, "early-di1", "6A0528", "delivered", address=ADDRESS)
    clock.advance(hours=1)
    shipped(client, partners, clock)  # the warehouse reports after the carrier
    assert shipped(client, partners, clock) == {"accepted": 0, "duplicates": 1, "matched": 0}
    post(
        client,
        partners["warehouse"],
        clock,
        "ship-again",
        "RMA-0528",
        "done",
        handoff={"partner": "colissimo", "reference": "6A0528"},
    )
    view = case(client, partners, case_id)
    [promise] = view["promises"]
    assert len(promise["steps"]) == 2
    assert (view["status"], promise["verdict"]) == ("resolved", "kept")


def test_refund_approved_by_the_merchant_then_failed_at_the_payment_provider_is_broken(client, partners, clock, db):
    """Private Outlet (seed 004): the merchant says the refund is issued; the bank refuses it."""
    case_id = open_case(client, partners, clock, "tw-po")
    answer = client.post(
        f"/v1/cases/{case_id}/promises",
        headers=partners["agent"],
        json={
            "kind": "refund.issue",
            "partner": "privateoutlet",
            "reference": "PO-1412",
            "due_at": iso(clock.now + timedelta(days=7)),
            "expect": {"amount": "89.90", "currency": "EUR"},
        },
    )
    assert answer.status_code == 201
    clock.advance(hours=3)
    post(
        client,
        partners["merchant"],
        clock,
        "approved",
        "PO-1412",
        "refund_succeeded",
        amount="89.90",
        currency="EUR",
        handoff={"partner": "stripe", "reference": "re_1412"},
    )
    assert case(client, partners, case_id)["promises"][0]["verdict"] == "pending"
    clock.advance(days=2)
    post(client, partners["stripe"], clock, "evt_fail", "re_1412", "refund_failed", detail="card expired")
    view = case(client, partners, case_id)
    [promise] = view["promises"]
    assert (view["status"], promise["verdict"], promise["reason"]) == ("reopened", "broken", "refund_failed")
    assert promise["blocking_step"]["partner"] == "stripe"


def test_a_plan_from_a_playbook_judges_each_step_on_its_own_deadline(client, partners, clock, db, uow):
    case_id = open_case(client, partners, clock, "tw-plan")
    answer = client.post(
        f"/v1/cases/{case_id}/promises",
        headers=partners["agent"],
        json={
            "playbook": "replacement_shipped_by_warehouse",
            "partner": "fnac-warehouse",
            "reference": "RMA-0528",
            "expect": {"address": ADDRESS},
        },
    )
    assert answer.status_code == 201, answer.text
    [made] = answer.json()["promises"]
    start = clock.now
    clock.advance(hours=40)  # the warehouse ships within its 48 h
    shipped(client, partners, clock)
    [promise] = case(client, partners, case_id)["promises"]
    assert promise["promise_id"] == made["promise_id"] and promise["plan"][0]["role"] == "carrier"
    warehouse, carrier = promise["steps"]
    assert warehouse["verdict"] == "kept"
    assert carrier["due_at"].startswith((start + timedelta(hours=120)).isoformat()[:16])  # the plan's deadline
    clock.now = start + timedelta(hours=121)  # the carrier's own deadline passed
    sweep_deadlines(uow, clock)
    view = case(client, partners, case_id)
    [promise] = view["promises"]
    assert (view["status"], promise["verdict"], promise["reason"], promise["blocking_step"]["partner"]) == (
        "reopened",
        "broken",
        "deadline_missed",
        "colissimo",
    )
    assert outbox(db) == [("promise_broken", carrier["promise_id"])]
    clock.now = start + timedelta(hours=130)  # delivered 10 h after the carrier's deadline
    post(client, partners["colissimo"], clock, "late-di1", "6A0528", "delivered", address=ADDRESS)
    [promise] = case(client, partners, case_id)["promises"]
    assert (promise["verdict"], promise["reason"]) == ("broken", "deadline_missed")
    assert promise["fulfilled_at"] is not None  # kept, late, by the carrier
    assert len(outbox(db)) == 1


def test_the_case_page_shows_the_chain(client, partners, clock):
    case_id = open_case(client, partners, clock)
    replacement(client, partners, clock, case_id)
    clock.advance(hours=20)
    shipped(client, partners, clock)
    page = client.get(f"/cases/{case_id}", headers=partners["ops"])
    assert page.status_code == 200
    steps = page.text.split('class="steps"', 1)[1].split("</ol>", 1)[0]
    assert steps.index("fnac-warehouse") < steps.index("colissimo") and "6A0528" in steps
