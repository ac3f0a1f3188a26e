"""Provider adapters: signatures and payload mapping, on fixtures written in each format."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import unicodedata
from datetime import UTC, datetime

import pytest

from domain.model import FieldUpdate
from integrations.payments.stripe import from_minor_units, sign
from integrations.webhooks.base import PayloadError, SignatureError
from integrations.webhooks.registry import PROVIDERS

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
aftership, easypost, stripe = PROVIDERS["aftership"], PROVIDERS["easypost"], PROVIDERS["stripe"]


def aftership_body(tag="Delivered", subtag="Delivered_001", **tracking) -> bytes:
    return json.dumps({"event": "tracking_update", "event_id": "as-evt-1", "msg": {
        "id": "trk1", "tracking_number": "1Z999", "order_id": "ORDER-7", "tag": tag, "subtag": subtag,
        "signed_by": "ROLAND", "checkpoints": [
            {"checkpoint_time": "2026-03-01T08:00:00+01:00", "city": "Paris", "message": "In transit",
             "tag": "InTransit"},
            {"checkpoint_time": "2026-03-02T08:00:00+01:00", "location": "Lomme FR", "message": "Delivered",
             "tag": tag}], **tracking}}).encode()


def easypost_body(status="delivered", detail="arrived_at_destination", **tracker) -> bytes:
    return json.dumps({"id": "evt_ep1", "object": "Event", "description": "tracker.updated", "result": {
        "id": "trk_1", "object": "Tracker", "tracking_code": "EZ1", "status": status,
        "status_detail": detail, "signed_by": "T Gouritin", "shipment_id": "shp_9",
        "tracking_details": [{"datetime": "2026-03-02T10:00:00Z", "message": "Delivered",
                              "tracking_location": {"city": "LILLE", "zip": "59000", "country": "FR"}}],
        **tracker}}).encode()


def stripe_body(kind="refund.updated", status="succeeded", amount=8990, currency="eur", **refund) -> bytes:
    return json.dumps({"id": "evt_st1", "type": kind, "created": 1772442000, "data": {"object": {
        "id": "re_1", "object": "refund", "amount": amount, "currency": currency, "status": status,
        "charge": "ch_1", "payment_intent": "pi_1", **refund}}}).encode()


def as_field_updates(items):
    return [FieldUpdate.create("p", item) for item in items]


def test_aftership_signature_and_mapping():
    body, secret = aftership_body(), "as-secret"
    good = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    aftership.verify({"AfterShip-Hmac-Sha256": good}, body, secret, NOW)  # header case ignored
    with pytest.raises(SignatureError):
        aftership.verify({"aftership-hmac-sha256": good}, body + b" ", secret, NOW)
    with pytest.raises(SignatureError):
        aftership.verify({}, body, secret, NOW)
    first, second = as_field_updates(aftership.parse(body))
    assert (first.reference, first.event_id, first.status) == ("1Z999", "as-evt-1", "delivered")
    assert (second.reference, second.event_id) == ("ORDER-7", "as-evt-1#ORDER-7")
    assert first.signed_by == "ROLAND" and first.location == "Lomme FR"
    assert first.occurred_at == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize("tag,subtag,status", [
    ("InfoReceived", "InfoReceived_001", "pre_transit"), ("InTransit", "InTransit_002", "in_transit"),
    ("OutForDelivery", "OutForDelivery_001", "out_for_delivery"),
    ("AvailableForPickup", "AvailableForPickup_001", "available_for_pickup"),
    ("AttemptFail", "AttemptFail_001", "attempt_failed"), ("Exception", "Exception_011", "returned_to_sender"),
    ("Exception", "Exception_013", "lost"), ("Exception", "Exception_004", "exception"),
])
def test_aftership_statuses(tag, subtag, status):
    assert aftership.parse(aftership_body(tag, subtag))[0]["status"] == status


def test_easypost_nfkd_secret_and_mapping():
    body = easypost_body()
    composed, decomposed = "s\u00e9cret", "se\u0301cret"
    signature = "hmac-sha256-hex=" + hmac.new(unicodedata.normalize("NFKD", composed).encode(), body,
                                              hashlib.sha256).hexdigest()
    easypost.verify({"X-Hmac-Signature": signature}, body, composed, NOW)
    easypost.verify({"x-hmac-signature": signature}, body, decomposed, NOW)
    with pytest.raises(SignatureError):
        easypost.verify({"X-Hmac-Signature": signature}, body, "secret", NOW)
    first, second = as_field_updates(easypost.parse(body))
    assert (first.event_id, first.reference, first.status, first.signed_by) == ("evt_ep1", "EZ1", "delivered",
                                                                                   "T Gouritin")
    assert first.location == "LILLE, 59000, FR" and second.reference == "shp_9"


@pytest.mark.parametrize("status,detail,expected", [
    ("return_to_sender", "return", "returned_to_sender"), ("failure", "delivery_attempt_failed", "attempt_failed"),
    ("failure", "lost", "lost"), ("available_for_pickup", "", "available_for_pickup"),
    ("pre_transit", "", "pre_transit"), ("out_for_delivery", "", "out_for_delivery"),
])
def test_easypost_statuses(status, detail, expected):
    assert easypost.parse(easypost_body(status, detail))[0]["status"] == expected


def test_stripe_signature_rotation_and_tolerance():
    body, secret = stripe_body(), "whsec_x"
    t = int(NOW.timestamp())
    good = sign(secret, body, t)
    stripe.verify({"Stripe-Signature": good}, body, secret, NOW)
    rotated = f"t={t},v1={'0' * 64},{good.split(',')[1]},v0=ignored"
    stripe.verify({"stripe-signature": rotated}, body, secret, NOW)
    with pytest.raises(SignatureError, match="tolerance"):
        stripe.verify({"Stripe-Signature": sign(secret, body, t - 301)}, body, secret, NOW)
    with pytest.raises(SignatureError):
        stripe.verify({"Stripe-Signature": f"t={t}"}, body, secret, NOW)
    with pytest.raises(SignatureError):
        stripe.verify({"Stripe-Signature": good}, body, "whsec_other", NOW)


def test_stripe_refunds_under_every_identifier():
    updates = as_field_updates(stripe.parse(stripe_body()))
    assert [(u.reference, u.event_id) for u in updates] == [
        ("ch_1", "evt_st1"), ("pi_1", "evt_st1#pi_1"), ("re_1", "evt_st1#re_1")]
    assert {(u.status, str(u.amount), u.currency) for u in updates} == {("refund_succeeded", "89.90", "EUR")}
    failed = stripe.parse(stripe_body("refund.failed", "failed", failure_reason="expired_or_canceled_card"))[0]
    assert failed["status"] == "refund_failed" and "expired_or_canceled_card" in failed["detail"]
    assert stripe.parse(stripe_body(status="canceled"))[0]["status"] == "refund_canceled"
    assert stripe.parse(stripe_body(status="pending"))[0]["status"] == "refund_pending"
    assert stripe.parse(json.dumps({"id": "evt", "type": "customer.created", "created": 1,
                                    "data": {"object": {}}}).encode()) == []


def test_minor_units():
    assert from_minor_units(8990, "eur") == "89.90"
    assert from_minor_units(500, "JPY") == "500"
    assert from_minor_units(1234, "kwd") == "1.234"


@pytest.mark.parametrize("provider", ["aftership", "easypost", "stripe"])
@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"{}", b'{"msg": {"tag": "Teleported"}}'])
def test_malformed_payloads(provider, body):
    with pytest.raises(PayloadError):
        PROVIDERS[provider].parse(body)
