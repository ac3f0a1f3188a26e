"""UPS Track Alert and karrio webhooks through the API: refused without the partner's
credential, recorded samples mapped and judged, redeliveries counted as duplicates."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from integrations.db import credentials
from tests.unit.carrier_helpers import fixture, fixture_json

pytestmark = pytest.mark.usefixtures("db")


def promise(client, keys, clock, partner: str, reference: str, expect: dict) -> str:
    case = client.post(
        "/v1/complaints",
        headers=keys["agent"],
        json={
            "channel": "facebook",
            "external_id": f"fb-{reference}",
            "author": "A",
            "text": "où est mon colis ?",
            "posted_at": clock.now.isoformat(),
        },
    ).json()
    answer = client.post(
        f"/v1/cases/{case['case_id']}/promises",
        headers=keys["agent"],
        json={
            "kind": "parcel.deliver",
            "partner": partner,
            "reference": reference,
            "due_at": (clock.now + timedelta(days=3)).isoformat(),
            "expect": expect,
        },
    )
    assert answer.status_code in (200, 201), answer.text
    return case["case_id"]


def test_ups_track_alert_keeps_a_hand_over_promise(client, keys, db, clock):
    credentials.set_webhook_secret(db, "ups-us", "ups", "cred-1", clock())
    case_id = promise(client, keys, clock, "ups-us", "1Z204W4R0308071865", {"recipient": "John"})
    url = "/v1/webhooks/ups/ups-us"
    out, delivered = fixture("ups/track-alert-out-for-delivery.json"), fixture("ups/track-alert-delivered.json")
    assert client.post(url, content=delivered).status_code == 401
    assert client.post(url, content=delivered, headers={"credential": "wrong"}).status_code == 401
    assert client.post(url, content=out, headers={"credential": "cred-1"}).json()["accepted"] == 1
    answer = client.post(url, content=delivered, headers={"Authorization": "Bearer cred-1"})
    assert answer.status_code == 200 and answer.json() == {"accepted": 1, "duplicates": 0, "matched": 1}
    assert client.post(url, content=delivered, headers={"credential": "cred-1"}).json()["duplicates"] == 1
    view = client.get(f"/v1/cases/{case_id}", headers=keys["agent"]).json()
    assert view["promises"][0]["verdict"] == "kept"


def test_karrio_tracker_updated_is_one_update_per_event(client, keys, db, clock):
    credentials.set_webhook_secret(db, "karrio-eu", "karrio", "whsec_k", clock())
    case_id = promise(client, keys, clock, "karrio-eu", "3180831640", {"recipient": "Campagna"})
    body = json.dumps({"event": "tracker.updated", "data": fixture_json("karrio/dhl_express-3180831640.json")}).encode()
    url = "/v1/webhooks/karrio/karrio-eu"
    assert client.post(url, content=body, headers={"X-Event-Id": "nope"}).status_code == 401
    answer = client.post(url, content=body, headers={"X-Event-Id": "whsec_k"})
    assert answer.status_code == 200 and answer.json()["accepted"] == 16
    again = client.post(url, content=body, headers={"X-Event-Id": "whsec_k"}).json()
    assert again["accepted"] == 0 and again["duplicates"] == 16
    view = client.get(f"/v1/cases/{case_id}", headers=keys["agent"]).json()
    assert view["promises"][0]["verdict"] == "kept"
    malformed = client.post(url, content=b'{"event": "tracker.updated", "data": []}', headers={"X-Event-Id": "whsec_k"})
    assert malformed.status_code == 400
