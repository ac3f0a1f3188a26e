"""karrio adapter (tracker API and `tracker.*` webhooks) against the trackers karrio makes of
real recorded carrier answers: Chronopost, DPD, DHL Express, DHL Parcel DE, La Poste."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from integrations.carriers.karrio import Karrio, map_status
from integrations.carriers.pull import CarrierAuthError, CarrierRateLimited, CarrierUnavailable, TrackingNotFound
from integrations.webhooks.base import PayloadError, SignatureError
from integrations.webhooks.registry import PROVIDERS
from tests.unit.carrier_helpers import FIXTURES, as_field_updates, carrier_server, fixture, fixture_json, poll

karrio = Karrio()
TRACKERS = sorted(p.name for p in (FIXTURES / "karrio").glob("*.json"))
NOW = datetime(2024, 1, 1, tzinfo=UTC)


def parse(name: str) -> list:
    return karrio.parse_tracking("ignored", 200, fixture(f"karrio/{name}"))


@pytest.mark.parametrize("name", TRACKERS)
def test_every_recorded_tracker_parses_into_valid_updates(name):
    updates = parse(name)
    assert updates and len(as_field_updates(updates)) == len(fixture_json(f"karrio/{name}")["events"])
    assert [u["occurred_at"] for u in updates] == sorted(u["occurred_at"] for u in updates)
    assert len({u["event_id"] for u in updates}) == len(updates)
    assert [u["event_id"] for u in updates] == [u["event_id"] for u in parse(name)]  # stable across polls


def test_chronopost_delivered_at_the_depot_carries_no_postal_code():
    updates = parse("chronopost-89108749065090.json")
    delivered = updates[-1]
    assert delivered["status"] == "delivered" and delivered["carrier_code"] == "D"
    assert delivered["location"] == "ARRAS CHRONOPOST" and "postal_code" not in delivered
    assert delivered["occurred_at"] == datetime(2022, 6, 22, 6, 30, tzinfo=UTC)  # 08:30 Paris, CEST
    assert [u["status"] for u in updates][:1] == ["pre_transit"] and updates[-2]["status"] == "out_for_delivery"


def test_dpd_parcelshop_is_a_pickup_in_belgium_and_returning_is_held():
    updates = parse("dpd-05308801410058.json")
    by_code = {u["carrier_code"]: u for u in updates}
    assert by_code["ParcelShop"]["status"] == "available_for_pickup" and by_code["ParcelShop"]["country"] == "BE"
    assert by_code["ReturningFromDelivery"]["status"] == "held_at_depot"
    assert by_code["DeliveryFailure"]["status"] == "attempt_failed"
    # two DeliveryFailure scans at the same second in two depots: two events
    assert sum(u["carrier_code"] == "DeliveryFailure" for u in updates) == 2
    # DPD's "5:11:26 PM" is 17:11 Brussels time (karrio's own test output drops the PM)
    assert updates[-1]["occurred_at"] == datetime(2021, 8, 19, 15, 11, 26, tzinfo=UTC)


def test_dhl_express_signer_is_read_from_the_delivery_description():
    delivered = parse("dhl_express-3180831640.json")[-1]
    assert delivered["status"] == "delivered" and delivered["signed_by"] == "CAMPAGNA"
    assert delivered["location"] == "Milan - Italy" and delivered["country"] == "IT"
    assert delivered["occurred_at"].utcoffset() == timedelta(hours=2)  # Rome, summer


def test_dhl_express_junk_description_is_no_signer():
    # "21.20" is what DHL Express writes where a name should be on some scans
    updates = parse("dhl_express-1815115363.json")
    assert all("signed_by" not in u for u in updates)


def test_dhl_parcel_de_different_person_present_is_handed_to_other_not_a_signer():
    delivered = parse("dhl_parcel_de-00340434161094015902.json")[-1]
    assert delivered["status"] == "delivered" and delivered["handed_to"] == "other"
    assert "signed_by" not in delivered and delivered["country"] == "DE" and delivered["location"] == "Bonn, Germany"
    assert delivered["occurred_at"] == datetime(2016, 3, 18, 9, 2, tzinfo=UTC)  # 10:02 Berlin


def test_la_poste_codes_through_karrio_use_la_postes_table():
    updates = parse("laposte-EW112720413FR.json")
    assert [u["status"] for u in updates] == ["pre_transit"] + ["in_transit"] * 6 + ["out_for_delivery", "delivered"]


@pytest.mark.parametrize(
    "status,reason,expected",
    [
        ("pending", None, "pre_transit"),
        ("picked_up", None, "in_transit"),
        ("in_transit", None, "in_transit"),
        ("out_for_delivery", None, "out_for_delivery"),
        ("ready_for_pickup", None, "available_for_pickup"),
        ("delivered", None, "delivered"),
        ("return_to_sender", None, "returned_to_sender"),
        ("delivery_delayed", None, "exception"),
        ("cancelled", None, "exception"),
        ("delivery_failed", None, "attempt_failed"),
        ("delivery_failed", "consignee_refused", "refused"),
        ("delivery_failed", "consignee_incorrect_address", "address_issue"),
        ("delivery_failed", "carrier_damaged_parcel", "damaged"),
        ("delivery_failed", "carrier_parcel_lost", "lost"),
        ("delivery_failed", "customs_duties_unpaid", "customs_hold"),
        ("on_hold", None, "held_at_depot"),
        ("on_hold", "customs_inspection", "customs_hold"),
        ("unknown", None, None),
        ("nonsense", None, None),
    ],
)
def test_karrio_statuses_map_as_documented(status, reason, expected):
    assert map_status(status, reason) == expected


def tracker(*events: dict, carrier: str = "dpd", status: str = "in_transit", signed_by: str | None = None) -> dict:
    return {
        "tracking_number": "T1",
        "carrier_name": carrier,
        "status": status,
        "events": list(events),
        "info": {"signed_by": signed_by} if signed_by else {},
    }


def test_an_event_without_status_is_progress_unless_it_is_the_latest():
    body = json.dumps(
        tracker(
            {"date": "2024-01-02", "time": "10:00 AM", "code": "X1", "description": "scan"},
            {"date": "2024-01-01", "time": "09:00 AM", "code": "X0", "description": "scan"},
            carrier="other",
            status="delivered",
        )
    ).encode()
    first, latest = karrio.parse_tracking("T1", 200, body)
    assert first["status"] == "in_transit" and latest["status"] == "delivered"
    assert latest["occurred_at"] == datetime(2024, 1, 2, 10, tzinfo=UTC)  # unknown carrier, no country: UTC


def test_request_paths():
    with_carrier = karrio.tracking_request("https://karrio.local/", "05308801410058", {"api_key": "key_1", "carrier_name": "dpd"})
    assert with_carrier.url.path == "/v1/trackers/dpd/05308801410058"
    assert with_carrier.headers["Authorization"] == "Token key_1"
    prefixed = karrio.tracking_request("https://karrio.local", "chronopost:891087", {"api_key": "k"})
    assert prefixed.url.path == "/v1/trackers/chronopost/891087"
    bare = karrio.tracking_request("https://karrio.local", "891087", {"api_key": "k"})
    assert bare.url.path == "/v1/trackers/891087"


def server(status: int, body: bytes) -> httpx.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != "Token key_1":
            return httpx.Response(401, json={"errors": [{"code": "authentication_failed", "message": "Invalid token."}]})
        return httpx.Response(status, content=body)

    return carrier_server({("GET", "/v1/trackers/dpd/05308801410058"): answer})


def test_polled_at_the_real_path():
    client = server(200, fixture("karrio/dpd-05308801410058.json"))
    updates = poll(client, karrio, "https://karrio.local", "05308801410058", {"api_key": "key_1", "carrier_name": "dpd"})
    assert updates[0]["reference"] == "05308801410058"
    with pytest.raises(CarrierAuthError):
        poll(client, karrio, "https://karrio.local", "05308801410058", {"api_key": "bad", "carrier_name": "dpd"})


@pytest.mark.parametrize(
    "status,body,error",
    [
        (404, b'{"errors": [{"code": "not_found", "message": "Not Found"}]}', TrackingNotFound),
        (
            424,
            b'{"messages": [{"carrier_name": "dhl_universal", "code": "404", '
            b'"message": "No shipment with given tracking number found."}]}',
            TrackingNotFound,
        ),
        (424, b'{"messages": [{"carrier_name": "dpd", "code": "1", "message": "System Error"}]}', CarrierUnavailable),
        (429, b'{"detail": "Request was throttled."}', CarrierRateLimited),
        (500, b"", CarrierUnavailable),
        (200, b"<html/>", PayloadError),
        (200, b'{"tracking_number": "T", "events": {}}', PayloadError),
        (200, b'{"tracking_number": "T", "events": [{"code": "x"}]}', PayloadError),
    ],
)
def test_errors(status, body, error):
    with pytest.raises(error):
        poll(server(status, body), karrio, "https://karrio.local", "05308801410058", {"api_key": "key_1", "carrier_name": "dpd"})


# --- webhooks ---------------------------------------------------------------------------------


def webhook(event: str = "tracker.updated", name: str = "dpd-05308801410058.json") -> bytes:
    return json.dumps({"event": event, "data": fixture_json(f"karrio/{name}")}).encode()


def test_webhook_is_registered_and_gives_the_same_ids_as_a_poll():
    assert PROVIDERS["karrio"] is not None
    pushed = karrio.parse(webhook())
    polled = parse("dpd-05308801410058.json")
    assert [u["event_id"] for u in pushed] == [u["event_id"] for u in polled]
    assert karrio.parse(webhook("tracker.created")) and karrio.parse(webhook("shipment.purchased")) == []


def test_webhook_secret_is_checked_in_the_x_event_id_header():
    karrio.verify({"X-Event-Id": "whsec_1"}, b"{}", "whsec_1", NOW)
    karrio.verify({"x-event-id": "whsec_1"}, b"{}", "whsec_1", NOW)
    for headers in ({}, {"X-Event-Id": "other"}, {"X-Event-Id": ""}):
        with pytest.raises(SignatureError):
            karrio.verify(headers, b"{}", "whsec_1", NOW)
    with pytest.raises(SignatureError):
        karrio.verify({"X-Event-Id": "x"}, b"{}", "", NOW)


@pytest.mark.parametrize("body", [b"[]", b"{}", b'{"event": "tracker.updated"}', b'{"event": "tracker.updated", "data": []}'])
def test_webhook_malformed(body):
    with pytest.raises(PayloadError):
        karrio.parse(body)
