"""The ops workflow through the API: stuck items people can read (case title, customer's words,
expected vs observed, stuck since, owner, next step), unowned first; take/assign, acknowledge and
snooze, notes, re-send, the playbook's new promise, close — each on the timeline under a name."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from integrations.db import credentials, tables
from integrations.db.unit_of_work import uow_factory
from integrations.services.sweep import sweep_deadlines

pytestmark = pytest.mark.usefixtures("db")


def iso(moment):
    return moment.isoformat()


@pytest.fixture
def people(db, clock):
    def make(role, name):
        return {"Authorization": f"Bearer {credentials.create_key(db, role, None, clock(), name=name)}"}

    return {
        "claire": make("agent", "Claire Martin"),
        "olivia": make("ops", "Olivia Ops"),
        "nameless": {"Authorization": f"Bearer {credentials.create_key(db, 'agent', None, clock())}"},
    }


def reroute_gone_wrong(client, keys, clock, n=1, author="@vinyl"):
    """A reroute to Lille Vauban that the carrier sent to Roubaix: stuck, wrong_location."""
    answer = client.post(
        "/v1/complaints",
        headers=keys["agent"],
        json={
            "channel": "twitter",
            "external_id": f"tw-{n}",
            "author": author,
            "order_ref": f"CMD-{n}",
            "text": "Mon colis est bloqué au centre de tri depuis une semaine !",
            "posted_at": iso(clock.now),
        },
    )
    case_id = answer.json()["case_id"]
    answer = client.post(
        f"/v1/cases/{case_id}/promises",
        headers=keys["agent"],
        json={
            "kind": "parcel.reroute",
            "partner": "laposte",
            "reference": f"6A{n}",
            "said": "au bureau de Lille Vauban sous 24h",
            "due_at": iso(clock.now + timedelta(hours=24)),
            "expect": {"location": "Lille Vauban", "pickup_point_id": "590010"},
        },
    )
    promise_id = answer.json()["promise_id"]
    assert (
        client.post(
            "/v1/updates",
            headers=keys["laposte"],
            json={
                "event_id": f"e{n}",
                "reference": f"6A{n}",
                "status": "available_for_pickup",
                "occurred_at": iso(clock.now),
                "location": "Roubaix Centre",
                "pickup_point_id": "591120",
            },
        ).status_code
        == 200
    )
    return case_id, promise_id


def stuck(client, keys, **params):
    answer = client.get("/v1/ops/stuck", headers=keys["ops"], params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def timeline(client, keys, case_id):
    return client.get(f"/v1/cases/{case_id}", headers=keys["agent"]).json()["timeline"]


def test_a_stuck_item_says_who_what_expected_observed_since_when_and_what_to_do(client, keys, clock):
    case_id, promise_id = reroute_gone_wrong(client, keys, clock)
    [item] = stuck(client, keys)
    assert item["case_title"] == "@vinyl · order CMD-1 · 6A1"
    assert item["customer_words"] == "Mon colis est bloqué au centre de tri depuis une semaine !"
    assert item["said"] == "au bureau de Lille Vauban sous 24h"
    assert item["expected"] == {"place": "Lille Vauban, 590010"}
    assert (item["observed"]["place"], item["observed"]["status"]) == ("Roubaix Centre, 591120", "available_for_pickup")
    assert datetime.fromisoformat(item["stuck_since"]) == clock.now  # when it broke, not "not yet due"
    assert item["owner"] is None
    assert item["next_step"]["playbook"] == "reroute_again"
    assert "reroute again" in item["next_step"]["text"] and item["next_step"]["due_in"] == "24 h"


def test_unowned_first_and_taking_or_acknowledging_does_not_hide(client, keys, people, clock):
    first, _ = reroute_gone_wrong(client, keys, clock, 1)
    clock.advance(minutes=5)
    second, _ = reroute_gone_wrong(client, keys, clock, 2)
    assert [i["case_id"] for i in stuck(client, keys)] == [first, second]
    answer = client.post(f"/v1/cases/{first}/assign", headers=people["claire"], json={"owner": "me"})
    assert answer.json() == {"case_id": first, "owner": "Claire Martin"}
    items = stuck(client, keys)
    assert [(i["case_id"], i["owner"]) for i in items] == [(second, None), (first, "Claire Martin")]
    assert [i["case_id"] for i in stuck(client, keys, owner="Claire Martin")] == [first]
    mine = client.get("/v1/ops/stuck", headers=people["olivia"], params={"owner": "me"}).json()["items"]
    assert mine == []  # Olivia owns nothing yet
    # ops gives it to someone else; the timeline says who did what
    answer = client.post(f"/v1/cases/{first}/assign", headers=people["olivia"], json={"owner": "Olivia Ops"})
    assert answer.json()["owner"] == "Olivia Ops"
    mine = client.get("/v1/ops/stuck", headers=people["olivia"], params={"owner": "me"}).json()["items"]
    assert [i["case_id"] for i in mine] == [first]
    owners = [(e["actor"], e["detail"]["owner"]) for e in timeline(client, keys, first) if e["type"] == "owner"]
    assert owners == [("agent:Claire Martin", "Claire Martin"), ("ops:Olivia Ops", "Olivia Ops")]
    [promise_id] = [i["promise_id"] for i in stuck(client, keys) if i["case_id"] == first]
    answer = client.post(f"/v1/promises/{promise_id}/acknowledge", headers=people["olivia"], json={"note": "La Poste enquête"})
    assert answer.status_code == 200 and answer.json()["snoozed_until"] is None
    assert first in [i["case_id"] for i in stuck(client, keys)]


def test_assign_refuses_strangers_and_nameless_me(client, keys, people, clock):
    case_id, _ = reroute_gone_wrong(client, keys, clock)
    answer = client.post(f"/v1/cases/{case_id}/assign", headers=people["claire"], json={"owner": "Nobody Known"})
    assert answer.status_code == 422 and answer.json()["error"]["details"] == {"owner": "Nobody Known"}
    assert client.post(f"/v1/cases/{case_id}/assign", headers=people["nameless"], json={"owner": "me"}).status_code == 422
    assert client.post("/v1/cases/nope/assign", headers=people["claire"], json={"owner": "me"}).status_code == 404
    assert client.post(f"/v1/cases/{case_id}/assign", headers=keys["laposte"], json={"owner": "me"}).status_code == 403
    answer = client.post(f"/v1/cases/{case_id}/assign", headers=people["claire"], json={"owner": None})
    assert answer.json()["owner"] is None


def test_snooze_hides_until_it_ends_and_unsnooze_brings_it_back(client, keys, people, clock):
    case_id, promise_id = reroute_gone_wrong(client, keys, clock)
    until = clock.now + timedelta(hours=2)
    answer = client.post(
        f"/v1/promises/{promise_id}/acknowledge",
        headers=people["claire"],
        json={"note": "carrier called", "snooze_until": iso(until)},
    )
    assert answer.status_code == 200, answer.text
    assert stuck(client, keys) == []
    clock.advance(hours=2, seconds=1)
    assert [i["promise_id"] for i in stuck(client, keys)] == [promise_id]
    client.post(
        f"/v1/promises/{promise_id}/acknowledge",
        headers=people["claire"],
        json={"snooze_until": iso(clock.now + timedelta(days=1))},
    )
    assert stuck(client, keys) == []
    assert client.post(f"/v1/promises/{promise_id}/unsnooze", headers=people["claire"]).status_code == 200
    assert [i["promise_id"] for i in stuck(client, keys)] == [promise_id]
    acks = [e for e in timeline(client, keys, case_id) if e["type"] == "acknowledged"]
    assert acks[0]["actor"] == "agent:Claire Martin" and acks[0]["detail"]["note"] == "carrier called"
    assert acks[-1]["detail"] == {"promise_id": promise_id, "unsnoozed": True}


@pytest.mark.parametrize(
    "body, status",
    [
        ({"snooze_until": "2020-01-01T00:00:00+00:00"}, 422),
        ({"snooze_until": "2030-01-01T00:00:00"}, 422),
        ({"note": "x" * 5001}, 422),
        ({"colour": "red"}, 422),
    ],
)
def test_bad_acknowledgements_are_4xx(client, keys, people, clock, body, status):
    _, promise_id = reroute_gone_wrong(client, keys, clock)
    assert client.post(f"/v1/promises/{promise_id}/acknowledge", headers=people["claire"], json=body).status_code == status
    assert client.post("/v1/promises/unknown/acknowledge", headers=people["claire"], json={}).status_code == 404


def test_notes_and_resend_go_on_the_timeline_under_the_name(client, keys, people, clock, db):
    case_id, promise_id = reroute_gone_wrong(client, keys, clock)
    answer = client.post(f"/v1/cases/{case_id}/notes", headers=people["claire"], json={"text": "appelé la cliente"})
    assert answer.status_code == 201
    assert client.post(f"/v1/cases/{case_id}/notes", headers=people["claire"], json={"text": "  "}).status_code == 422
    with db.begin() as conn:  # the first request gave up
        conn.execute(update(tables.outbound_requests).values(state="failed", attempts=8))
    answer = client.post(f"/v1/promises/{promise_id}/resend", headers=people["olivia"])
    assert answer.status_code == 202 and answer.json()["state"] == "pending"
    with db.connect() as conn:
        row = conn.execute(select(tables.outbound_requests)).one()
    assert (row.state, row.attempts, row.next_attempt_at) == ("pending", 0, clock.now)
    entries = [(e["type"], e["actor"]) for e in timeline(client, keys, case_id)]
    assert ("note", "agent:Claire Martin") in entries and ("outbound_request", "ops:Olivia Ops") in entries


def test_the_suggested_new_promise_addresses_the_stuck_one(client, keys, people, clock):
    case_id, promise_id = reroute_gone_wrong(client, keys, clock)
    clock.advance(minutes=30)
    answer = client.post(f"/v1/promises/{promise_id}/next-step", headers=people["claire"])
    assert answer.status_code == 201, answer.text
    [created] = answer.json()["promises"]
    assert created["verdict"] == "pending"  # not judged on the update that broke the first one
    assert stuck(client, keys) == []
    case = client.get(f"/v1/cases/{case_id}", headers=keys["agent"]).json()
    [new] = [p for p in case["promises"] if p["promise_id"] == created["promise_id"]]
    assert (new["kind"], new["expect"]) == ("parcel.reroute", {"location": "Lille Vauban", "pickup_point_id": "590010"})
    assert datetime.fromisoformat(new["due_at"]) == clock.now + timedelta(hours=24)
    assert [e["actor"] for e in case["timeline"] if e["type"] == "promise"][-1] == "agent:Claire Martin"


def test_closing_the_case_takes_it_off_the_list(client, keys, clock):
    case_id, _ = reroute_gone_wrong(client, keys, clock)
    assert client.post(f"/v1/cases/{case_id}/close", headers=keys["agent"]).status_code == 200
    assert stuck(client, keys) == []


def test_an_overdue_promise_is_stuck_since_its_deadline(client, keys, clock, db):
    answer = client.post(
        "/v1/complaints",
        headers=keys["agent"],
        json={"channel": "twitter", "external_id": "tw-late", "author": "@late", "text": "rappel ?", "posted_at": iso(clock.now)},
    )
    case_id = answer.json()["case_id"]
    due = clock.now + timedelta(hours=1)
    client.post(
        f"/v1/cases/{case_id}/promises",
        headers=keys["agent"],
        json={"kind": "callback", "partner": "cc", "reference": "R1", "due_at": iso(due), "expect": {}},
    )
    clock.advance(hours=3)
    sweep_deadlines(uow_factory(db), clock)
    [item] = stuck(client, keys)
    assert (item["reason"], item["next_step"]["playbook"]) == ("deadline_missed", "callback_now")
    assert datetime.fromisoformat(item["stuck_since"]) == due
    assert item["case_title"] == "@late · R1"


def test_the_new_promise_is_judged_on_what_the_field_says_next(client, keys, people, clock):
    case_id, promise_id = reroute_gone_wrong(client, keys, clock)
    clock.advance(minutes=30)
    [created] = client.post(f"/v1/promises/{promise_id}/next-step", headers=people["claire"]).json()["promises"]
    clock.advance(hours=3)
    client.post(
        "/v1/updates",
        headers=keys["laposte"],
        json={
            "event_id": "e-again",
            "reference": "6A1",
            "status": "available_for_pickup",
            "occurred_at": iso(clock.now),
            "location": "Lille Vauban",
            "pickup_point_id": "590010",
        },
    )
    case = client.get(f"/v1/cases/{case_id}", headers=keys["agent"]).json()
    assert {p["promise_id"]: p["verdict"] for p in case["promises"]}[created["promise_id"]] == "kept"
    assert case["status"] == "resolved"


def test_dashboard_actions_need_the_session_form_token_and_stay_on_this_site(app, client, keys, people, clock, db):
    from tests.integration.test_people_and_sessions import login, page_csrf

    case_id, promise_id = reroute_gone_wrong(client, keys, clock)
    token = people["claire"]["Authorization"].split()[1]
    client.headers.pop("Authorization", None)
    assert login(client, token).status_code == 303
    csrf = page_csrf(client)
    forged = client.post(f"/cases/{case_id}/assign", data={"owner": "me"}, follow_redirects=False)
    assert forged.status_code == 403
    taken = client.post(
        f"/cases/{case_id}/assign", data={"owner": "me", "csrf": csrf, "next": "//evil.example"}, follow_redirects=False
    )
    assert taken.status_code == 303 and taken.headers["location"] == "/"
    listed = client.get("/").text
    assert "Owner: Claire Martin" in listed and "@vinyl · order CMD-1 · 6A1" in listed
    refused = client.post(
        f"/promises/{promise_id}/acknowledge", follow_redirects=False, data={"case_id": case_id, "snooze": "soon", "csrf": csrf}
    )
    assert refused.status_code == 422 and "overdue_for must be" in refused.text
    done = client.post(
        f"/promises/{promise_id}/next-step", data={"case_id": case_id, "csrf": csrf, "next": "/"}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert "Nothing stuck" in client.get("/").text
    gone = client.post(f"/promises/{promise_id}/next-step", data={"case_id": case_id, "csrf": csrf}, follow_redirects=False)
    assert gone.status_code == 409 and "already answers" in gone.text  # a second click records nothing
    again = client.post(f"/v1/promises/{promise_id}/next-step", headers=people["claire"])
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_answered"
