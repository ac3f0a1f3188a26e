"""EasyPost tracker webhooks.

Signature: header `X-Hmac-Signature: hmac-sha256-hex=<hex>`, HMAC-SHA256 over the raw body keyed
with the NFKD normal form of the secret encoded in UTF-8 (as EasyPost's client libraries do:
"sécret" typed composed or decomposed signs the same). No timestamp is signed.

Payload: an Event `{"id": "evt_…", "object": "Event", "description": "tracker.updated",
"result": {Tracker}}`. Events about anything but a Tracker (batches, scan forms, insurance…)
track nothing here and give [].

Mapping of the Tracker's `status` (refined by `status_detail`, EasyPost's list of details):
pre_transit, in_transit, out_for_delivery, delivered, available_for_pickup → the same;
return_to_sender → returned_to_sender; failure → attempt_failed when the detail is a delivery
exception, exception otherwise; cancelled, error, unknown → exception. On any status but
delivered, the detail says more: `lost` → lost, `refused` → refused, `damaged` → damaged,
`return` → returned_to_sender, `address_correction` / `incorrect_address` → address_issue,
`held` → held_at_depot, `arrived_at_pickup_location` → available_for_pickup; others
(arrived_at_facility, delayed, weather_delay, transit_exception, missorted…) keep the status.
The latest tracking detail (by `datetime`) gives occurred_at, location (tracking_location's
city, state, zip, country), `country` and, on a delivery, `city` and `postal_code`, and
detail; `signed_by` comes from the Tracker; `carrier_code` is the status_detail.

Event ids and references: the Event's id, as `easypost:<id>`, for the tracking code; when the
Tracker names a shipment, one more update for the shipment id under `<event id>:<shipment id>`
(see integrations/webhooks/base.py).
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from integrations.carriers.common import country_code
from integrations.webhooks.base import (
    MAX_DETAIL,
    NormalizedUpdate,
    PayloadError,
    SignatureError,
    fan_out,
    header,
    identifier,
    join_place,
    load_object,
    make_update,
    obj,
    parse_time,
    provider_event_id,
    require_secret,
    same,
    signer,
    text,
)

PREFIX = "hmac-sha256-hex="
STATUSES = {
    "pre_transit": "pre_transit",
    "in_transit": "in_transit",
    "out_for_delivery": "out_for_delivery",
    "delivered": "delivered",
    "available_for_pickup": "available_for_pickup",
    "return_to_sender": "returned_to_sender",
    "failure": "exception",
    "cancelled": "exception",
    "error": "exception",
    "unknown": "exception",
}
# status_detail values that turn a `failure` into a failed delivery attempt.
ATTEMPT_DETAILS = {"delivery_exception"}
# status_detail values that say more than the status (any status but delivered).
DETAILS = {
    "lost": "lost",
    "refused": "refused",
    "damaged": "damaged",
    "return": "returned_to_sender",
    "address_correction": "address_issue",
    "incorrect_address": "address_issue",
    "held": "held_at_depot",
    "arrived_at_pickup_location": "available_for_pickup",
}


def signature(secret: str, body: bytes) -> str:
    """The header value EasyPost sends for `body` (also used by tests)."""
    key = require_secret(unicodedata.normalize("NFKD", secret))
    return PREFIX + hmac.new(key, body, hashlib.sha256).hexdigest()


class EasyPost:
    name = "easypost"
    signature_header = "X-Hmac-Signature"

    def verify(self, headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> None:
        given = header(headers, self.signature_header)
        scheme, _, digest = given.partition("=")
        if scheme.strip().lower() != PREFIX[:-1] or not digest:
            raise SignatureError("X-Hmac-Signature is not hmac-sha256-hex=<hex>")
        if not same(f"{PREFIX}{digest.strip().lower()}", signature(secret, body)):
            raise SignatureError("X-Hmac-Signature does not match the body")

    def parse(self, body: bytes) -> list[NormalizedUpdate]:
        event = load_object(body)
        raw_id = identifier(event.get("id"))
        if raw_id is None:
            raise PayloadError("the Event has no id")
        event_id = provider_event_id(self.name, raw_id)
        if event.get("object") not in (None, "Event"):
            raise PayloadError("not an EasyPost Event")
        description = event.get("description")
        tracker = obj(event.get("result"), "result")
        if tracker.get("object") != "Tracker" or (isinstance(description, str) and not description.startswith("tracker.")):
            return []  # an event about something else than a tracker
        code = identifier(tracker.get("tracking_code"))
        if code is None:
            raise PayloadError("the Tracker has no tracking_code")
        status = map_status(tracker.get("status"), tracker.get("status_detail"))

        latest = latest_detail(tracker.get("tracking_details"))
        if latest is not None:
            occurred, step = latest
        else:  # no scan yet: when EasyPost last updated the tracker
            step = {}
            occurred = parse_time(
                tracker.get("updated_at") or event.get("updated_at") or event.get("created_at"), "result.updated_at"
            )
        located = step.get("tracking_location")
        place: dict[str, Any] = located if isinstance(located, dict) else {}
        status_detail = tracker.get("status_detail")
        message = text(step.get("message"), MAX_DETAIL)
        detail = " ".join(
            p for p in (message, f"({status_detail})" if isinstance(status_detail, str) and status_detail else None) if p
        )
        update = make_update(
            event_id=event_id,
            reference=code,
            status=status,
            occurred_at=occurred,
            location=join_place(place.get("city"), place.get("state"), place.get("zip"), place.get("country")),
            signed_by=signer(tracker.get("signed_by")),
            detail=text(detail, MAX_DETAIL),
            carrier_code=text(status_detail, 50),
            country=country_code(place.get("country")),
            city=text(place.get("city"), 200) if status == "delivered" else None,
            postal_code=text(place.get("zip"), 20) if status == "delivered" else None,
        )
        return fan_out(update, [code, identifier(tracker.get("shipment_id"))])


def map_status(status: Any, detail: Any) -> str:
    normalized = STATUSES.get(status) if isinstance(status, str) else None
    if normalized is None:
        raise PayloadError(f"unknown EasyPost tracker status {str(status)[:40]!r}")
    detail = detail if isinstance(detail, str) else None
    if detail == "lost":
        return "lost"
    if status != "delivered" and detail in DETAILS:
        return DETAILS[detail]
    if status == "failure" and detail in ATTEMPT_DETAILS:
        return "attempt_failed"
    return normalized


def latest_detail(details: Any) -> tuple[datetime, dict[str, Any]] | None:
    """The latest tracking detail by `datetime` (list order breaks ties). EasyPost sends these
    in UTC with a "Z"; a value without an offset would be read as UTC too."""
    if details is None:
        return None
    if not isinstance(details, list):
        raise PayloadError("tracking_details is not a list")
    best: tuple[datetime, int, dict[str, Any]] | None = None
    for index, step in enumerate(details):
        if not isinstance(step, dict) or not step.get("datetime"):
            continue
        moment = parse_time(step["datetime"], "tracking_details.datetime")
        if best is None or (moment, index) >= (best[0], best[1]):
            best = (moment, index, step)
    return None if best is None else (best[0], best[2])
