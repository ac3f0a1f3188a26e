"""AfterShip tracking webhooks.

Signature: header `aftership-hmac-sha256` = base64(HMAC-SHA256(secret, raw body)), compared in
constant time. No timestamp is signed, so there is no replay window to check.

Payloads accepted:
- the webhook `{"event": "tracking_update", "event_id"?, "msg": {tracking}, "ts": …}`; any other
  `event` (estimated-delivery changes…) tracks nothing here and gives [];
- a tracking object as the API returns it, `{"data": {"tracking": {…}}}`, or bare.

Mapping: the tracking's tag gives the status (Pending/InfoReceived → pre_transit, InTransit →
in_transit, OutForDelivery → out_for_delivery, AvailableForPickup → available_for_pickup,
Delivered → delivered, AttemptFail → attempt_failed, Exception and Expired → exception),
refined by the subtag from AfterShip's published "Delivery sub-statuses" list:
- Delivered_002 (picked up by the customer) → handed_to pickup_point; Delivered_003 (signed by
  the customer) and Delivered_004 (cash collected on delivery) → addressee; Delivered_005
  (delivered to a neighbour) → neighbour; otherwise the checkpoint's words when they name
  someone or somewhere ("Left at front door" → safe_place), else nothing;
- Exception_002 (customer moved) → address_issue; Exception_003 (customer refused delivery) →
  refused; Exception_004 (delayed: customs clearance) and Exception_018 (incorrect / missing
  documents) → customs_hold; Exception_006 (held for payment) → held_at_depot; Exception_007
  (incorrect address) → address_issue; Exception_010 (returning to sender) and Exception_011
  (returned to sender) → returned_to_sender; Exception_012 (shipment damaged) → damaged;
  Exception_013 (shipment lost) → lost; Exception_001, 005, 008 (pick-up missed), 009 (rejected
  by carrier), 016, 017 and unknown subtags stay exception;
- AttemptFail_001..003 → attempt_failed.
`return_to_sender: true` on the tracking, or an Exception whose subtag message or latest
checkpoint says "returned/returning to sender" (AfterShip files some returns under other
subtags, Exception_007 among them), → returned_to_sender whatever the subtag.
The latest checkpoint (by time) gives occurred_at, location and detail, `country` (its ISO
alpha-3 country turned into alpha-2) and, on a delivery, `city` and `postal_code` (its zip);
`signed_by` comes from the tracking (placeholders such as "Signature not required" are dropped:
they name nobody); `carrier_code` is the subtag.

Event ids and references: the webhook's `event_id` when present, as `aftership:<event_id>`,
else a stable hash of (tracking id, tag, subtag, latest checkpoint time), `aftership:<hex>`. One update for the
tracking number under that id and, when the tracking has an `order_id`, one for the order under
`<event id>:<order id>` (see integrations/webhooks/base.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from integrations.carriers.common import handed_to_from
from integrations.webhooks.base import (
    MAX_DETAIL,
    NormalizedUpdate,
    PayloadError,
    SignatureError,
    fan_out,
    from_unix,
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
    stable_id,
    text,
)

TAGS = {
    "Pending": "pre_transit",
    "InfoReceived": "pre_transit",
    "InTransit": "in_transit",
    "OutForDelivery": "out_for_delivery",
    "AvailableForPickup": "available_for_pickup",
    "Delivered": "delivered",
    "AttemptFail": "attempt_failed",
    "Exception": "exception",
    "Expired": "exception",
}
# Subtags that say more than their tag (AfterShip's "Delivery sub-statuses" list).
SUBTAGS = {
    "Exception_002": "address_issue",  # customer moved
    "Exception_003": "refused",  # customer refused delivery
    "Exception_004": "customs_hold",  # delayed (customs clearance)
    "Exception_006": "held_at_depot",  # held for payment
    "Exception_007": "address_issue",  # incorrect address
    "Exception_010": "returned_to_sender",  # returning to sender
    "Exception_011": "returned_to_sender",  # returned to sender
    "Exception_012": "damaged",  # shipment damaged
    "Exception_013": "lost",  # shipment lost
    "Exception_018": "customs_hold",  # incorrect / missing documents
}
HANDED_TO = {
    "Delivered_002": "pickup_point",
    "Delivered_003": "addressee",
    "Delivered_004": "addressee",
    "Delivered_005": "neighbour",
}
# ISO 3166-1 alpha-3 → alpha-2 for the countries AfterShip checkpoints name most (others: left out).
ALPHA3 = {
    "FRA": "FR",
    "DEU": "DE",
    "ITA": "IT",
    "ESP": "ES",
    "BEL": "BE",
    "NLD": "NL",
    "LUX": "LU",
    "CHE": "CH",
    "AUT": "AT",
    "GBR": "GB",
    "IRL": "IE",
    "PRT": "PT",
    "POL": "PL",
    "CZE": "CZ",
    "DNK": "DK",
    "SWE": "SE",
    "NOR": "NO",
    "FIN": "FI",
    "GRC": "GR",
    "HUN": "HU",
    "ROU": "RO",
    "BGR": "BG",
    "SVK": "SK",
    "SVN": "SI",
    "HRV": "HR",
    "USA": "US",
    "CAN": "CA",
    "MEX": "MX",
    "BRA": "BR",
    "ARG": "AR",
    "CHN": "CN",
    "HKG": "HK",
    "TWN": "TW",
    "JPN": "JP",
    "KOR": "KR",
    "SGP": "SG",
    "IND": "IN",
    "AUS": "AU",
    "NZL": "NZ",
    "ZAF": "ZA",
    "ARE": "AE",
    "TUR": "TR",
    "ISR": "IL",
    "MAR": "MA",
    "TUN": "TN",
    "DZA": "DZ",
    "RUS": "RU",
    "UKR": "UA",
}
_RETURN_WORDS = (
    "returned to sender",
    "returning to sender",
    "return to sender",
    "returned to shipper",
    "retour expediteur",
    "retourne a l expediteur",
)


def says_returned(*texts: Any) -> bool:
    for value in texts:
        if isinstance(value, str):
            words = " ".join("".join(c if c.isalnum() else " " for c in value.lower()).split())
            if any(w in words for w in _RETURN_WORDS):
                return True
    return False


def map_status(tag: Any, subtag: str | None, return_to_sender: Any, *messages: Any) -> str:
    status = TAGS.get(tag) if isinstance(tag, str) else None
    if status is None:
        raise PayloadError(f"unknown AfterShip tag {str(tag)[:40]!r}")
    if return_to_sender is True or (tag == "Exception" and says_returned(*messages)):
        return "returned_to_sender"
    if tag == "Exception" and subtag in SUBTAGS:
        return SUBTAGS[subtag]
    return status


class AfterShip:
    name = "aftership"
    signature_header = "aftership-hmac-sha256"

    def verify(self, headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> None:
        given = header(headers, self.signature_header)
        expected = base64.b64encode(hmac.new(require_secret(secret), body, hashlib.sha256).digest()).decode()
        if not same(given, expected):
            raise SignatureError("aftership-hmac-sha256 does not match the body")

    def parse(self, body: bytes) -> list[NormalizedUpdate]:
        data = load_object(body)
        if "msg" in data:
            if data.get("event") is not None and data.get("event") != "tracking_update":
                return []
            tracking = obj(data["msg"], "msg (the tracking)")
        elif "data" in data:
            tracking = obj(obj(data["data"], "data").get("tracking"), "data.tracking")
        else:
            tracking = data
        number = identifier(tracking.get("tracking_number"))
        if number is None:
            raise PayloadError("the tracking has no tracking_number")
        tag = tracking.get("tag")
        subtag = tracking.get("subtag") if isinstance(tracking.get("subtag"), str) else None

        latest = latest_checkpoint(tracking.get("checkpoints"))
        if latest is not None:
            occurred = latest[0]
            checkpoint = latest[1]
        else:  # no checkpoint yet (e.g. Expired): when AfterShip last changed the tracking
            checkpoint = {}
            when = tracking.get("updated_at") or tracking.get("last_updated_at")
            occurred = parse_time(when, "tracking.updated_at") if when else from_unix(data.get("ts"), "ts")

        status = map_status(
            tag,
            subtag,
            tracking.get("return_to_sender"),
            tracking.get("subtag_message"),
            checkpoint.get("message"),
            checkpoint.get("subtag_message"),
        )
        given = identifier(data.get("event_id"))
        event_id = (
            provider_event_id(self.name, given)
            if given
            else stable_id(
                "aftership",
                tracking.get("id") or f"{tracking.get('slug')}/{number}",
                tag,
                subtag,
                occurred.astimezone(UTC).isoformat(),
            )
        )
        iso3 = checkpoint.get("country_region") or checkpoint.get("country_iso3")
        country = ALPHA3.get(iso3.upper()) if isinstance(iso3, str) else None
        message = text(checkpoint.get("message"), MAX_DETAIL) or text(tracking.get("subtag_message"), MAX_DETAIL)
        detail = " ".join(p for p in (message, f"({subtag})" if subtag else None) if p)
        update = make_update(
            event_id=event_id,
            reference=number,
            status=status,
            occurred_at=occurred,
            location=join_place(
                checkpoint.get("location"), checkpoint.get("city"), checkpoint.get("state"), checkpoint.get("country_name")
            ),
            signed_by=signer(tracking.get("signed_by")),
            detail=text(detail, MAX_DETAIL),
            carrier_code=text(subtag, 50),
            handed_to=(HANDED_TO.get(subtag or "") or handed_to_from(message)) if status == "delivered" else None,
            country=country or None,
            city=text(checkpoint.get("city"), 200) if status == "delivered" else None,
            postal_code=text(checkpoint.get("zip"), 20) if status == "delivered" else None,
        )
        return fan_out(update, [number, identifier(tracking.get("order_id"))])


def latest_checkpoint(checkpoints: Any) -> tuple[datetime, dict[str, Any]] | None:
    """The latest checkpoint by time (the list order breaks ties: AfterShip lists oldest first).

    `checkpoint_time` is the carrier's local time; AfterShip sends it with its offset when the
    carrier gives one ("2018-07-25T10:10:00+09:00"), and then it is exact. Some carriers give
    only a local time or a date, and the tracking carries no offset field to complete it: such
    a time is read as UTC (off by the local offset at most, which only matters for a deadline
    within hours of it).
    """
    if checkpoints is None:
        return None
    if not isinstance(checkpoints, list):
        raise PayloadError("checkpoints is not a list")
    best: tuple[datetime, int, dict[str, Any]] | None = None
    for index, checkpoint in enumerate(checkpoints):
        if not isinstance(checkpoint, dict) or not checkpoint.get("checkpoint_time"):
            continue
        moment = parse_time(checkpoint["checkpoint_time"], "checkpoint_time")
        if best is None or (moment, index) >= (best[0], best[1]):
            best = (moment, index, checkpoint)
    return None if best is None else (best[0], best[2])
