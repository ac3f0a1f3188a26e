"""DHL Shipment Tracking – Unified adapter against DHL's recorded sample answer (karrio's test
data) and variations of it built from the same structure."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from integrations.carriers.dhl import DHL
from integrations.carriers.pull import CarrierAuthError, CarrierRateLimited, CarrierUnavailable, TrackingNotFound
from integrations.webhooks.base import PayloadError
from tests.unit.carrier_helpers import as_field_updates, carrier_server, fixture, fixture_json, poll

dhl = DHL()
RECORDED = "dhl/7777777770.json"


def answer(*events: dict, proof: dict | None = None) -> bytes:
    data = fixture_json(RECORDED)
    shipment = data["shipments"][0]
    shipment["events"] = list(events)
    if proof is not None:
        shipment["details"]["proofOfDelivery"] = proof
    return json.dumps(data).encode()


def event(
    status_code: str,
    description: str = "",
    *,
    status: str = "",
    timestamp: str = "2023-05-02T10:15:00+02:00",
    locality: str = "Bonn",
    postal: str = "53113",
    country: str = "DE",
    remark: str | None = None,
) -> dict:
    item = {
        "timestamp": timestamp,
        "statusCode": status_code,
        "status": status,
        "description": description,
        "location": {"address": {"addressLocality": locality, "postalCode": postal, "countryCode": country}},
    }
    if remark:
        item["remark"] = remark
    return item


def test_recorded_answer_parses():
    updates = dhl.parse_tracking("7777777770", 200, fixture(RECORDED))
    as_field_updates(updates)
    [update] = updates
    # DHL's sample pairs statusCode "pre-transit" with the text "DELIVERED": statusCode wins.
    assert update["status"] == "pre_transit" and update["carrier_code"] == "pre-transit"
    assert update["reference"] == "7777777770" and update["country"] == "NL"
    assert update["location"] == "Oderweg 2, AMSTERDAM" and "postal_code" not in update  # not a delivery
    # "2018-03-02T07:53:47" has no offset: Amsterdam time, the scan's country
    assert update["occurred_at"] == datetime(2018, 3, 2, 6, 53, 47, tzinfo=UTC)


@pytest.mark.parametrize(
    "status_code,words,status",
    [
        ("pre-transit", "The instruction data for this shipment have been provided by the sender", "pre_transit"),
        ("transit", "The shipment has been processed in the parcel center", "in_transit"),
        ("transit", "The shipment has been loaded onto the delivery vehicle", "out_for_delivery"),
        ("transit", "With delivery courier", "out_for_delivery"),
        ("transit", "The shipment is ready for pick-up at the PACKSTATION", "available_for_pickup"),
        ("transit", "The shipment is on hold pending completion of customs inspection", "customs_hold"),
        ("transit", "Customs clearance status updated", "in_transit"),
        ("transit", "The shipment is being returned to the sender", "returned_to_sender"),  # as AfterShip Exception_010
        ("transit", "The shipment has been returned to the sender", "returned_to_sender"),
        ("delivered", "The shipment has been successfully delivered", "delivered"),
        ("delivered", "The shipment has been delivered back to the sender", "returned_to_sender"),
        ("failure", "The recipient was not present", "attempt_failed"),
        ("failure", "The recipient has refused to accept the shipment", "refused"),
        ("failure", "The address is incorrect. The shipment cannot be delivered", "address_issue"),
        ("failure", "The shipment is damaged", "damaged"),
        ("failure", "Held by customs: duties unpaid", "customs_hold"),
        ("failure", "The shipment was lost", "lost"),
    ],
)
def test_status_codes_map_as_documented(status_code, words, status):
    [update] = dhl.parse_tracking("X", 200, answer(event(status_code, words)))
    assert update["status"] == status and update["carrier_code"] == status_code


def test_an_unknown_status_is_left_out_not_guessed():
    updates = dhl.parse_tracking("X", 200, answer(event("unknown", "Status unknown"), event("transit", "x")))
    assert [u["status"] for u in updates] == ["in_transit"]


def test_delivery_place_signer_and_person():
    proof = {
        "timestamp": "2023-05-02T10:15:00+02:00",
        "signed": {"@type": "Person", "givenName": "Anna", "familyName": "Kraemer", "name": "Anna"},
    }
    body = answer(
        event("delivered", "The shipment has been delivered to the recipient's neighbour"),
        event(
            "transit",
            "The shipment has been processed in the destination parcel center",
            timestamp="2023-05-02T03:32:00+02:00",
            locality="Neuwied",
            postal="56566",
        ),
        proof=proof,
    )
    transit, delivered = dhl.parse_tracking("X", 200, body)
    assert delivered["signed_by"] == "Anna Kraemer" and delivered["handed_to"] == "neighbour"
    assert delivered["postal_code"] == "53113" and delivered["location"] == "Bonn" and delivered["country"] == "DE"
    assert "postal_code" not in transit and "signed_by" not in transit and transit["location"] == "Neuwied"


@pytest.mark.parametrize(
    "words,handed_to",
    [
        ("Delivered - different person present", "other"),
        ("The shipment has been delivered to the PACKSTATION", "pickup_point"),
        ("The shipment has been delivered to the recipient's parcel box", "mailbox"),
        ("The shipment has been delivered", None),
    ],
)
def test_to_whom_from_the_words(words, handed_to):
    [update] = dhl.parse_tracking("X", 200, answer(event("delivered", words)))
    assert update.get("handed_to") == handed_to


def test_a_junk_signer_is_no_signer():
    proof = {"signed": {"name": "00:00:00"}}
    [update] = dhl.parse_tracking("X", 200, answer(event("delivered", "Delivered"), proof=proof))
    assert "signed_by" not in update


@pytest.mark.parametrize(
    "timestamp,country,offset",
    [
        ("2023-01-10T10:00:00", "DE", timedelta(hours=1)),
        ("2023-07-10T10:00:00", "IT", timedelta(hours=2)),
        ("2023-07-10T10:00:00", "XX", timedelta(0)),
        ("2023-07-10T10:00:00Z", "DE", timedelta(0)),
    ],
)
def test_naive_times_read_in_the_scan_country(timestamp, country, offset):
    [update] = dhl.parse_tracking("X", 200, answer(event("transit", "x", timestamp=timestamp, country=country)))
    assert update["occurred_at"].utcoffset() == offset


def test_event_ids_stable_across_polls_and_unique():
    body = answer(
        event("transit", "a", timestamp="2023-05-02T10:15:00+02:00"),
        event("transit", "b", timestamp="2023-05-02T10:15:00+02:00"),
        event("pre-transit", "c", timestamp="2023-05-01T10:15:00+02:00"),
    )
    first, second = dhl.parse_tracking("X", 200, body), dhl.parse_tracking("X", 200, body)
    assert [u["event_id"] for u in first] == [u["event_id"] for u in second]
    assert len({u["event_id"] for u in first}) == 3
    assert first[0]["event_id"].startswith("dhl:7777777770:pre-transit:20230501T081500Z")


def server(status: int, body: bytes) -> httpx.Client:
    def answer_(request: httpx.Request) -> httpx.Response:
        if request.headers.get("DHL-API-Key") != "key":
            return httpx.Response(401, json={"status": 401, "title": "Unauthorized", "detail": "Invalid API key"})
        if request.url.params.get("trackingNumber") != "7777777770":
            return httpx.Response(404, content=fixture("dhl/error-404-not-found.json"))
        return httpx.Response(status, content=body)

    return carrier_server({("GET", "/track/shipments"): answer_})


def test_polled_at_the_real_path():
    client = server(200, fixture(RECORDED))
    [update] = poll(client, dhl, "https://api-eu.dhl.com", "7777777770", {"api_key": "key"})
    assert update["reference"] == "7777777770"
    with pytest.raises(TrackingNotFound, match="No shipment"):
        poll(client, dhl, "https://api-eu.dhl.com", "000", {"api_key": "key"})
    with pytest.raises(CarrierAuthError):
        poll(client, dhl, "https://api-eu.dhl.com", "7777777770", {"api_key": "bad"})


@pytest.mark.parametrize(
    "status,body,error",
    [
        (404, fixture("dhl/error-404-not-found.json"), TrackingNotFound),
        (429, b'{"status": 429, "title": "Too many requests"}', CarrierRateLimited),
        (500, b"", CarrierUnavailable),
        (502, b"<html>Bad gateway</html>", CarrierUnavailable),
        (200, b"not json", PayloadError),
        (200, b'{"shipments": {}}', PayloadError),
        (200, b"[]", PayloadError),
        (200, b'{"shipments": [{"id": "1", "events": [{"statusCode": "transit"}]}]}', PayloadError),
    ],
)
def test_errors(status, body, error):
    with pytest.raises(error):
        poll(server(status, body), dhl, "https://api-eu.dhl.com", "7777777770", {"api_key": "key"})
