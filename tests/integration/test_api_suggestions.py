"""Suggest, then confirm: unsure promises of a reply wait on the case for the community manager."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

pytestmark = pytest.mark.usefixtures("db")
UNSURE = "We've received your DM and will respond there shortly."  # a contact-back "shortly": 0.75


def at(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def open_case(client, keys, said, external_id="s1"):
    return client.post(
        "/v1/complaints",
        headers=keys["agent"],
        json={
            "channel": "twitter",
            "external_id": external_id,
            "author": "@c",
            "text": "no answer to my DM",
            "posted_at": said,
            "tracking_numbers": ["1Z999"],
        },
    ).json()["case_id"]


def suggest(client, keys, case_id, said, text=UNSURE):
    reply = client.post(
        f"/v1/cases/{case_id}/replies", headers=keys["agent"], json={"text": text, "said_at": said, "partner": "ups"}
    )
    assert reply.status_code == 201
    return reply.json()


def test_an_unsure_promise_is_suggested_then_confirmed_once(client, keys, clock):
    said = clock.now.isoformat()
    case_id = open_case(client, keys, said)
    body = suggest(client, keys, case_id, said)
    assert body["promises"] == []
    [suggestion] = body["suggestions"]
    assert suggestion["kind"] == "callback" and suggestion["confidence"] < 0.8
    assert suggestion["evidence"] == UNSURE
    view = client.get(f"/v1/cases/{case_id}", headers=keys["agent"]).json()
    assert [s["suggestion_id"] for s in view["suggestions"]] == [suggestion["suggestion_id"]]
    assert view["promises"] == []

    url = f"/v1/cases/{case_id}/suggestions/{suggestion['suggestion_id']}"
    confirmed = client.post(f"{url}/confirm", headers=keys["agent"])
    assert confirmed.status_code == 201
    promise = confirmed.json()
    assert (promise["kind"], promise["partner"], promise["reference"]) == ("callback", "ups", "1Z999")
    assert at(promise["due_at"]) == at(suggestion["due_at"])
    view = client.get(f"/v1/cases/{case_id}", headers=keys["agent"]).json()
    assert view["suggestions"] == []
    assert [p["promise_id"] for p in view["promises"]] == [promise["promise_id"]]
    settled = [e for e in view["timeline"] if e["type"] == "suggestion" and e["detail"]["action"] == "confirmed"]
    assert len(settled) == 1 and settled[0]["actor"].startswith("agent:")
    assert settled[0]["detail"]["promise_id"] == promise["promise_id"]

    again = client.post(f"{url}/confirm", headers=keys["agent"])
    assert again.status_code == 409 and again.json()["error"]["code"] == "suggestion_settled"
    assert client.post(f"{url}/dismiss", headers=keys["agent"]).status_code == 409
    assert len(client.get(f"/v1/cases/{case_id}", headers=keys["agent"]).json()["promises"]) == 1


def test_a_suggestion_confirmed_with_corrections(client, keys, clock):
    said = clock.now.isoformat()
    case_id = open_case(client, keys, said, "s2")
    [suggestion] = suggest(client, keys, case_id, said)["suggestions"]
    due = (clock.now + timedelta(days=2)).isoformat()
    confirmed = client.post(
        f"/v1/cases/{case_id}/suggestions/{suggestion['suggestion_id']}/confirm",
        headers=keys["agent"],
        json={
            "kind": "refund.issue",
            "due_at": due,
            "expect": {"amount": "10.00", "currency": "USD"},
            "partner": "stripe",
            "reference": "ch_1",
        },
    )
    assert confirmed.status_code == 201
    promise = confirmed.json()
    assert (promise["kind"], promise["partner"], promise["reference"]) == ("refund.issue", "stripe", "ch_1")
    assert promise["expect"] == {"amount": "10.00", "currency": "USD"}
    assert at(promise["due_at"]) == at(due)
    entry = [
        e
        for e in client.get(f"/v1/cases/{case_id}", headers=keys["agent"]).json()["timeline"]
        if e["type"] == "suggestion" and e["detail"]["action"] == "confirmed"
    ][0]
    assert entry["detail"]["corrected"]["kind"] == "refund.issue"


def test_a_bad_correction_is_refused_and_leaves_the_suggestion_open(client, keys, clock):
    said = clock.now.isoformat()
    case_id = open_case(client, keys, said, "s3")
    [suggestion] = suggest(client, keys, case_id, said)["suggestions"]
    url = f"/v1/cases/{case_id}/suggestions/{suggestion['suggestion_id']}/confirm"
    assert client.post(url, headers=keys["agent"], json={"kind": "teleport"}).status_code == 422
    assert client.post(url, headers=keys["agent"], json={"due_at": "2026-03-02T10:00:00"}).status_code == 422
    # a refund confirmed without its amount cannot be judged
    assert client.post(url, headers=keys["agent"], json={"kind": "refund.issue"}).status_code == 422
    view = client.get(f"/v1/cases/{case_id}", headers=keys["agent"]).json()
    assert len(view["suggestions"]) == 1 and view["promises"] == []


def test_a_suggestion_dismissed_once(client, keys, clock):
    said = clock.now.isoformat()
    case_id = open_case(client, keys, said, "s4")
    [suggestion] = suggest(client, keys, case_id, said)["suggestions"]
    url = f"/v1/cases/{case_id}/suggestions/{suggestion['suggestion_id']}"
    dismissed = client.post(f"{url}/dismiss", headers=keys["agent"])
    assert dismissed.status_code == 200 and dismissed.json()["state"] == "dismissed"
    assert client.post(f"{url}/dismiss", headers=keys["agent"]).status_code == 409
    assert client.post(f"{url}/confirm", headers=keys["agent"]).status_code == 409
    view = client.get(f"/v1/cases/{case_id}", headers=keys["agent"]).json()
    assert view["suggestions"] == [] and view["promises"] == []
    [entry] = [e for e in view["timeline"] if e["type"] == "suggestion" and e["detail"]["action"] == "dismissed"]
    assert entry["actor"].startswith("agent:")


def test_unknown_suggestions_and_cases_are_404(client, keys, clock):
    said = clock.now.isoformat()
    case_id = open_case(client, keys, said, "s5")
    [suggestion] = suggest(client, keys, case_id, said)["suggestions"]
    for action in ("confirm", "dismiss"):
        missing = client.post(f"/v1/cases/{case_id}/suggestions/nope/{action}", headers=keys["agent"])
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_suggestion"
        # a suggestion of another case is not found through this one
        other = open_case(client, keys, said, f"s5-{action}")
        assert (
            client.post(
                f"/v1/cases/{other}/suggestions/{suggestion['suggestion_id']}/{action}", headers=keys["agent"]
            ).status_code
            == 404
        )
    assert (
        client.post(f"/v1/cases/{case_id}/suggestions/{suggestion['suggestion_id']}/confirm", headers=keys["ops"]).status_code
        == 403
    )


def test_sure_promises_are_recorded_and_unsure_ones_suggested_from_one_reply(client, keys, clock):
    said = clock.now.isoformat()
    case_id = open_case(client, keys, said, "s6")
    body = suggest(
        client, keys, case_id, said, "We'll refund the $9.99 fee today. We've received your DM and will respond there shortly."
    )
    assert [p["kind"] for p in body["promises"]] == ["refund.issue"]
    assert [s["kind"] for s in body["suggestions"]] == ["callback"]
