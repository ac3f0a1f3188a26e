"""UPS: the Track API (pull, OAuth client credentials) and Track Alert webhooks (push).

Pull. Token: `POST {api-url}/security/v1/oauth/token` with HTTP Basic (client id, secret) and
`grant_type=client_credentials`; the answer's `access_token` and `expires_in` (seconds, a
string in UPS's answers) are read by `read_token`; the polling service caches the token until
then. Tracking: `GET {api-url}/api/track/v1/details/{id}?locale=en_US` with `Authorization:
Bearer …`, `transId` and `transactionSrc`. An unknown or invalid number (HTTP 404/400 with
`response.errors` TV1002/TW0001…, or 200 with only the warning TW0001 "Tracking Information Not
Found") → TrackingNotFound; 401/403, 429, 5xx → the CarrierHTTPError family.

Push (Track Alert, spec in UPS-API/api-documentation `UPSTrackAlert.yaml`): UPS POSTs one
`TrackingEvent` per activity to the subscribed URL. It signs nothing: v1 subscriptions send the
`credential` chosen at subscription in a `credential` header; v2 sends `Authorization: Bearer
<token>`. `verify` accepts either when it equals the partner's webhook secret (constant-time),
so the secret must be configured as that credential; a redelivered event is a duplicate by
its id. `User-Agent: UPSPubSubTrackingService` is not checked (anyone can send it).

Mapping of an activity (`status.type`, refined by the 3-digit `status.statusCode` from UPS's
"Status/Description Codes" list, or Track Alert's `descriptionCode`, then by the words):

- type D; codes 011 Delivered, 026 Delivered by Local Post Office, 143 Delivered to Agent →
  delivered
- type I; codes 005, 010, 025, 038, 039, 044, 045, 047, 055, 070, 073, 074, 079, 087, 137, 138,
  158, 159, 160, 164, 165; 012/092 clearance in progress, 014/084/134 cleared → in_transit
- type M (billing information received); codes 003, 080, 157 → pre_transit
- type P (pickup) → in_transit
- codes 006, 021, 037, 071, 072, 075, 078, 089, 091, 146, 162 → out_for_delivery
- codes 017, 040 held for / ready for customer pickup, 144 at post office, 161 at UPS Access
  Point → available_for_pickup
- codes 016 in warehouse, 018-020 held for future delivery, 083 held, 085 held for COD →
  held_at_depot
- codes 022-024, 060-062, 066, 069, 145 (delivery attempted / unable to deliver) →
  attempt_failed
- codes 050 address information required, 027 address change requested (X only) → address_issue
- codes 058, 123-126, 141 (clearance information required, pending agency release) →
  customs_hold
- code 059 damage reported → damaged
- code 064 delivery refused → refused
- codes 034-036, 067, 081, type RS → returned_to_sender
- codes 068 lost and found, 147 seized, 149 destroyed → lost
- type X with a code that reads as progress, or none: words "released"/"cleared" →
  in_transit, words "refused" → refused, "address" → address_issue, "damage" → damaged,
  "customs"/"clearance"/"government agency" → customs_hold, "return" → returned_to_sender; else
  exception (codes 013, 029, 030, 032, 046, 048, 049, 051-053, 076, 086, 090, 093, 132…) →
  exception
- type MV, code 007 (information voided) → exception
- type U (updates: new delivery date/time, photo), NA, and codes 153-155 → not mapped (say
  nothing about where the parcel is)

Delivery: `deliveryInformation.receivedBy` → `signed_by` (a value without letters, such as
"163000", names nobody and is dropped); `deliveryInformation.location` → `handed_to` ("Front
Door"/"Porch"/"Garage"… → safe_place, "Neighbor" → neighbour, "Reception"/"Office"/"Guard"…
→ reception, "Mailbox" → mailbox, "Locker"/"Access Point" → pickup_point, "Met Customer"/
"Residential"/"Receiver" → addressee; UPS's short codes like "DEL" name nothing), else from
the activity's words ("Delivered to UPS Access Point" → pickup_point). The activity
address on a delivery gives `city`, `postal_code` and `country` (UPS scans at the door); on
other scans `location` and `country` only.
Time: `gmtDate`+`gmtTime` (Track Alert: `gmtActivityDate`+`gmtActivityTime`) are UTC and
exact; otherwise the local `date`+`time` with `gmtOffset` when given, else UTC.
Event ids: `ups:<tracking number>:<activity code>:<UTC time>`, the same for the pull and the
push of one activity, so an event both polled and pushed is stored once.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote

import httpx

from integrations.carriers.common import (
    EventIds,
    compact_time,
    country_code,
    error_message,
    fold,
    handed_to_from,
    json_body,
    offset_zone,
    person,
    triage,
)
from integrations.carriers.pull import CarrierAuthError, TrackingNotFound
from integrations.webhooks.base import (
    MAX_DETAIL,
    NormalizedUpdate,
    PayloadError,
    SignatureError,
    identifier,
    join_place,
    load_object,
    make_update,
    require_secret,
    same,
    text,
)


def _codes(status: str, *codes: int) -> dict[int, str]:
    return dict.fromkeys(codes, status)


STATUS_CODES: dict[int, str] = {
    **_codes("delivered", 11, 26, 143),
    **_codes(
        "in_transit",
        5,
        10,
        12,
        14,
        25,
        38,
        39,
        44,
        45,
        47,
        55,
        70,
        73,
        74,
        79,
        84,
        87,
        92,
        134,
        137,
        138,
        158,
        159,
        160,
        164,
        165,
    ),
    **_codes("pre_transit", 3, 80, 157),
    **_codes("out_for_delivery", 6, 21, 37, 71, 72, 75, 78, 89, 91, 146, 162),
    **_codes("available_for_pickup", 17, 40, 144, 161),
    **_codes("held_at_depot", 16, 18, 19, 20, 83, 85),
    **_codes("attempt_failed", 22, 23, 24, 60, 61, 62, 66, 69, 145),
    **_codes("address_issue", 50),
    **_codes("customs_hold", 58, 123, 124, 125, 126, 141),
    **_codes("damaged", 59),
    **_codes("refused", 64),
    **_codes("returned_to_sender", 34, 35, 36, 67, 81),
    **_codes("lost", 68, 147, 149),
    **_codes("exception", 7, 13, 29, 30, 32, 46, 48, 49, 51, 52, 53, 76, 86, 90, 93, 132),
}
# An exception activity (type X) whose code reads as progress is read from its words instead.
PROGRESS = frozenset({"pre_transit", "in_transit", "out_for_delivery", "delivered"})
NOT_MAPPED_CODES = frozenset({0, 153, 154, 155})
TYPES = {
    "D": "delivered",
    "I": "in_transit",
    "P": "in_transit",
    "M": "pre_transit",
    "RS": "returned_to_sender",
    "X": "exception",
    "MV": "exception",
    "DO": "in_transit",
    "DD": "in_transit",
    "W": "in_transit",
}
NOT_MAPPED_TYPES = frozenset({"U", "NA"})


def classify(kind: str | None, status_code: Any, description: str | None) -> str | None:
    """The v1.1 status of one UPS activity (None: it says nothing about the parcel)."""
    kind = (kind or "").strip().upper()
    try:
        number = int(str(status_code).strip()) if status_code not in (None, "") else None
    except ValueError:
        number = None
    if kind in NOT_MAPPED_TYPES or number in NOT_MAPPED_CODES:
        return None
    if number == 27 and kind == "X":
        return "address_issue"
    coded = STATUS_CODES.get(number) if number is not None else None
    if coded is not None and not (kind == "D" and coded != "delivered") and not (kind == "X" and coded in PROGRESS):
        return coded
    status = TYPES.get(kind)
    if status is None:
        return coded
    if kind == "X":
        words = fold(description or "")
        if " released " in words or " cleared " in words:
            return "in_transit"
        if " refused " in words or " refusal " in words:
            return "refused"
        if " address" in words:
            return "address_issue"
        if " damage" in words:
            return "damaged"
        if any(w in words for w in (" customs ", " clearance ", " government agency ", " broker ")):
            return "customs_hold"
        if " return" in words:
            return "returned_to_sender"
    return status


def activity_time(activity: Mapping[str, Any], *, gmt: tuple[str, str], local: tuple[str, str]) -> datetime:
    if activity.get(gmt[0]):
        return compact_time(activity.get(gmt[0]), activity.get(gmt[1]), UTC, gmt[0])
    zone = offset_zone(activity.get("gmtOffset")) or UTC
    return compact_time(activity.get(local[0]), activity.get(local[1]), zone, local[0])


def address_of(container: Any) -> dict[str, Any]:
    if not isinstance(container, dict):
        return {}
    address = container.get("address", container)
    return address if isinstance(address, dict) else {}


def place_fields(address: dict[str, Any], delivered: bool) -> dict[str, Any]:
    country = country_code(address.get("countryCode") or address.get("country"))
    city = text(address.get("city"), 200)
    fields: dict[str, Any] = {
        "location": join_place(city, address.get("stateProvince"), address.get("postalCode"), country),
        "country": country,
    }
    if delivered:
        fields.update(city=city, postal_code=text(address.get("postalCode"), 20))
    return fields


class UPS:
    name = "ups"
    auth: Literal["api_key", "client_credentials"] = "client_credentials"
    signature_header = "credential"

    # --- pull ---------------------------------------------------------------------------
    def token_request(self, api_url: str, client_id: str, client_secret: str) -> httpx.Request:
        if not client_id or not client_secret:
            raise ValueError("UPS needs a client id and a client secret")
        basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        return httpx.Request(
            "POST",
            f"{api_url.rstrip('/')}/security/v1/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}", "Accept": "application/json"},
        )

    def read_token(self, body: bytes) -> tuple[str, int]:
        data = load_object(body)
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise CarrierAuthError(self.name, 401, error_message(body))
        try:
            expires = int(str(data.get("expires_in", "3600")).strip())
        except ValueError:
            raise PayloadError("expires_in is not a number of seconds") from None
        return token, max(expires, 0)

    def tracking_request(self, api_url: str, reference: str, credentials: dict[str, str]) -> httpx.Request:
        token = credentials.get("access_token")
        if not token:
            raise ValueError("UPS needs an access_token (see token_request)")
        return httpx.Request(
            "GET",
            f"{api_url.rstrip('/')}/api/track/v1/details/{quote(reference, safe='')}",
            params={"locale": "en_US", "returnSignature": "false"},
            headers={
                "Authorization": f"Bearer {token}",
                "transId": uuid.uuid4().hex[:32],
                "transactionSrc": "terrain",
                "Accept": "application/json",
            },
        )

    def parse_tracking(self, reference: str, status_code: int, body: bytes) -> list[NormalizedUpdate]:
        if status_code in (400, 404) and any(
            code in body for code in (b"TV1002", b"TW0001", b"TV1001", b"Tracking Information Not Found")
        ):
            raise TrackingNotFound(f"ups: {error_message(body)}")
        triage(self.name, status_code, body)
        data = json_body(body)
        if not isinstance(data, dict):
            raise PayloadError("the UPS answer is not an object")
        response = data.get("trackResponse")
        shipments = response.get("shipment") if isinstance(response, dict) else None
        if not isinstance(shipments, list):
            raise PayloadError("the answer has no trackResponse.shipment list")
        out: list[NormalizedUpdate] = []
        warnings: list[str] = []
        for shipment in shipments:
            if not isinstance(shipment, dict):
                raise PayloadError("a shipment is not an object")
            for warning in shipment.get("warnings") or []:
                if isinstance(warning, dict):
                    warnings.append(f"{warning.get('code')}: {warning.get('message')}")
            packages = shipment.get("package") or []
            if not isinstance(packages, list):
                raise PayloadError("shipment.package is not a list")
            for package in packages:
                if not isinstance(package, dict):
                    raise PayloadError("a package is not an object")
                out.extend(self.read_package(shipment, package, reference))
        if not out and any(w.startswith("TW0001") for w in warnings):
            raise TrackingNotFound(f"ups: {warnings[0]}")
        return out

    def read_package(self, shipment: dict[str, Any], package: dict[str, Any], reference: str) -> list[NormalizedUpdate]:
        number = identifier(package.get("trackingNumber"))
        if number is None or number == "string":  # UPS's documentation sample has "string" here
            number = identifier(shipment.get("inquiryNumber")) or reference
        raw_delivery = package.get("deliveryInformation")
        delivery: dict[str, Any] = raw_delivery if isinstance(raw_delivery, dict) else {}
        received_by = person(delivery.get("receivedBy"))
        handed_to = handed_to_from(text(delivery.get("location"), 100))
        activities = package.get("activity") or []
        if not isinstance(activities, list):
            raise PayloadError("package.activity is not a list")
        ids = EventIds(self.name, number)
        out: list[NormalizedUpdate] = []
        for activity in reversed(activities):  # newest first in UPS's answer
            if not isinstance(activity, dict):
                raise PayloadError("an activity is not an object")
            raw_status = activity.get("status")
            status_info: dict[str, Any] = raw_status if isinstance(raw_status, dict) else {}
            description = text(status_info.get("description"), MAX_DETAIL)
            status = classify(status_info.get("type"), status_info.get("statusCode"), description)
            if status is None:
                continue
            occurred = activity_time(activity, gmt=("gmtDate", "gmtTime"), local=("date", "time"))
            code = text(status_info.get("code"), 10) or text(status_info.get("type"), 10)
            delivered = status == "delivered"
            out.append(
                make_update(
                    event_id=ids(code, occurred),
                    reference=number,
                    status=status,
                    occurred_at=occurred,
                    carrier_code=code,
                    detail=description,
                    signed_by=received_by if delivered else None,
                    handed_to=(handed_to or handed_to_from(description)) if delivered else None,
                    **place_fields(address_of(activity.get("location")), delivered),
                )
            )
        return out

    # --- push (Track Alert) ---------------------------------------------------------------
    def verify(self, headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> None:
        expected = require_secret(secret).decode()
        lowered = {k.lower(): v for k, v in headers.items() if isinstance(k, str)}
        given = lowered.get("credential")
        if given is None:
            auth = lowered.get("authorization") or ""
            scheme, _, token = str(auth).strip().partition(" ")
            given = token.strip() if scheme.lower() == "bearer" else None
        if not given or not str(given).strip():
            raise SignatureError("missing credential (or Authorization: Bearer) header")
        if not same(str(given).strip(), expected):
            raise SignatureError("the UPS Track Alert credential does not match")

    def parse(self, body: bytes) -> list[NormalizedUpdate]:
        event = load_object(body)
        number = identifier(event.get("trackingNumber"))
        if number is None:
            raise PayloadError("the Track Alert event has no trackingNumber")
        raw_status = event.get("activityStatus")
        status_info: dict[str, Any] = raw_status if isinstance(raw_status, dict) else {}
        description = text(status_info.get("description"), MAX_DETAIL)
        status = classify(status_info.get("type"), status_info.get("descriptionCode"), description)
        if status is None:
            return []
        occurred = activity_time(
            event, gmt=("gmtActivityDate", "gmtActivityTime"), local=("localActivityDate", "localActivityTime")
        )
        code = text(status_info.get("code"), 10) or text(status_info.get("type"), 10)
        delivered = status == "delivered"
        return [
            make_update(
                event_id=EventIds(self.name, number)(code, occurred),
                reference=number,
                status=status,
                occurred_at=occurred,
                carrier_code=code,
                detail=description,
                signed_by=person(event.get("receivedBy")) if delivered else None,
                handed_to=handed_to_from(description) if delivered else None,
                **place_fields(address_of(event.get("activityLocation")), delivered),
            )
        ]
