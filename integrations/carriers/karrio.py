"""karrio (open-source, self-hosted multi-carrier API): a pull adapter and a webhook provider.

Pull: `GET {api-url}/v1/trackers/{carrier_name}/{tracking_number}` (karrio's "shipment
tracker": creates the tracker or returns the existing one, refreshed from the carrier) with
`Authorization: Token <api key>`. The carrier is `credentials["carrier_name"]` (dpd,
chronopost, dhl_express…) or a reference written `carrier_name:tracking_number`; without
either, `GET {api-url}/v1/trackers/{tracking_number}` reads a tracker karrio already has.
404 → TrackingNotFound; 424 (the carrier behind karrio answered with an error) →
TrackingNotFound when its messages say the number is unknown, CarrierUnavailable otherwise;
401/403, 429, 5xx → the CarrierHTTPError family.

Push: karrio POSTs `{"event": "tracker.created"|"tracker.updated", "data": {tracker}}` to each
webhook subscribed to the event (karrio modules/events …/task_definitions/base/webhook.py). It
signs nothing: it sends the webhook's `secret` itself in the `X-Event-Id` header. `verify`
compares that header with the partner's webhook secret in constant time; other events give [].
A redelivered tracker gives the same event ids, so nothing is stored twice.

A tracker (`TrackingStatus`: tracking_number, carrier_name, status, delivered, events[{date,
time, timestamp, code, description, location, status, reason}], info{signed_by, …}) gives one
update per event. karrio's normalised statuses (event `status`, refined by `reason`, karrio's
TrackingIncidentReason):

- pending → pre_transit; picked_up, in_transit → in_transit; out_for_delivery →
  out_for_delivery; ready_for_pickup → available_for_pickup; delivered → delivered;
  return_to_sender → returned_to_sender; delivery_delayed, cancelled → exception
- delivery_failed → attempt_failed; refused (reason consignee_refused), address_issue
  (carrier_address_not_found, consignee_incorrect_address), damaged (carrier_damaged_parcel),
  lost (carrier_parcel_lost), customs_hold (customs_*)
- on_hold → held_at_depot; customs_hold for a customs_* reason
- unknown → not mapped
An event karrio gives no status (karrio leaves many scans without one): for La Poste/Colissimo
codes La Poste's own table (integrations/carriers/laposte.py; it also replaces karrio's reading
of ET1 as out_for_delivery), for Chronopost the codes seen in recorded histories (DC
pre_transit; DB, DY, SC, TS, SD in_transit; TA out_for_delivery; D delivered); for DPD its
own status names, which also replace karrio's reading (ReturningFromDelivery → held_at_depot,
DeliveryFailure → attempt_failed, ParcelShop → available_for_pickup, Courier →
out_for_delivery, Delivered → delivered, PickedUp/Depot/BetweenDepots → in_transit); otherwise the
tracker's status when it is the latest event, else in_transit (a scan that names no problem).

Place: `location` as karrio gives it; `country` from a location ending with "(BE)",
", Germany", "- Italy" (a scan's country is evidence; its depot or postal code is not a
delivery address, so no postal code is taken from it). Person: `info.signed_by` on the
delivery (a carrier phrase such as "different person present" is no name: it gives `handed_to:
other`); for DHL Express, karrio writes the signatory in the description ("Shipment delivered
CAMPAGNA") and it is read from there. `handed_to` from the delivery's words.
Time: karrio's `timestamp` carries the carrier's local wall time with a "Z" (La Poste's
"09:38:00+01:00" becomes "09:38:00.000Z"), so `date` + `time` are read as local time in the
carrier's zone (Europe/Paris for La Poste, Colissimo, Chronopost; Europe/Berlin for DHL Parcel
DE and Deutsche Post; the zone of the location's country when it names one; else UTC).
Event ids: `karrio:<carrier>:<tracking number>:<code>:<UTC time>` plus a short digest of the
location when one is given (DPD reports the same code at the same second in two depots).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx

from integrations.carriers import laposte
from integrations.carriers.common import (
    BERLIN,
    PARIS,
    EventIds,
    country_in,
    error_message,
    fold,
    handed_to_from,
    json_body,
    person,
    triage,
    zone_for,
)
from integrations.carriers.pull import CarrierUnavailable, TrackingNotFound
from integrations.webhooks.base import (
    MAX_DETAIL,
    MAX_PLACE,
    NormalizedUpdate,
    PayloadError,
    SignatureError,
    header,
    identifier,
    load_object,
    make_update,
    require_secret,
    same,
    text,
)

STATUSES = {
    "pending": "pre_transit",
    "picked_up": "in_transit",
    "in_transit": "in_transit",
    "out_for_delivery": "out_for_delivery",
    "ready_for_pickup": "available_for_pickup",
    "delivered": "delivered",
    "return_to_sender": "returned_to_sender",
    "delivery_delayed": "exception",
    "cancelled": "exception",
    "delivery_failed": "attempt_failed",
    "on_hold": "held_at_depot",
}
REASONS = {
    "consignee_refused": "refused",
    "carrier_address_not_found": "address_issue",
    "consignee_incorrect_address": "address_issue",
    "carrier_damaged_parcel": "damaged",
    "carrier_parcel_lost": "lost",
}
CHRONOPOST_CODES = {
    "DC": "pre_transit",
    "DB": "in_transit",
    "DY": "in_transit",
    "SC": "in_transit",
    "TS": "in_transit",
    "SD": "in_transit",
    "TA": "out_for_delivery",
    "D": "delivered",
}
# DPD's own status names (karrio passes them as the event code); karrio reads
# ReturningFromDelivery ("after an unsuccessful delivery attempt the parcel is back at the
# recipient depot") as out_for_delivery: it is a parcel held at the depot.
DPD_CODES = {
    "ReturningFromDelivery": "held_at_depot",
    "DeliveryFailure": "attempt_failed",
    "ParcelShop": "available_for_pickup",
    "Courier": "out_for_delivery",
    "Delivered": "delivered",
    "PickedUp": "in_transit",
    "Depot": "in_transit",
    "BetweenDepots": "in_transit",
}
ZONES: dict[str, ZoneInfo] = {
    "laposte": PARIS,
    "colissimo": PARIS,
    "chronopost": PARIS,
    "dhl_parcel_de": BERLIN,
    "deutschepost": BERLIN,
}
NOT_FOUND_WORDS = (
    " not found ",
    " no result",
    " no shipment ",
    " no data found ",
    " unknown ",
    " invalid ",
    " inconnu ",
    " not valid ",
    " n est pas valide ",
)


def map_status(status: Any, reason: Any) -> str | None:
    if not isinstance(status, str) or status not in STATUSES:
        return None
    mapped = STATUSES[status]
    reason = reason if isinstance(reason, str) else ""
    if status in ("delivery_failed", "on_hold", "delivery_delayed") and reason.startswith("customs_"):
        return "customs_hold"
    if status == "delivery_failed" and reason in REASONS:
        return REASONS[reason]
    return mapped


def event_time(event: dict[str, Any], zone: ZoneInfo | timezone) -> datetime:
    """The event's local wall time (date + time, else karrio's timestamp without its "Z")."""
    day = event.get("date")
    clock = event.get("time")
    if isinstance(day, str) and day.strip():
        hhmm = "00:00"
        if isinstance(clock, str) and clock.strip():
            hhmm = clock.strip().split()[0]  # karrio writes "16:25 PM": the 24-hour part is right
        try:
            moment = datetime.fromisoformat(f"{day.strip()}T{hhmm}")
        except ValueError:
            raise PayloadError(f"event date/time is not readable: {day[:20]!r} {str(clock)[:10]!r}") from None
        stamp = event.get("timestamp")
        if isinstance(stamp, str) and stamp[:16].replace("T", " ") == f"{day.strip()} {hhmm}"[:16]:
            try:  # the timestamp keeps the seconds
                moment = datetime.fromisoformat(stamp.strip().rstrip("Zz")[:19])
            except ValueError:
                pass
    elif isinstance(event.get("timestamp"), str):
        try:
            moment = datetime.fromisoformat(event["timestamp"].strip().rstrip("Zz")[:19])
        except ValueError:
            raise PayloadError("event timestamp is not readable") from None
    else:
        raise PayloadError("an event has no date")
    moment = moment.replace(tzinfo=zone)
    if not 1971 <= moment.year <= 9998:
        raise PayloadError("event date is out of range")
    return moment


def read_tracker(tracker: dict[str, Any], reference: str | None = None) -> list[NormalizedUpdate]:
    number = identifier(tracker.get("tracking_number")) or reference
    if number is None:
        raise PayloadError("the tracker has no tracking_number")
    carrier = text(tracker.get("carrier_name"), 50) or "unknown"
    carrier = carrier.lower()
    events = tracker.get("events")
    events = [] if events is None else events
    if not isinstance(events, list):
        raise PayloadError("tracker.events is not a list")
    raw_info = tracker.get("info")
    info: dict[str, Any] = raw_info if isinstance(raw_info, dict) else {}
    raw_signer = text(info.get("signed_by"), 200)
    signer_says = handed_to_from(raw_signer)
    signed_by = None if signer_says else person(raw_signer)
    tracker_status = map_status(tracker.get("status"), None)

    parsed: list[tuple[datetime, int, dict[str, Any]]] = []
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            raise PayloadError("an event is not an object")
        location = text(event.get("location"), MAX_PLACE)
        country = country_in(location)
        zone = ZONES.get(carrier) or zone_for(country)
        parsed.append((event_time(event, zone), index, event))
    if not parsed:
        return []
    latest = max(parsed, key=lambda item: (item[0], -item[1]))[1]  # karrio lists newest first

    ids = EventIds(f"karrio:{carrier}", number)
    out: list[NormalizedUpdate] = []
    for occurred, index, event in sorted(parsed, key=lambda item: (item[0], -item[1])):
        code = text(event.get("code"), 50)
        description = text(event.get("description"), MAX_DETAIL)
        location = text(event.get("location"), MAX_PLACE)
        status = map_status(event.get("status"), event.get("reason"))
        if carrier in ("laposte", "colissimo") and code and code.upper() in laposte.CODES:
            known = laposte.CODES[code.upper()]
            status = laposte.refine(code.upper(), known, description)
        elif carrier == "dpd" and code in DPD_CODES:
            status = DPD_CODES[code]
        elif status is None and carrier == "chronopost" and code in CHRONOPOST_CODES:
            status = CHRONOPOST_CODES[code]
        if status is None:
            if event.get("status") == "unknown":
                continue
            status = tracker_status if index == latest and tracker_status else "in_transit"
        delivered = status == "delivered"
        event_signer = signed_by
        if delivered and carrier == "dhl_express" and description:
            words = description.split()
            if words[:2] == ["Shipment", "delivered"] and len(words) > 2:
                event_signer = person(" ".join(words[2:])) or signed_by
        out.append(
            make_update(
                event_id=ids(code, occurred, location),
                reference=number,
                status=status,
                occurred_at=occurred,
                carrier_code=code,
                detail=description,
                location=location,
                country=country_in(location),
                signed_by=event_signer if delivered else None,
                handed_to=(handed_to_from(description) or signer_says) if delivered else None,
            )
        )
    return out


class Karrio:
    name = "karrio"
    auth: Literal["api_key", "client_credentials"] = "api_key"
    signature_header = "X-Event-Id"

    # --- pull ---------------------------------------------------------------------------
    def tracking_request(self, api_url: str, reference: str, credentials: dict[str, str]) -> httpx.Request:
        key = credentials.get("api_key")
        if not key:
            raise ValueError("karrio needs an api_key (Authorization: Token …)")
        carrier = credentials.get("carrier_name")
        number = reference
        if not carrier and ":" in reference:
            carrier, _, number = reference.partition(":")
        base = api_url.rstrip("/")
        path = (
            f"/v1/trackers/{quote(carrier.strip().lower(), safe='')}/{quote(number, safe='')}"
            if carrier
            else f"/v1/trackers/{quote(number, safe='')}"
        )
        return httpx.Request("GET", base + path, headers={"Authorization": f"Token {key}", "Accept": "application/json"})

    def parse_tracking(self, reference: str, status_code: int, body: bytes) -> list[NormalizedUpdate]:
        if status_code == 424:
            if any(w in fold(error_message(body) + " " + body[:2000].decode("utf-8", "replace")) for w in NOT_FOUND_WORDS):
                raise TrackingNotFound(f"karrio: {error_message(body)}")
            raise CarrierUnavailable(self.name, 424, error_message(body))
        triage(self.name, status_code, body)
        data = json_body(body)
        if not isinstance(data, dict):
            raise PayloadError("the karrio answer is not an object")
        inner = data.get("tracking")
        tracker: dict[str, Any] = inner if isinstance(inner, dict) else data
        number = reference.partition(":")[2] if ":" in reference else reference
        return read_tracker(tracker, number)

    # --- push ---------------------------------------------------------------------------
    def verify(self, headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> None:
        given = header(headers, self.signature_header)
        if not same(given, require_secret(secret).decode()):
            raise SignatureError("X-Event-Id does not match the webhook secret")

    def parse(self, body: bytes) -> list[NormalizedUpdate]:
        payload = load_object(body)
        event = payload.get("event")
        if not isinstance(event, str):
            raise PayloadError("not a karrio webhook (no event)")
        if not event.startswith("tracker."):
            return []
        tracker = payload.get("data")
        if not isinstance(tracker, dict):
            raise PayloadError("data (the tracker) is missing or not an object")
        return read_tracker(tracker)
