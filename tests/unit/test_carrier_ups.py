"""UPS Track API (OAuth, pull) and Track Alert (push) against UPS's recorded samples: the Track
API answer and errors from karrio's tests, the Track Alert events of UPS's own specification."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

from integrations.carriers.pull import CarrierAuthError, CarrierRateLimited, CarrierUnavailable, TrackingNotFound
from integrations.carriers.ups import UPS, classify
from integrations.webhooks.base import PayloadError, SignatureError
from integrations.webhooks.registry import PROVIDERS
from tests.unit.carrier_helpers import as_field_updates, carrier_server, fixture, fixture_json, poll

ups = UPS()
RECORDED = "ups/track-details.json"
NOW = datetime(2024, 4, 23, 14, 0, tzinfo=UTC)


def answer(*activities: dict, delivery: dict | None = None) -> bytes:
    data = fixture_json(RECORDED)
    package = data["trackResponse"]["shipment"][0]["package"][0]
    package["activity"] = list(activities)
    package["trackingNumber"] = "1ZTEST"
    if delivery is not None:
        package["deliveryInformation"] = delivery
    return json.dumps(data).encode()


def activity(
    kind: str,
    code: str,
    status_code: str,
    description: str = "",
    *,
    date: str = "20240423",
    time: str = "095004",
    gmt: tuple[str, str] | None = ("20240423", "135004"),
    city: str = "CHARLOTTE",
    postal: str = "28209",
    country: str = "US",
) -> dict:
    item: dict = {
        "date": date,
        "time": time,
        "location": {"address": {"city": city, "stateProvince": "NC", "postalCode": postal, "countryCode": country}},
        "status": {"type": kind, "code": code, "statusCode": status_code, "description": description},
    }
    if gmt:
        item.update(gmtDate=gmt[0], gmtTime=gmt[1], gmtOffset="-04:00")
    return item


def test_recorded_answer_parses():
    updates = ups.parse_tracking("1Z023E2X0214323462", 200, fixture(RECORDED))
    as_field_updates(updates)
    [update] = updates
    # an exception-type activity whose text says the customs released it: progress, not a hold
    assert update["status"] == "in_transit" and update["carrier_code"] == "SR"
    assert update["reference"] == "1Z023E2X0214323462"  # the sample's package number is "string"
    assert update["country"] == "US" and update["location"] == "Wayne, NJ, 07470, US"


@pytest.mark.parametrize(
    "kind,status_code,description,status",
    [
        ("M", "003", "Shipper created a label", "pre_transit"),
        ("P", "038", "Picked up", "in_transit"),
        ("I", "005", "On the Way", "in_transit"),
        ("I", "021", "Out for Delivery", "out_for_delivery"),
        ("I", "072", "Loaded on Delivery Vehicle", "out_for_delivery"),
        ("D", "011", "Delivered", "delivered"),
        ("D", "161", "Delivered to UPS Access Point", "delivered"),
        ("I", "161", "Delivered to UPS Access Point", "available_for_pickup"),
        ("X", "017", "Held for Customer Pickup", "available_for_pickup"),
        ("X", "016", "In Warehouse", "held_at_depot"),
        ("X", "022", "First Attempt Made", "attempt_failed"),
        ("X", "050", "Address Information Required", "address_issue"),
        ("X", "027", "Delivery Address Change Requested", "address_issue"),
        ("X", "058", "Clearance Information Required", "customs_hold"),
        ("X", "126", "Pending Government Agency Release", "customs_hold"),
        ("X", "059", "Damage Reported", "damaged"),
        ("X", "064", "Delivery Refused", "refused"),
        ("X", "034", "Returned to Sender", "returned_to_sender"),
        ("RS", "", "Returned to shipper", "returned_to_sender"),
        ("X", "068", "Sent to Lost and Found", "lost"),
        ("X", "046", "Delay", "exception"),
        ("X", "", "The receiver refused the delivery", "refused"),
        ("X", "", "The address is incomplete", "address_issue"),
        ("X", "", "Package damaged", "damaged"),
        ("X", "", "Your package is pending release from the customs agency", "customs_hold"),
        ("X", "", "Severe weather", "exception"),
        ("MV", "007", "Shipment Information Voided", "exception"),
    ],
)
def test_codes_map_as_documented(kind, status_code, description, status):
    [update] = ups.parse_tracking("X", 200, answer(activity(kind, "ZZ", status_code, description)))
    assert update["status"] == status


@pytest.mark.parametrize("kind,status_code", [("U", "154"), ("NA", ""), ("I", "155")])
def test_updates_that_say_nothing_about_the_parcel_are_left_out(kind, status_code):
    assert classify(kind, status_code, "Updated Delivery Date") is None
    assert ups.parse_tracking("X", 200, answer(activity(kind, "UP", status_code))) == []


@pytest.mark.parametrize(
    "location,handed_to",
    [
        ("Front Door", "safe_place"),
        ("Porch", "safe_place"),
        ("Neighbor", "neighbour"),
        ("Reception", "reception"),
        ("Management Office", "reception"),
        ("Mailbox", "mailbox"),
        ("Locker", "pickup_point"),
        ("Met Customer", "addressee"),
        ("DEL", None),
    ],
)
def test_delivery_location_gives_to_whom(location, handed_to):
    body = answer(activity("D", "FS", "011", "Delivered"), delivery={"location": location, "receivedBy": "MILLER"})
    [update] = ups.parse_tracking("X", 200, body)
    assert update.get("handed_to") == handed_to and update["signed_by"] == "MILLER"
    assert update["postal_code"] == "28209" and update["city"] == "CHARLOTTE" and update["country"] == "US"


def test_delivered_to_an_access_point_is_handed_to_a_pickup_point():
    [update] = ups.parse_tracking("X", 200, answer(activity("D", "2Q", "161", "Delivered to UPS Access Point")))
    assert update["status"] == "delivered" and update["handed_to"] == "pickup_point"


def test_a_numeric_received_by_is_no_signer_and_transit_scans_carry_no_postal_code():
    body = answer(
        activity("D", "FS", "011", "Delivered"),
        activity("I", "AR", "005", "Arrived", time="031500", gmt=("20240423", "071500")),
        delivery={"location": "DEL", "receivedBy": "163000"},
    )
    transit, delivered = ups.parse_tracking("X", 200, body)
    assert "signed_by" not in delivered
    assert "postal_code" not in transit and "signed_by" not in transit


def test_times_gmt_first_then_local_with_offset_then_utc():
    gmt = ups.parse_tracking("X", 200, answer(activity("I", "AR", "005")))[0]
    assert gmt["occurred_at"] == datetime(2024, 4, 23, 13, 50, 4, tzinfo=UTC)
    local = activity("I", "AR", "005", gmt=None)
    local["gmtOffset"] = "-04:00"
    [with_offset] = ups.parse_tracking("X", 200, answer(local))
    assert with_offset["occurred_at"] == datetime(2024, 4, 23, 9, 50, 4, tzinfo=timezone(timedelta(hours=-4)))
    assert with_offset["occurred_at"] == gmt["occurred_at"]
    [bare] = ups.parse_tracking("X", 200, answer(activity("I", "AR", "005", gmt=None)))
    assert bare["occurred_at"].utcoffset() == timedelta(0)
    short = activity("I", "AR", "005", gmt=("20240423", "74700"))  # UPS writes HMMSS before 10:00
    assert ups.parse_tracking("X", 200, answer(short))[0]["occurred_at"].hour == 7


def test_event_ids_stable_and_shared_by_pull_and_push():
    body = answer(
        activity("D", "FS", "011", "Delivered"), activity("I", "OT", "021", "Out for Delivery", gmt=("20240423", "131519"))
    )
    first, second = ups.parse_tracking("X", 200, body), ups.parse_tracking("X", 200, body)
    assert [u["event_id"] for u in first] == [u["event_id"] for u in second]
    assert len({u["event_id"] for u in first}) == 2
    pushed = [
        ups.parse(fixture("ups/track-alert-out-for-delivery.json"))[0],
        ups.parse(fixture("ups/track-alert-delivered.json"))[0],
    ]
    pulled = [u["event_id"].replace("1ZTEST", "1Z204W4R0308071865") for u in first]
    assert [u["event_id"] for u in pushed] == pulled


def test_oauth_token_request_and_reading():
    request = ups.token_request("https://onlinetools.ups.com/", "client", "s3cret")
    assert request.method == "POST" and request.url.path == "/security/v1/oauth/token"
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"client:s3cret").decode()
    assert request.content == b"grant_type=client_credentials"
    assert ups.read_token(b'{"token_type": "Bearer", "access_token": "tok", "expires_in": "14399"}') == ("tok", 14399)
    with pytest.raises(CarrierAuthError):
        ups.read_token(b'{"response": {"errors": [{"code": "250002", "message": "Invalid Authentication"}]}}')


def ups_server(track_status: int = 200, track_body: bytes | None = None) -> httpx.Client:
    def token(request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != "Basic " + base64.b64encode(b"client:s3cret").decode():
            return httpx.Response(401, content=fixture("ups/error-250003-auth.json"))
        return httpx.Response(200, json={"access_token": "tok", "expires_in": "14399", "token_type": "Bearer"})

    def track(request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != "Bearer tok":
            return httpx.Response(401, content=fixture("ups/error-250003-auth.json"))
        if not request.url.path.endswith("/1Z023E2X0214323462"):
            return httpx.Response(404, content=fixture("ups/error-TV1002-invalid.json"))
        return httpx.Response(track_status, content=track_body if track_body is not None else fixture(RECORDED))

    return carrier_server(
        {
            ("POST", "/security/v1/oauth/token"): token,
            ("GET", "/api/track/v1/details/1Z023E2X0214323462"): track,
            ("GET", "/api/track/v1/details/1ZUNKNOWN"): track,
        }
    )


def test_token_then_tracking_at_the_real_paths():
    client = ups_server()
    response = client.send(ups.token_request("https://onlinetools.ups.com", "client", "s3cret"))
    token, expires = ups.read_token(response.content)
    assert expires == 14399
    [update] = poll(client, ups, "https://onlinetools.ups.com", "1Z023E2X0214323462", {"access_token": token})
    assert update["carrier_code"] == "SR"
    with pytest.raises(TrackingNotFound):
        poll(client, ups, "https://onlinetools.ups.com", "1ZUNKNOWN", {"access_token": token})
    with pytest.raises(CarrierAuthError):
        poll(client, ups, "https://onlinetools.ups.com", "1Z023E2X0214323462", {"access_token": "expired"})


@pytest.mark.parametrize(
    "status,body,error",
    [
        (200, fixture("ups/warning-TW0001-not-found.json"), TrackingNotFound),
        (404, fixture("ups/error-TV1002-invalid.json"), TrackingNotFound),
        (400, fixture("ups/error-TV1002-invalid.json"), TrackingNotFound),
        (401, fixture("ups/error-250003-auth.json"), CarrierAuthError),
        (429, b'{"response": {"errors": [{"code": "429", "message": "Too Many Requests"}]}}', CarrierRateLimited),
        (500, b'{"response": {"errors": [{"code": "10001", "message": "System error"}]}}', CarrierUnavailable),
        (200, b"<html/>", PayloadError),
        (200, b'{"trackResponse": {}}', PayloadError),
        (
            200,
            b'{"trackResponse": {"shipment": [{"package": [{"activity": [{"date": "2024", "status": {"type": "I"}}]}]}]}}',
            PayloadError,
        ),
    ],
)
def test_errors(status, body, error):
    with pytest.raises(error):
        poll(ups_server(status, body), ups, "https://onlinetools.ups.com", "1Z023E2X0214323462", {"access_token": "tok"})


# --- Track Alert ------------------------------------------------------------------------------


def test_track_alert_is_registered_and_reads_the_specification_samples():
    assert PROVIDERS["ups"] is not None
    [out] = ups.parse(fixture("ups/track-alert-out-for-delivery.json"))
    [delivered] = ups.parse(fixture("ups/track-alert-delivered.json"))
    as_field_updates([out, delivered])
    assert out["status"] == "out_for_delivery" and out["carrier_code"] == "OT"
    assert out["occurred_at"] == datetime(2024, 4, 23, 13, 15, 19, tzinfo=UTC)
    assert "postal_code" not in out and out["country"] == "US"
    assert delivered["status"] == "delivered" and delivered["signed_by"] == "John"
    assert delivered["postal_code"] == "28209" and delivered["city"] == "CHARLOTTE"


@pytest.mark.parametrize("headers", [{"credential": "whsec"}, {"Credential": "whsec"}, {"Authorization": "Bearer whsec"}])
def test_track_alert_credential_accepted(headers):
    ups.verify(headers, b"{}", "whsec", NOW)


@pytest.mark.parametrize(
    "headers", [{}, {"credential": "nope"}, {"Authorization": "Basic whsec"}, {"Authorization": "Bearer "}, {"credential": ""}]
)
def test_track_alert_credential_refused(headers):
    with pytest.raises(SignatureError):
        ups.verify(headers, b"{}", "whsec", NOW)


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b"not json",
        b'{"activityStatus": {"type": "D"}}',
        b'{"trackingNumber": "1Z", "activityStatus": {"type": "D"}, "gmtActivityDate": "x"}',
    ],
)
def test_track_alert_malformed(body):
    with pytest.raises(PayloadError):
        ups.parse(body)


def test_track_alert_update_code_tracks_nothing():
    body = json.dumps(
        {
            "trackingNumber": "1Z",
            "activityStatus": {"type": "U", "code": "UP", "descriptionCode": "154"},
            "gmtActivityDate": "20240423",
            "gmtActivityTime": "131519",
        }
    ).encode()
    assert ups.parse(body) == []
