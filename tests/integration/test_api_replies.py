"""Extraction, replies and playbooks through the API."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("db")


def test_extract_reply_and_playbook(client, keys, clock):
    said = clock.now.isoformat()
    found = client.post(
        "/v1/promises/extract",
        headers=keys["agent"],
        json={"text": "Pas de souci, votre colis sera rapatrié au bureau de votre choix dans les 24h.", "said_at": said},
    )
    assert [p["kind"] for p in found.json()["promises"]] == ["parcel.reroute"]
    assert (
        client.post(
            "/v1/promises/extract", headers=keys["agent"], json={"text": "hi", "said_at": "2026-03-02T10:00:00"}
        ).status_code
        == 422
    )

    case_id = client.post(
        "/v1/complaints",
        headers=keys["agent"],
        json={
            "channel": "twitter",
            "external_id": "r1",
            "author": "@c",
            "text": "refund?",
            "posted_at": said,
            "tracking_numbers": ["1Z999"],
        },
    ).json()["case_id"]
    reply = client.post(
        f"/v1/cases/{case_id}/replies",
        headers=keys["agent"],
        json={
            "text": "Sorry! We'll re-attempt delivery to 12 rue Nationale tomorrow, and we'll refund the $9.99 fee today.",
            "said_at": said,
            "partner": "ups",
        },
    )
    assert reply.status_code == 201
    recorded = {p["kind"]: p for p in reply.json()["promises"]}
    assert set(recorded) == {"parcel.deliver", "refund.issue"}
    assert recorded["parcel.deliver"]["reference"] == "1Z999"  # from the complaint's tracking number
    assert recorded["refund.issue"]["expect"] == {"amount": "9.99", "currency": "USD"}
    assert recorded["parcel.deliver"]["expect"] == {"address": "12 rue Nationale"}
    # A delivery promised without saying where or to whom cannot be judged: reported, not recorded.
    vague = client.post(
        f"/v1/cases/{case_id}/replies",
        headers=keys["agent"],
        json={"text": "We'll re-attempt delivery tomorrow.", "said_at": said, "partner": "ups"},
    )
    assert vague.json()["promises"] == []
    assert vague.json()["incomplete"][0]["missing"] == ["address|recipient"]
    nothing = client.post(f"/v1/cases/{case_id}/replies", headers=keys["agent"], json={"text": "Please DM us.", "said_at": said})
    assert nothing.status_code == 201 and nothing.json()["promises"] == []
    view = client.get(f"/v1/cases/{case_id}", headers=keys["agent"]).json()
    assert [e["type"] for e in view["timeline"]].count("reply") == 3

    books = client.get("/v1/playbooks", headers=keys["agent"]).json()["playbooks"]
    assert "defective_item" in {b["name"] for b in books}
    made = client.post(
        f"/v1/cases/{case_id}/promises",
        headers=keys["agent"],
        json={"playbook": "defective_item", "partner": "fnac-ternes", "reference": "F1", "expect": {"location": "Ternes"}},
    )
    assert made.status_code == 201 and len(made.json()["promises"]) == 2
    assert (
        client.post(
            f"/v1/cases/{case_id}/promises",
            headers=keys["agent"],
            json={"playbook": "refund_not_received", "partner": "stripe", "reference": "ch"},
        ).status_code
        == 422
    )
