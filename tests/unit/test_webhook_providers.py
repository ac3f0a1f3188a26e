"""Provider adapters: signatures and payload mapping, on the project's own fixtures in each
provider's format (tests/fixtures/webhooks/), signed here with test secrets."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, get_type_hints

import pytest

from domain.model import PARCEL_STATUSES, REFUND_STATUSES, FieldUpdate
from integrations.api.schemas import UpdateIn
from integrations.carriers.easypost import signature as easypost_signature
from integrations.payments.stripe import from_minor_units, sign
from integrations.webhooks.base import NormalizedUpdate, PayloadError, SignatureError, WebhookProvider
from integrations.webhooks.registry import PROVIDERS, UnknownProvider, get_provider

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "webhooks"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "test-webhook-secret"
aftership, easypost, stripe = PROVIDERS["aftership"], PROVIDERS["easypost"], PROVIDERS["stripe"]


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# --- payload builders (also used by tests/integration/test_api_webhooks.py) ------------------


def aftership_body(tag: str = "Delivered", subtag: str = "Delivered_001", **tracking: Any) -> bytes:
    payload = fixture("aftership_tracking_update.json")
    msg = payload["msg"]
    msg.update(tag=tag, subtag=subtag)
    msg["checkpoints"][-1].update(tag=tag, subtag=subtag)
    msg.update(tracking)
    return json.dumps(payload).encode()


def easypost_body(status: str = "delivered", detail: str = "arrived_at_destination", **tracker: Any) -> bytes:
    payload = fixture("easypost_tracker_updated.json")
    payload["result"].update(status=status, status_detail=detail, **tracker)
    return json.dumps(payload).encode()


def stripe_body(
    kind: str = "refund.updated", status: str = "succeeded", amount: int = 8990, currency: str = "eur", **refund: Any
) -> bytes:
    payload = fixture("stripe_refund_updated.json")
    payload["type"] = kind
    payload["data"]["object"].update(status=status, amount=amount, currency=currency, **refund)
    return json.dumps(payload).encode()


def aftership_sig(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def easypost_sig(secret: str, body: bytes) -> str:
    key = unicodedata.normalize("NFKD", secret).encode()
    return "hmac-sha256-hex=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def stripe_sig(secret: str, body: bytes, t: int) -> str:
    return f"t={t},v1=" + hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()


def field_updates(items: list[NormalizedUpdate]) -> list[FieldUpdate]:
    return [FieldUpdate.create("partner", item) for item in items]


SIGNED = {  # provider → (fixture file, header name, signer over (secret, body))
    "aftership": ("aftership_tracking_update.json", "aftership-hmac-sha256", aftership_sig),
    "easypost": ("easypost_tracker_updated.json", "X-Hmac-Signature", easypost_sig),
    "stripe": (
        "stripe_refund_updated.json",
        "Stripe-Signature",
        lambda secret, body: stripe_sig(secret, body, int(NOW.timestamp())),
    ),
}


# --- the plugin interface -------------------------------------------------------------------


def test_registry_and_interface():
    assert set(PROVIDERS) == {"aftership", "easypost", "stripe", "ups", "karrio"}
    for name, provider in PROVIDERS.items():
        assert isinstance(provider, WebhookProvider)
        assert provider.name == name and provider.signature_header
        assert get_provider(name.upper()) is provider
    assert PROVIDERS["stripe"].signature_header == "Stripe-Signature"
    with pytest.raises(UnknownProvider) as raised:
        get_provider("fedex")
    assert isinstance(raised.value, KeyError) and "aftership" in raised.value.message


def test_errors_carry_a_message():
    with pytest.raises(SignatureError) as raised:
        aftership.verify({}, b"{}", SECRET, NOW)
    assert raised.value.message == str(raised.value) and "aftership-hmac-sha256" in raised.value.message


@pytest.mark.parametrize("provider", sorted(SIGNED))
def test_every_output_fits_the_update_contract(provider):
    """Exactly FieldUpdate.create's keys, an aware occurred_at, accepted by the API schema too."""
    allowed = set(get_type_hints(NormalizedUpdate))
    assert allowed == {
        "event_id",
        "reference",
        "status",
        "occurred_at",
        "location",
        "address",
        "signed_by",
        "amount",
        "currency",
        "detail",
        "postal_code",
        "city",
        "country",
        "pickup_point_id",
        "handed_to",
        "carrier_code",
        "handoff",
    }
    bodies = [raw(SIGNED[provider][0])] + ([raw("stripe_charge_refunded.json")] if provider == "stripe" else [])
    for body in bodies:
        for item in PROVIDERS[provider].parse(body):
            assert set(item) <= allowed and {"event_id", "reference", "status", "occurred_at"} <= set(item)
            assert item["occurred_at"].utcoffset() is not None
            assert all(value is not None for value in item.values())
            UpdateIn.model_validate(item)
            FieldUpdate.create("partner", item)


# --- signatures -----------------------------------------------------------------------------


@pytest.mark.parametrize("provider", sorted(SIGNED))
def test_good_signature_is_accepted_whatever_the_header_case(provider):
    name, header, signer = SIGNED[provider]
    body = raw(name)
    good = signer(SECRET, body)
    for key in (header, header.lower(), header.upper()):
        PROVIDERS[provider].verify({"Content-Type": "application/json", key: good}, body, SECRET, NOW)
    PROVIDERS[provider].verify({header: f"  {good} "}, body, SECRET, NOW)  # surrounding blanks


@pytest.mark.parametrize("provider", sorted(SIGNED))
def test_missing_or_blank_header_is_refused(provider):
    name, header, signer = SIGNED[provider]
    body = raw(name)
    for headers in (
        {},
        {"Content-Type": "application/json"},
        {header: ""},
        {header: "   "},
        {"X-Other-Signature": signer(SECRET, body)},
    ):
        with pytest.raises(SignatureError, match="missing"):
            PROVIDERS[provider].verify(headers, body, SECRET, NOW)


@pytest.mark.parametrize("provider", sorted(SIGNED))
def test_wrong_signature_is_refused(provider):
    name, header, signer = SIGNED[provider]
    body = raw(name)
    good = signer(SECRET, body)
    attempts = [
        ({header: signer("another-secret", body)}, body, SECRET),  # signed with another secret
        ({header: good}, body + b" ", SECRET),  # body changed after signing
        ({header: good}, body.replace(b"1", b"2", 1), SECRET),
        ({header: good}, body, SECRET + "x"),  # partner's secret differs
        ({header: "garbage"}, body, SECRET),
        ({header: "sïgnature-non-ascii"}, body, SECRET),  # never a TypeError from compare_digest
        ({header: good}, body, ""),  # no secret configured: nothing verifies
    ]
    for headers, sent, secret in attempts:
        with pytest.raises(SignatureError):
            PROVIDERS[provider].verify(headers, sent, secret, NOW)


def test_aftership_signature_is_base64_of_the_raw_body_hmac():
    body = raw("aftership_tracking_update.json")
    hex_digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    with pytest.raises(SignatureError):  # the hex form is not what AfterShip sends
        aftership.verify({"aftership-hmac-sha256": hex_digest}, body, SECRET, NOW)
    reencoded = json.dumps(json.loads(body)).encode()  # same JSON, other bytes: refused
    with pytest.raises(SignatureError):
        aftership.verify({"aftership-hmac-sha256": aftership_sig(SECRET, body)}, reencoded, SECRET, NOW)


def test_easypost_secret_is_nfkd_normalized():
    body = raw("easypost_tracker_updated.json")
    composed, decomposed = "s\u00e9cret", "se\u0301cret"
    assert composed != decomposed and unicodedata.normalize("NFKD", composed) == decomposed
    by_composed, by_decomposed = easypost_sig(composed, body), easypost_sig(decomposed, body)
    assert by_composed == by_decomposed == easypost_signature(composed, body)
    for header in (by_composed, by_decomposed):
        for secret in (composed, decomposed):
            easypost.verify({"X-Hmac-Signature": header}, body, secret, NOW)
    # keyed with the raw (NFC) UTF-8 bytes instead: not EasyPost's scheme
    nfc = "hmac-sha256-hex=" + hmac.new(composed.encode(), body, hashlib.sha256).hexdigest()
    with pytest.raises(SignatureError):
        easypost.verify({"X-Hmac-Signature": nfc}, body, composed, NOW)
    with pytest.raises(SignatureError):
        easypost.verify({"X-Hmac-Signature": "secret"}, body, "s\u00e9cret", NOW)  # the bare secret
    with pytest.raises(SignatureError):  # the hex alone, without its scheme prefix
        easypost.verify({"X-Hmac-Signature": by_composed.split("=", 1)[1]}, body, composed, NOW)


def test_stripe_any_v1_may_match_and_other_schemes_are_ignored():
    body = raw("stripe_refund_updated.json")
    t = int(NOW.timestamp())
    good = stripe_sig(SECRET, body, t).split("v1=")[1]
    stale = stripe_sig("whsec_old", body, t).split("v1=")[1]
    for header in (
        f"t={t},v1={stale},v1={good}",
        f"t={t},v1={good},v1={stale}",
        f"v1={good},t={t}",
        f"t={t},v0={'0' * 64},v1={good},scheme=x",
        f"t={t}, v1={good}",
    ):
        stripe.verify({"Stripe-Signature": header}, body, SECRET, NOW)
    assert sign(SECRET, body, t) == f"t={t},v1={good}"
    for header in (
        f"t={t},v1={stale}",
        f"t={t},v0={good}",
        f"t={t}",
        f"v1={good}",
        f"t=soon,v1={good}",
        f"t={t},v1={good[:-1]}",
        "nonsense",
    ):
        with pytest.raises(SignatureError):
            stripe.verify({"Stripe-Signature": header}, body, SECRET, NOW)


def test_stripe_timestamp_tolerance():
    body = raw("stripe_refund_updated.json")
    t = int(NOW.timestamp())
    stripe.verify({"Stripe-Signature": stripe_sig(SECRET, body, t - 300)}, body, SECRET, NOW)  # just in time
    stripe.verify({"Stripe-Signature": stripe_sig(SECRET, body, t + 60)}, body, SECRET, NOW)  # clock skew
    with pytest.raises(SignatureError, match="timestamp outside tolerance"):
        stripe.verify({"Stripe-Signature": stripe_sig(SECRET, body, t - 301)}, body, SECRET, NOW)
    signed_now = {"Stripe-Signature": stripe_sig(SECRET, body, t)}
    with pytest.raises(SignatureError, match="timestamp outside tolerance"):  # replayed 10 minutes later
        stripe.verify(signed_now, body, SECRET, NOW + timedelta(minutes=10))
    # the timestamp is signed: moving it forward breaks the signature
    forged = signed_now["Stripe-Signature"].replace(f"t={t}", f"t={t + 600}")
    with pytest.raises(SignatureError, match="no v1"):
        stripe.verify({"Stripe-Signature": forged}, body, SECRET, NOW + timedelta(minutes=10))


# --- AfterShip mapping ----------------------------------------------------------------------


def test_aftership_webhook_gives_one_update_per_identifier():
    tracking, order = field_updates(aftership.parse(raw("aftership_tracking_update.json")))
    assert (tracking.event_id, tracking.reference, tracking.status) == ("aftership:as-evt-1", "1Z999", "delivered")
    assert (order.event_id, order.reference, order.status) == ("aftership:as-evt-1:ORDER-7", "ORDER-7", "delivered")
    assert tracking.signed_by == "ROLAND" and tracking.location == "Lomme FR"  # city LOMME already said
    assert tracking.occurred_at == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    assert tracking.detail == "Delivered (Delivered_001)"


@pytest.mark.parametrize(
    "tag,subtag,status",
    [
        ("Pending", "Pending_001", "pre_transit"),
        ("InfoReceived", "InfoReceived_001", "pre_transit"),
        ("InTransit", "InTransit_002", "in_transit"),
        ("OutForDelivery", "OutForDelivery_001", "out_for_delivery"),
        ("AvailableForPickup", "AvailableForPickup_001", "available_for_pickup"),
        ("Delivered", "Delivered_003", "delivered"),
        ("AttemptFail", "AttemptFail_001", "attempt_failed"),
        ("Exception", "Exception_001", "exception"),
        ("Exception", "Exception_004", "customs_hold"),
        ("Exception", "Exception_012", "damaged"),
        ("Exception", "Exception_002", "address_issue"),
        ("Exception", "Exception_003", "refused"),
        ("Exception", "Exception_006", "held_at_depot"),
        ("Exception", "Exception_007", "address_issue"),
        ("Exception", "Exception_008", "exception"),
        ("Exception", "Exception_018", "customs_hold"),
        ("Exception", "Exception_099", "exception"),
        ("Exception", "Exception_010", "returned_to_sender"),
        ("Exception", "Exception_011", "returned_to_sender"),
        ("Exception", "Exception_013", "lost"),
        ("Expired", "Expired_001", "exception"),
        ("AttemptFail", "AttemptFail_003", "attempt_failed"),
        ("Delivered", "Delivered_005", "delivered"),
    ],
)
def test_aftership_statuses(tag, subtag, status):
    updates = aftership.parse(aftership_body(tag, subtag))
    assert {u["status"] for u in updates} == {status} and status in PARCEL_STATUSES


@pytest.mark.parametrize(
    "subtag,handed_to",
    [
        ("Delivered_001", None),
        ("Delivered_002", "pickup_point"),
        ("Delivered_003", "addressee"),
        ("Delivered_004", "addressee"),
        ("Delivered_005", "neighbour"),
    ],
)
def test_aftership_delivered_subtags_say_to_whom(subtag, handed_to):
    update = aftership.parse(aftership_body("Delivered", subtag))[0]
    assert update.get("handed_to") == handed_to and update["carrier_code"] == subtag


def test_aftership_return_to_sender_flag_and_words_win_over_the_subtag():
    flagged = aftership.parse(aftership_body("Delivered", "Delivered_001", return_to_sender=True))[0]
    assert flagged["status"] == "returned_to_sender"
    tracking = json.loads(aftership_body("Exception", "Exception_007"))
    tracking["msg"]["checkpoints"][-1]["message"] = "Returned to sender"
    said = aftership.parse(json.dumps(tracking).encode())[0]
    assert said["status"] == "returned_to_sender" and said["carrier_code"] == "Exception_007"
    tracking["msg"]["checkpoints"][-1]["message"] = "Incorrect address"
    assert aftership.parse(json.dumps(tracking).encode())[0]["status"] == "address_issue"


def test_aftership_delivery_place_fields():
    tracking = json.loads(aftership_body("Delivered", "Delivered_001"))
    tracking["msg"]["checkpoints"][-1].update(city="LOMME", zip="59160", country_iso3="FRA")
    update = aftership.parse(json.dumps(tracking).encode())[0]
    assert (update["city"], update["postal_code"], update["country"]) == ("LOMME", "59160", "FR")
    tracking["msg"].update(tag="InTransit", subtag="InTransit_002")
    transit = aftership.parse(json.dumps(tracking).encode())[0]
    assert transit["country"] == "FR" and "postal_code" not in transit and "city" not in transit


def test_aftership_other_shapes():
    tracking = fixture("aftership_tracking_update.json")["msg"]
    del tracking["order_id"]
    api_shape = json.dumps({"meta": {"code": 200}, "data": {"tracking": tracking}}).encode()
    bare = json.dumps(tracking).encode()
    [from_api], [from_bare] = aftership.parse(api_shape), aftership.parse(bare)
    assert from_api == from_bare and from_api["reference"] == "1Z999"
    # no webhook event id: a stable hash of the tracking, its tag and its latest checkpoint time
    assert from_api["event_id"].startswith("aftership:") and aftership.parse(bare)[0]["event_id"] == from_api["event_id"]
    later = copy.deepcopy(tracking)
    later["checkpoints"].append({"checkpoint_time": "2026-03-02T09:00:00+01:00", "message": "Delivered again"})
    assert aftership.parse(json.dumps(later).encode())[0]["event_id"] != from_api["event_id"]
    other_tag = dict(tracking, tag="Exception", subtag="Exception_013")
    assert aftership.parse(json.dumps(other_tag).encode())[0]["event_id"] != from_api["event_id"]


def test_aftership_latest_checkpoint_is_by_time_and_naive_times_are_utc():
    tracking = fixture("aftership_tracking_update.json")["msg"]
    tracking["checkpoints"] = [
        {
            "checkpoint_time": "2026-03-03T10:00:00",
            "city": "Lille",
            "state": "Nord",
            "country_name": "France",
            "message": "At the post office",
        },  # no offset: read as UTC
        {"checkpoint_time": "2026-03-03T10:30:00+02:00", "location": "Paris", "message": "earlier, listed later"},
    ]
    [update] = aftership.parse(json.dumps(dict(tracking, order_id=None)).encode())
    assert update["occurred_at"] == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    assert update["location"] == "Lille, Nord, France"
    tracking["checkpoints"] = [{"checkpoint_time": "2026-03-04", "message": "date only"}]
    assert aftership.parse(json.dumps(tracking).encode())[0]["occurred_at"] == datetime(2026, 3, 4, tzinfo=UTC)


def test_aftership_without_checkpoints_and_placeholder_signers():
    tracking = fixture("aftership_tracking_update.json")["msg"]
    tracking.update(checkpoints=[], tag="Expired", subtag="Expired_001", signed_by="Signature not required", order_id=None)
    [update] = aftership.parse(json.dumps({"event": "tracking_update", "msg": tracking}).encode())
    assert update["occurred_at"] == datetime(2026, 3, 2, 7, 5, tzinfo=UTC)  # the tracking's updated_at
    assert "signed_by" not in update and "location" not in update and update["status"] == "exception"
    del tracking["updated_at"]
    [update] = aftership.parse(json.dumps({"msg": tracking, "ts": 1772435100}).encode())
    assert update["occurred_at"] == datetime(2026, 3, 2, 7, 5, tzinfo=UTC)  # the webhook's ts


def test_aftership_other_events_track_nothing():
    payload = fixture("aftership_tracking_update.json")
    payload["event"] = "edd_update"
    assert aftership.parse(json.dumps(payload).encode()) == []


# --- EasyPost mapping -----------------------------------------------------------------------


def test_easypost_event_gives_one_update_per_identifier():
    code, shipment = field_updates(easypost.parse(raw("easypost_tracker_updated.json")))
    assert (code.event_id, code.reference, code.status, code.signed_by) == ("easypost:evt_ep1", "EZ1", "delivered", "T Gouritin")
    assert (shipment.event_id, shipment.reference) == ("easypost:evt_ep1:shp_9", "shp_9")
    assert code.location == "LILLE, 59000, FR"
    assert code.occurred_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # the latest tracking detail
    assert code.detail == "Delivered (arrived_at_destination)"


@pytest.mark.parametrize(
    "status,detail,expected",
    [
        ("pre_transit", "label_created", "pre_transit"),
        ("in_transit", "arrived_at_facility", "in_transit"),
        ("out_for_delivery", "out_for_delivery", "out_for_delivery"),
        ("available_for_pickup", "arrived_at_pickup_location", "available_for_pickup"),
        ("delivered", "arrived_at_destination", "delivered"),
        ("return_to_sender", "return", "returned_to_sender"),
        ("failure", "delivery_exception", "attempt_failed"),
        ("failure", "return", "returned_to_sender"),
        ("failure", "lost", "lost"),
        ("failure", "damaged", "damaged"),
        ("failure", "refused", "refused"),
        ("in_transit", "lost", "lost"),
        ("cancelled", "cancelled", "exception"),
        ("error", "unknown", "exception"),
        ("unknown", "unknown", "exception"),
        ("in_transit", "held", "held_at_depot"),
        ("failure", "address_correction", "address_issue"),
        ("in_transit", "incorrect_address", "address_issue"),
        ("in_transit", "weather_delay", "in_transit"),
        ("delivered", "return", "delivered"),
    ],
)
def test_easypost_statuses(status, detail, expected):
    updates = easypost.parse(easypost_body(status, detail))
    assert {u["status"] for u in updates} == {expected} and expected in PARCEL_STATUSES
    assert {u["carrier_code"] for u in updates} == {detail}


def test_easypost_without_details_or_shipment():
    [update] = easypost.parse(easypost_body(shipment_id=None, tracking_details=[], signed_by=None))
    assert update["event_id"] == "easypost:evt_ep1" and update["occurred_at"] == datetime(2026, 3, 2, 10, 0, 30, tzinfo=UTC)
    assert "signed_by" not in update and "location" not in update


def test_easypost_other_events_track_nothing():
    batch = {"id": "evt_b", "object": "Event", "description": "batch.updated", "result": {"id": "batch_1", "object": "Batch"}}
    assert easypost.parse(json.dumps(batch).encode()) == []


# --- Stripe mapping -------------------------------------------------------------------------


def test_stripe_refund_gives_one_update_per_identifier():
    updates = field_updates(stripe.parse(raw("stripe_refund_updated.json")))
    assert [(u.reference, u.event_id) for u in updates] == [
        ("ch_1", "stripe:evt_st1"),
        ("pi_1", "stripe:evt_st1:pi_1"),
        ("re_1", "stripe:evt_st1:re_1"),
    ]
    assert {(u.status, str(u.amount), u.currency) for u in updates} == {("refund_succeeded", "89.90", "EUR")}
    assert {u.occurred_at for u in updates} == {datetime(2026, 3, 2, 9, 0, tzinfo=UTC)}  # the event's created


@pytest.mark.parametrize(
    "kind,status,expected",
    [
        ("refund.updated", "succeeded", "refund_succeeded"),
        ("refund.created", "pending", "refund_pending"),
        ("refund.updated", "requires_action", "refund_pending"),
        ("refund.updated", "failed", "refund_failed"),
        ("refund.failed", "failed", "refund_failed"),
        ("refund.updated", "canceled", "refund_canceled"),
        ("charge.refund.updated", "canceled", "refund_canceled"),
        ("charge.refund.updated", "succeeded", "refund_succeeded"),
    ],
)
def test_stripe_statuses(kind, status, expected):
    updates = stripe.parse(stripe_body(kind, status))
    assert {u["status"] for u in updates} == {expected} and expected in REFUND_STATUSES
    assert {u["carrier_code"] for u in updates} == {status}  # Stripe's own status kept as evidence


def test_stripe_failure_reason_in_detail():
    [charge, *_] = stripe.parse(stripe_body("refund.failed", "failed", failure_reason="expired_or_canceled_card"))
    assert charge["status"] == "refund_failed"
    assert "failure_reason: expired_or_canceled_card" in charge["detail"] and "re_1" in charge["detail"]
    assert charge["carrier_code"] == "failed:expired_or_canceled_card"
    assert "failure_reason" not in stripe.parse(stripe_body())[0]["detail"]


def test_stripe_charge_refunded_with_listed_refunds_in_a_zero_decimal_currency():
    updates = field_updates(stripe.parse(raw("stripe_charge_refunded.json")))
    assert [(u.reference, u.event_id, str(u.amount)) for u in updates] == [
        ("ch_2", "stripe:evt_st2", "3000"),  # the total refunded on the charge
        ("pi_2", "stripe:evt_st2:pi_2", "3000"),
        ("re_b", "stripe:evt_st2:re_b", "2000"),
        ("re_a", "stripe:evt_st2:re_a", "1000"),
    ]
    assert {(u.status, u.currency) for u in updates} == {("refund_succeeded", "JPY")}
    assert updates[0].detail == "charge.refunded; refund re_b"  # the latest refund


def test_stripe_charge_refunded_with_a_pending_latest_refund():
    payload = fixture("stripe_charge_refunded.json")
    payload["data"]["object"]["refunds"]["data"][0]["status"] = "pending"  # re_b, the latest
    updates = stripe.parse(json.dumps(payload).encode())
    assert [(u["reference"], u["status"], u["amount"]) for u in updates] == [
        ("ch_2", "refund_pending", "2000"),
        ("pi_2", "refund_pending", "2000"),
        ("re_b", "refund_pending", "2000"),
        ("re_a", "refund_succeeded", "1000"),
    ]


def test_stripe_charge_refunded_without_a_refund_list():
    payload = fixture("stripe_charge_refunded.json")
    charge = payload["data"]["object"]
    del charge["refunds"], charge["payment_intent"]
    charge.update(currency="kwd", amount_refunded=1234)
    [update] = stripe.parse(json.dumps(payload).encode())
    assert (update["reference"], update["event_id"], update["status"], update["amount"], update["currency"]) == (
        "ch_2",
        "stripe:evt_st2",
        "refund_succeeded",
        "1.234",
        "KWD",
    )


def test_stripe_expanded_and_missing_identifiers():
    updates = stripe.parse(stripe_body(charge={"id": "ch_x", "object": "charge"}, payment_intent=None))
    assert [(u["reference"], u["event_id"]) for u in updates] == [("ch_x", "stripe:evt_st1"), ("re_1", "stripe:evt_st1:re_1")]
    [alone] = stripe.parse(stripe_body(charge=None, payment_intent=None))
    assert (alone["reference"], alone["event_id"]) == ("re_1", "stripe:evt_st1")


@pytest.mark.parametrize(
    "amount,currency,expected",
    [
        (8990, "eur", "89.90"),
        (8990, "EUR", "89.90"),
        (5, "usd", "0.05"),
        (0, "usd", "0.00"),
        (500, "JPY", "500"),
        (500, "jpy", "500"),
        (12345, "krw", "12345"),
        (990, "xof", "990"),
        (1234, "kwd", "1.234"),
        (1000, "bhd", "1.000"),
        (100000, "isk", "1000.00"),
        (123456789012, "usd", "1234567890.12"),
    ],
)
def test_minor_units(amount, currency, expected):
    assert from_minor_units(amount, currency) == expected
    [update, *_] = stripe.parse(stripe_body(amount=amount, currency=currency))
    assert update["amount"] == expected and update["currency"] == currency.upper()


def test_stripe_other_events_track_nothing():
    for kind in ("customer.created", "charge.succeeded", "payment_intent.succeeded", "charge.dispute.created"):
        assert stripe.parse(stripe_body(kind)) == []


# --- malformed payloads ---------------------------------------------------------------------

NOT_AN_OBJECT = [b"", b"not json", b"\xff\xfe{}", b"[1, 2]", b'"text"', b"42", b"null", b"[" * 100_000]


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
@pytest.mark.parametrize("body", NOT_AN_OBJECT + [b"{}"], ids=lambda b: repr(b[:12]))
def test_malformed_bodies(provider, body):
    with pytest.raises(PayloadError):
        PROVIDERS[provider].parse(body)


def _aftership(*edits) -> bytes:
    payload = fixture("aftership_tracking_update.json")
    for edit in edits:
        edit(payload)
    return json.dumps(payload).encode()


def _easypost(*edits) -> bytes:
    payload = fixture("easypost_tracker_updated.json")
    for edit in edits:
        edit(payload)
    return json.dumps(payload).encode()


def _without(payload: dict[str, Any], *path_keys: str, **updates: Any) -> None:
    """Set `updates` on the object at `path_keys`, then delete the keys whose value is ...,
    e.g. _without(p, "msg", checkpoints=[], updated_at=...)."""
    target = payload
    for key in path_keys:
        target = target[key]
    for key, value in updates.items():
        if value is ...:
            target.pop(key, None)
        else:
            target[key] = value


def _stripe(edit, name="stripe_refund_updated.json") -> bytes:
    payload = fixture(name)
    edit(payload)
    return json.dumps(payload).encode()


MALFORMED = {
    "aftership": [
        b'{"msg": {"tag": "Teleported"}}',
        _aftership(lambda p: p.update(msg="not an object")),
        _aftership(lambda p: p["msg"].pop("tracking_number")),
        _aftership(lambda p: p["msg"].update(tracking_number="   ")),
        _aftership(lambda p: p["msg"].update(tag="Teleported")),
        _aftership(lambda p: p["msg"].pop("tag")),
        _aftership(lambda p: p["msg"].update(checkpoints="none")),
        _aftership(lambda p: p["msg"]["checkpoints"][-1].update(checkpoint_time="yesterday")),
        _aftership(lambda p: p["msg"]["checkpoints"][-1].update(checkpoint_time="1900-01-01T00:00:00Z")),
        _aftership(lambda p: _without(p, "msg", checkpoints=[], updated_at=...), lambda p: _without(p, ts=...)),
        _aftership(lambda p: p["msg"].update(tracking_number="x" * 201)),
        b'{"data": {"tracking": null}}',
    ],
    "easypost": [
        _easypost(lambda p: p.pop("id")),
        _easypost(lambda p: p.update(id="")),
        _easypost(lambda p: p.update(object="Shipment")),
        _easypost(lambda p: p.pop("result")),
        _easypost(lambda p: p["result"].pop("tracking_code")),
        _easypost(lambda p: p["result"].update(status="teleported")),
        _easypost(lambda p: p["result"].pop("status")),
        _easypost(lambda p: p["result"].update(tracking_details={"datetime": "2026-03-02T10:00:00Z"})),
        _easypost(lambda p: p["result"]["tracking_details"][-1].update(datetime="not a date")),
        _easypost(
            lambda p: _without(p, "result", tracking_details=[], updated_at=...),
            lambda p: _without(p, updated_at=..., created_at=...),
        ),
    ],
    "stripe": [
        _stripe(lambda p: p.pop("id")),
        _stripe(lambda p: p.pop("type")),
        _stripe(lambda p: p.pop("data")),
        _stripe(lambda p: p["data"].update(object=[])),
        _stripe(lambda p: p.pop("created")),
        _stripe(lambda p: p.update(created="1772442000")),
        _stripe(lambda p: p["data"]["object"].pop("id")),
        _stripe(lambda p: p["data"]["object"].update(status="teleported")),
        _stripe(lambda p: p["data"]["object"].update(amount="89.90")),
        _stripe(lambda p: p["data"]["object"].update(amount=89.9)),
        _stripe(lambda p: p["data"]["object"].update(amount=-1)),
        _stripe(lambda p: p["data"]["object"].update(amount=True)),
        _stripe(lambda p: p["data"]["object"].pop("currency")),
        _stripe(lambda p: p["data"]["object"].update(currency="euro")),
        _stripe(lambda p: p["data"]["object"].update(object="charge")),
        _stripe(lambda p: p["data"]["object"].update(charge=None, payment_intent=None, id=None)),
        _stripe(lambda p: _without(p, "data", "object", refunds=..., amount_refunded=0), "stripe_charge_refunded.json"),
        _stripe(lambda p: _without(p, "data", "object", refunds=..., amount_refunded=...), "stripe_charge_refunded.json"),
        _stripe(lambda p: p["data"]["object"].update(refunds="none"), "stripe_charge_refunded.json"),
        _stripe(lambda p: p["data"]["object"].pop("id"), "stripe_charge_refunded.json"),
    ],
}


@pytest.mark.parametrize(
    "provider,body", [(p, b) for p, bodies in MALFORMED.items() for b in bodies], ids=lambda v: v if isinstance(v, str) else ""
)
def test_missing_or_bad_fields(provider, body):
    with pytest.raises(PayloadError) as raised:
        PROVIDERS[provider].parse(body)
    assert raised.value.message


def test_easypost_delivery_place_fields_only_on_delivery():
    payload = json.loads(easypost_body("delivered", "arrived_at_destination"))
    details = payload["result"]["tracking_details"]
    details[-1]["tracking_location"] = {"city": "LYON", "state": None, "zip": "69003", "country": "FR"}
    delivered = easypost.parse(json.dumps(payload).encode())[0]
    assert (delivered["city"], delivered["postal_code"], delivered["country"]) == ("LYON", "69003", "FR")
    payload["result"]["status"] = "in_transit"
    transit = easypost.parse(json.dumps(payload).encode())[0]
    assert transit["country"] == "FR" and "postal_code" not in transit and "city" not in transit
