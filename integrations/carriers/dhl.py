"""DHL Shipment Tracking – Unified: a pull adapter (DHL Express, Parcel DE, eCommerce, Freight…).

Request: `GET {api-url}/track/shipments?trackingNumber={id}` with header `DHL-API-Key` (api-url
is `https://api-eu.dhl.com` in production). Answer: `{"shipments": [{"id", "service",
"status", "events": [...], "details": {"proofOfDelivery", "receiver", …}}]}`; 404 (problem
JSON `{"title": "No result found", "status": 404}`) → TrackingNotFound; 401/403, 429, 5xx →
the CarrierHTTPError family.

Mapping of an event's `statusCode` (DHL's normalised status), refined by its `status`,
`description` and `remark` (DHL's words, English with `language=en`):

- pre-transit → pre_transit
- transit → in_transit; out_for_delivery ("out for delivery", "with delivery courier", "loaded
  onto the delivery vehicle"); available_for_pickup ("ready for pick", "available for pick",
  "Packstation", "parcel shop/ParcelShop", "retail outlet", "post office"); customs_hold
  ("customs" with "held", "pending", "delay", "inspection", "duties"); returned_to_sender
  ("returned to (the) sender/shipper", "return to sender")
- delivered → delivered; `handed_to` from the words ("different person present" → other,
  "neighbour" → neighbour, "parcel box"/"mailbox" → mailbox, "Packstation"/"parcel shop"/"post
  office" → pickup_point, "reception" → reception, "drop-off location"/"safe place" →
  safe_place); returned_to_sender when delivered back to the sender
- failure → attempt_failed; refused ("refused"), address_issue ("address" +
  incorrect/insufficient/unknown/not found…), damaged ("damaged"), customs_hold (customs),
  returned_to_sender, lost ("lost")
- unknown → not mapped: the event names no status; it is left out, not guessed

Place: `location.address` gives `location` (addressLocality), `country` (countryCode) and, on
a delivery only, `postal_code` (where it was delivered; the postal code of a depot on a transit
scan says nothing about the parcel's destination and is kept in `location` only).
Person: `details.proofOfDelivery.signed` (name, or given + family name) gives `signed_by` on
the delivery event (placeholders are dropped).
Time: `timestamp` with its offset is exact; without one it is the local time of the scan,
read in the zone of the scan's country when it has a single zone, else UTC.
Event ids: `dhl:<shipment id>:<statusCode>:<UTC time>`, stable across polls.
"""

from __future__ import annotations

from typing import Any, Literal

import httpx

from integrations.carriers.common import (
    EventIds,
    country_code,
    fold,
    handed_to_from,
    json_body,
    local_time,
    person,
    triage,
    zone_for,
)
from integrations.webhooks.base import (
    MAX_DETAIL,
    MAX_PLACE,
    NormalizedUpdate,
    PayloadError,
    identifier,
    make_update,
    text,
)

STATUS_CODES = {"pre-transit": "pre_transit", "transit": "in_transit", "delivered": "delivered", "failure": "attempt_failed"}


def _has(words: str, *needles: str) -> bool:
    return any(needle in words for needle in needles)


def refine(status_code: str, words: str) -> str | None:
    """The v1.1 status of a DHL event from its statusCode and folded words (None: not mapped)."""
    returned = _has(
        words,
        " returned to sender ",
        " returned to the sender ",
        " returned to shipper ",
        " returned to the shipper ",
        " return to sender ",
        " delivered back to the sender ",
        " zuruck an den absender ",
        " rucksendung ",
    )
    customs = _has(words, " customs ", " zoll ", " douane ")
    if status_code == "delivered":
        return "returned_to_sender" if returned else "delivered"
    if status_code == "failure":
        if _has(words, " refused ", " refusal ", " verweigert ", " refuse "):
            return "refused"
        if _has(words, " damaged ", " damage ", " beschadigt "):
            return "damaged"
        if _has(words, " lost ", " verloren "):
            return "lost"
        if returned:
            return "returned_to_sender"
        if customs:
            return "customs_hold"
        if " address" in words and _has(
            words,
            " incorrect",
            " insufficient",
            " incomplete",
            " unknown",
            " not found",
            " wrong",
            " invalid",
            " could not be found",
            " unable to locate",
        ):
            return "address_issue"
        return "attempt_failed"
    if status_code == "transit":
        if returned:
            return "returned_to_sender"
        if customs and _has(
            words, " held ", " pending ", " delay", " inspection ", " duties ", " hold ", " awaiting ", " required "
        ):
            return "customs_hold"
        if _has(words, " out for delivery ", " with delivery courier ", " loaded onto the delivery vehicle ", " in zustellung "):
            return "out_for_delivery"
        if _has(
            words,
            " ready for pick",
            " available for pick",
            " packstation ",
            " parcel shop ",
            " parcelshop ",
            " retail outlet ",
            " post office ",
            " postfiliale ",
            " ready for collection ",
        ):
            return "available_for_pickup"
        return "in_transit"
    return STATUS_CODES.get(status_code)


def place(event: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(locality, postal code, country) of an event's `location.address`."""
    location = event.get("location")
    address = location.get("address") if isinstance(location, dict) else None
    if not isinstance(address, dict):
        return None, None, None
    return (
        text(address.get("addressLocality"), MAX_PLACE),
        text(address.get("postalCode"), 20),
        country_code(address.get("countryCode")),
    )


def signer_name(details: dict[str, Any]) -> str | None:
    proof = details.get("proofOfDelivery")
    signed = proof.get("signed") if isinstance(proof, dict) else None
    if not isinstance(signed, dict):
        return None
    given, family = text(signed.get("givenName"), 100), text(signed.get("familyName"), 100)
    full = " ".join(p for p in (given, family) if p) or None
    return person(full) or person(signed.get("name"))


class DHL:
    name = "dhl"
    auth: Literal["api_key", "client_credentials"] = "api_key"

    def tracking_request(self, api_url: str, reference: str, credentials: dict[str, str]) -> httpx.Request:
        key = credentials.get("api_key")
        if not key:
            raise ValueError("DHL needs an api_key (DHL-API-Key)")
        return httpx.Request(
            "GET",
            f"{api_url.rstrip('/')}/track/shipments",
            params={"trackingNumber": reference, "language": "en"},
            headers={"DHL-API-Key": key, "Accept": "application/json"},
        )

    def parse_tracking(self, reference: str, status_code: int, body: bytes) -> list[NormalizedUpdate]:
        triage(self.name, status_code, body)
        data = json_body(body)
        if not isinstance(data, dict):
            raise PayloadError("the DHL answer is not an object")
        shipments = data.get("shipments")
        if not isinstance(shipments, list):
            raise PayloadError("the answer has no shipments list")
        out: list[NormalizedUpdate] = []
        for shipment in shipments:
            if not isinstance(shipment, dict):
                raise PayloadError("a shipment is not an object")
            out.extend(self.read_shipment(reference, shipment))
        return out

    def read_shipment(self, reference: str, shipment: dict[str, Any]) -> list[NormalizedUpdate]:
        number = identifier(shipment.get("id")) or reference
        raw_details = shipment.get("details")
        details: dict[str, Any] = raw_details if isinstance(raw_details, dict) else {}
        events = shipment.get("events")
        if events is None:  # some services give only the current status
            events = [shipment["status"]] if isinstance(shipment.get("status"), dict) else []
        if not isinstance(events, list):
            raise PayloadError("shipment.events is not a list")
        signed_by = signer_name(details)
        ids = EventIds(self.name, number)
        out: list[NormalizedUpdate] = []
        for event in reversed(events):  # DHL lists the newest first; ids are numbered oldest first
            if not isinstance(event, dict):
                raise PayloadError("an event is not an object")
            code = text(event.get("statusCode"), 30)
            said = [text(event.get(k), MAX_DETAIL) for k in ("status", "description", "remark")]
            words = fold(" ".join(s for s in said if s))
            status = refine((code or "unknown").lower(), words)
            if status is None:
                continue
            locality, postal_code, country = place(event)
            occurred = local_time(event.get("timestamp"), zone_for(country), "event.timestamp")
            description = text(event.get("description"), MAX_DETAIL)
            status_text = text(event.get("status"), MAX_DETAIL)
            detail = " – ".join(dict.fromkeys(s for s in (status_text, description) if s)) or None
            delivered = status == "delivered"
            out.append(
                make_update(
                    event_id=ids(code, occurred),
                    reference=number,
                    status=status,
                    occurred_at=occurred,
                    carrier_code=text(event.get("statusCode"), 50),
                    location=locality,
                    country=country,
                    postal_code=postal_code if delivered else None,
                    handed_to=handed_to_from(description, status_text, text(event.get("remark"), MAX_DETAIL))
                    if delivered
                    else None,
                    signed_by=signed_by if delivered else None,
                    detail=text(detail, MAX_DETAIL),
                )
            )
        return out
