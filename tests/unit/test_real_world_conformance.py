"""Conformance with genuine third-party payloads in ../shared/data/real-world (beside the
checkout; TERRAIN_REAL_WORLD_DIR overrides it): every sample is verified with its published
vector (or, for AfterShip, which publishes none, signed here as AfterShip signs) and mapped as a
person reading the file would. Skipped when the folder is absent."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from domain.model import FieldUpdate
from integrations.webhooks.base import SignatureError
from integrations.webhooks.registry import PROVIDERS
from tests.ci import unavailable

REAL = Path(
    os.environ.get("TERRAIN_REAL_WORLD_DIR") or Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real-world"
)
if not REAL.is_dir():
    unavailable(f"no real-world samples at {REAL}", allow_module_level=True)

STRIPE_SECRET = "whsec_test_secret"  # the secret the README's vectors were computed with
STRIPE_VECTORS = {
    "charge.refunded.json": "t=1700000000,v1=90372f542269040dcb93ff66b30d1455ead0e9643f365d6a6c124086d1ebb7c6",
    "refund.created.json": "t=1700000300,v1=c581a5615d9e79af97cdacbcdfc3544771f8ad4fadd3271f19dae3b96b5e3279",
}


def updates(provider: str, body: bytes) -> list[FieldUpdate]:
    return [FieldUpdate.create("partner", item) for item in PROVIDERS[provider].parse(body)]


def at(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, UTC)


# --- EasyPost -------------------------------------------------------------------------------


def easypost_event() -> tuple[bytes, dict]:
    body = (REAL / "easypost" / "tracker.updated.event.json").read_bytes()
    assert body.endswith(b"\n")
    fixture = json.loads((REAL / "easypost" / "client-library-fixtures.json").read_text(encoding="utf-8"))["webhooks"]
    return body[:-1], fixture  # signed without the file's final newline


def test_easypost_tracker_updated_signature():
    body, fixture = easypost_event()
    easypost = PROVIDERS["easypost"]
    headers = {"X-Hmac-Signature": fixture["hmac_signature"]}
    now = datetime(2024, 8, 2, 19, 26, 52, tzinfo=UTC)  # the event's created_at (no timestamp is signed)
    easypost.verify(headers, body, fixture["secret"], now)
    easypost.verify(
        {"x-hmac-signature": fixture["hmac_signature"]}, body, unicodedata.normalize("NFD", fixture["secret"]), now
    )  # "sécret" decomposed
    easypost.verify(headers, body, unicodedata.normalize("NFC", fixture["secret"]), now)
    with pytest.raises(SignatureError):  # with the final newline: other bytes
        easypost.verify(headers, body + b"\n", fixture["secret"], now)
    with pytest.raises(SignatureError):
        easypost.verify(headers, body, "secret", now)


def test_easypost_tracker_updated_mapping():
    body, _ = easypost_event()
    [update] = updates("easypost", body)  # shipment_id is null: the tracking code only
    assert (update.event_id, update.reference, update.status) == ("easypost:evt_1", "1", "in_transit")
    # the latest of the 7 tracking details: "Arrived at FedEx location", EDISON NJ 08817, 18:50 UTC
    assert update.location == "EDISON, NJ, 08817, US"
    assert update.occurred_at == datetime(2024, 8, 2, 18, 50, tzinfo=UTC)
    assert update.signed_by is None and update.amount is None
    assert update.detail == "Arrived at FedEx location (arrived_at_facility)"


def test_easypost_retrieved_tracker_inside_an_event():
    """tracker.retrieve.json is a Tracker as the API returns it; EasyPost sends the same object
    as an Event's result."""
    tracker = json.loads((REAL / "easypost" / "tracker.retrieve.json").read_text())
    event = {"id": "evt_wrapped", "object": "Event", "description": "tracker.created", "result": tracker}
    [update] = updates("easypost", json.dumps(event).encode())
    assert (update.reference, update.status) == ("EZ1000000001", "pre_transit")
    assert update.occurred_at == datetime(2025, 4, 10, 9, 17, 17, tzinfo=UTC)  # "Shipping Label Created"
    assert update.location == "HOUSTON, TX, 77063"
    assert update.detail == "Shipping Label Created (status_update)"


# --- Stripe ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(STRIPE_VECTORS))
def test_stripe_published_vectors(name):
    body = (REAL / "stripe" / name).read_bytes()
    header = STRIPE_VECTORS[name]
    t = int(header.split(",")[0].removeprefix("t="))
    stripe = PROVIDERS["stripe"]
    stripe.verify({"Stripe-Signature": header}, body, STRIPE_SECRET, at(t))
    stripe.verify({"stripe-signature": header}, body, STRIPE_SECRET, at(t + 300))
    with pytest.raises(SignatureError, match="timestamp outside tolerance"):
        stripe.verify({"Stripe-Signature": header}, body, STRIPE_SECRET, at(t + 301))
    with pytest.raises(SignatureError):
        stripe.verify({"Stripe-Signature": header}, body, "whsec_other", at(t))
    with pytest.raises(SignatureError):  # the other file's vector
        other = next(v for k, v in STRIPE_VECTORS.items() if k != name)
        stripe.verify({"Stripe-Signature": other}, body, STRIPE_SECRET, at(t))
    rotated = header.replace(",v1=", f",v1={'f' * 64},v0=ignored,v1=")
    stripe.verify({"Stripe-Signature": rotated}, body, STRIPE_SECRET, at(t))


def test_stripe_charge_refunded():
    mapped = updates("stripe", (REAL / "stripe" / "charge.refunded.json").read_bytes())
    # a charge of $1.00 refunded in full (amount_refunded 100, no refund list, no payment intent)
    assert [(u.reference, u.event_id) for u in mapped] == [("ch_00000000000000", "stripe:evt_00000000000000")]
    [update] = mapped
    assert (update.status, str(update.amount), update.currency) == ("refund_succeeded", "1.00", "USD")
    assert update.occurred_at == datetime(2012, 1, 18, 2, 24, 38, tzinfo=UTC)  # the event's created


def test_stripe_refund_created():
    mapped = updates("stripe", (REAL / "stripe" / "refund.created.json").read_bytes())
    # 100 øre = 1.00 DKK refunded, succeeded; the charge and the refund (payment_intent is null)
    assert [(u.reference, u.event_id) for u in mapped] == [
        ("ch_3MI7uIIICJxvfdbR0gVMAA5h", "stripe:evt_00000000000000"),
        ("re_CGQ7INZZQPOC8U", "stripe:evt_00000000000000:re_CGQ7INZZQPOC8U"),
    ]
    assert {(u.status, str(u.amount), u.currency) for u in mapped} == {("refund_succeeded", "1.00", "DKK")}


def test_stripe_charge_refund_updated():
    body = (REAL / "stripe" / "charge.refund.updated.json").read_bytes()
    t = 1700000600  # no published vector for this file: signed here as Stripe signs
    header = f"t={t},v1=" + hmac.new(STRIPE_SECRET.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    PROVIDERS["stripe"].verify({"Stripe-Signature": header}, body, STRIPE_SECRET, at(t))
    mapped = updates("stripe", body)
    assert [(u.reference, u.event_id) for u in mapped] == [
        ("ch_00000000000000", "stripe:evt_00000000000000"),
        ("re_00000000000000", "stripe:evt_00000000000000:re_00000000000000"),
    ]
    assert {(u.status, str(u.amount), u.currency) for u in mapped} == {("refund_succeeded", "1.00", "USD")}


# --- AfterShip ------------------------------------------------------------------------------


def test_aftership_get_tracking():
    body = (REAL / "aftership" / "get-tracking.json").read_bytes()
    secret = "aftership-test-secret"  # AfterShip publishes no vector: signed here as AfterShip signs
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    aftership = PROVIDERS["aftership"]
    aftership.verify({"aftership-hmac-sha256": signature}, body, secret, datetime.now(UTC))
    aftership.verify({"AfterShip-Hmac-Sha256": signature}, body, secret, datetime.now(UTC))
    with pytest.raises(SignatureError):
        aftership.verify({"aftership-hmac-sha256": signature}, body.rstrip(), secret, datetime.now(UTC))

    [update] = updates("aftership", body)  # order_id is null: the tracking number only
    # FedEx 111111111111, delivered in Sapporo on 25 July 2018 at 10:10 Japan time, signed "..KOSUTOKO"
    assert (update.reference, update.status, update.signed_by) == ("111111111111", "delivered", "..KOSUTOKO")
    assert update.location == "SAPPORO JP, Japan"
    assert update.occurred_at == datetime(2018, 7, 25, 10, 10, tzinfo=timezone(timedelta(hours=9)))
    assert update.occurred_at == datetime(2018, 7, 25, 1, 10, tzinfo=UTC)
    assert update.event_id.startswith("aftership:")  # no webhook event id: a stable hash
    assert updates("aftership", body)[0].event_id == update.event_id
    assert update.detail == "Delivered (Delivered_001)"


def test_aftership_get_trackings():
    listing = json.loads((REAL / "aftership" / "get-trackings.json").read_text())["data"]["trackings"]
    mapped = [updates("aftership", json.dumps(t).encode()) for t in listing]
    assert [[(u.reference, u.status) for u in one] for one in mapped] == [
        [("1111111111111", "delivered")],
        [("2222222222222", "exception")],
        [("1231231231231", "exception")],
    ]
    delivered, expired_ups, expired_usps = (one[0] for one in mapped)
    # left at the front door in Deal, NJ: "Signature not required" names nobody
    assert delivered.location == "Deal, NJ" and delivered.signed_by is None
    assert delivered.occurred_at == datetime(2018, 8, 1, 17, 19, 47, tzinfo=UTC)  # 13:19:47-04:00
    # Expired trackings have no checkpoint: when AfterShip last updated them
    assert expired_ups.occurred_at == datetime(2018, 6, 22, 7, 21, 57, tzinfo=UTC) and expired_ups.location is None
    assert expired_usps.occurred_at == datetime(2018, 7, 11, 8, 34, 34, tzinfo=UTC)
    assert len({u.event_id for u in (delivered, expired_ups, expired_usps)}) == 3


def test_aftership_sample_as_a_webhook():
    """The same tracking delivered the way AfterShip's webhook sends it (msg + event_id)."""
    tracking = json.loads((REAL / "aftership" / "get-tracking.json").read_text())["data"]["tracking"]
    tracking["order_id"] = "ORDER-42"
    body = json.dumps({"event": "tracking_update", "event_id": "6c4b1a5e-wh", "msg": tracking, "ts": 1534482646}).encode()
    number, order = updates("aftership", body)
    assert (number.reference, number.event_id) == ("111111111111", "aftership:6c4b1a5e-wh")
    assert (order.reference, order.event_id) == ("ORDER-42", "aftership:6c4b1a5e-wh:ORDER-42")
    assert number.status == order.status == "delivered"
