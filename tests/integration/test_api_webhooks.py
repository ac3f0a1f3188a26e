"""Signed provider webhooks through the API: 401 unless signed with the partner's secret,
mapped updates judged like any other, redeliveries counted as duplicates."""

from __future__ import annotations

from datetime import timedelta

import pytest

from integrations.db import credentials
from integrations.payments.stripe import sign
from tests.unit.test_webhook_providers import stripe_body

pytestmark = pytest.mark.usefixtures("db")


def test_stripe_webhook_keeps_a_refund_promise(client, keys, db, clock):
    credentials.set_webhook_secret(db, "stripe-fr", "stripe", "whsec_fr", clock())
    case = client.post(
        "/v1/complaints",
        headers=keys["agent"],
        json={
            "channel": "facebook",
            "external_id": "fb-1",
            "author": "A",
            "text": "jamais remboursé",
            "posted_at": clock.now.isoformat(),
        },
    ).json()
    client.post(
        f"/v1/cases/{case['case_id']}/promises",
        headers=keys["agent"],
        json={
            "kind": "refund.issue",
            "partner": "stripe-fr",
            "reference": "pi_1",
            "due_at": (clock.now + timedelta(days=5)).isoformat(),
            "expect": {"amount": "89.90", "currency": "EUR"},
        },
    )
    body = stripe_body(amount=8990, currency="eur")
    url = "/v1/webhooks/stripe/stripe-fr"
    signed = {"Stripe-Signature": sign("whsec_fr", body, int(clock.now.timestamp())), "Content-Type": "application/json"}
    assert client.post(url, content=body).status_code == 401
    assert (
        client.post(url, content=body, headers={"Stripe-Signature": sign("wrong", body, int(clock.now.timestamp()))}).status_code
        == 401
    )
    assert client.post("/v1/webhooks/stripe/unknown-partner", content=body, headers=signed).status_code == 401
    assert client.post("/v1/webhooks/fedex/stripe-fr", content=body, headers=signed).status_code == 404
    answer = client.post(url, content=body, headers=signed)
    assert answer.status_code == 200 and answer.json() == {"accepted": 3, "duplicates": 0, "matched": 1}
    assert client.post(url, content=body, headers=signed).json() == {"accepted": 0, "duplicates": 3, "matched": 0}
    view = client.get(f"/v1/cases/{case['case_id']}", headers=keys["agent"]).json()
    assert view["promises"][0]["verdict"] == "kept" and view["status"] == "resolved"
    clock.advance(seconds=301)
    assert client.post(url, content=body, headers=signed).json()["error"]["code"] == "bad_signature"


def test_signed_but_malformed_payload_is_a_400(client, db, clock):
    credentials.set_webhook_secret(db, "ups", "aftership", "s", clock())
    import base64
    import hashlib
    import hmac

    body = b'{"msg": {"tag": "Teleported"}}'
    sig = base64.b64encode(hmac.new(b"s", body, hashlib.sha256).digest()).decode()
    answer = client.post("/v1/webhooks/aftership/ups", content=body, headers={"aftership-hmac-sha256": sig})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "bad_payload"


def aftership_signature(secret: str, body: bytes) -> str:
    import base64
    import hashlib
    import hmac

    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def easypost_signature(secret: str, body: bytes) -> str:
    import hashlib
    import hmac

    return "hmac-sha256-hex=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    "provider,partner,body_of,header,signer,reference",
    [
        ("aftership", "ups", "aftership_body", "aftership-hmac-sha256", aftership_signature, "1Z999"),
        ("easypost", "colissimo", "easypost_body", "X-Hmac-Signature", easypost_signature, "EZ1"),
    ],
)
def test_carrier_webhooks_are_verified_and_judged(client, keys, db, clock, provider, partner, body_of, header, signer, reference):
    from tests.unit import test_webhook_providers as fixtures

    credentials.set_webhook_secret(db, partner, provider, "carrier-secret", clock())
    case = client.post(
        "/v1/complaints",
        headers=keys["agent"],
        json={
            "channel": "twitter",
            "external_id": f"{provider}-1",
            "author": "@tg",
            "text": "toujours rien",
            "posted_at": clock.now.isoformat(),
        },
    ).json()
    assert (
        client.post(
            f"/v1/cases/{case['case_id']}/promises",
            headers=keys["agent"],
            json={
                "kind": "parcel.deliver",
                "partner": partner,
                "reference": reference,
                "due_at": (clock.now + timedelta(days=3)).isoformat(),
                "expect": {"recipient": "Thomas Gouritin"},
            },
        ).status_code
        == 201
    )
    body = getattr(fixtures, body_of)()
    url = f"/v1/webhooks/{provider}/{partner}"
    assert client.post(url, content=body).status_code == 401  # no signature
    wrong = client.post(url, content=body, headers={header: signer("other-secret", body)})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "bad_signature"
    tampered = client.post(url, content=body + b" ", headers={header: signer("carrier-secret", body)})
    assert tampered.status_code == 401
    other_partner = client.post(
        f"/v1/webhooks/{provider}/laposte", content=body, headers={header: signer("carrier-secret", body)}
    )
    assert other_partner.status_code == 401  # no secret set for that partner
    answer = client.post(url, content=body, headers={header: signer("carrier-secret", body)})
    assert answer.status_code == 200 and answer.json()["accepted"] == 2 and answer.json()["matched"] == 1
    redelivered = client.post(url, content=body, headers={header: signer("carrier-secret", body)})
    assert redelivered.json() == {"accepted": 0, "duplicates": 2, "matched": 0}
    [promise] = client.get(f"/v1/cases/{case['case_id']}", headers=keys["agent"]).json()["promises"]
    expected = ("broken", "wrong_recipient") if provider == "aftership" else ("kept", None)  # ROLAND vs T Gouritin
    assert (promise["verdict"], promise["reason"]) == expected
