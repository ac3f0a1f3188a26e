"""EasyPost: `X-Hmac-Signature: hmac-sha256-hex=<hex>`, HMAC-SHA256 of the raw body keyed with
the NFKD form of the secret (as EasyPost's client libraries do). Payload: an Event whose
`result` is a Tracker."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from datetime import datetime
from typing import Mapping

from integrations.webhooks.base import (
    NormalizedUpdate,
    PayloadError,
    SignatureError,
    header,
    join_place,
    load_object,
    parse_time,
    per_reference,
)

STATUSES = {
    "pre_transit": "pre_transit", "in_transit": "in_transit", "out_for_delivery": "out_for_delivery",
    "delivered": "delivered", "available_for_pickup": "available_for_pickup",
    "return_to_sender": "returned_to_sender", "failure": "exception", "cancelled": "exception",
    "error": "exception", "unknown": "exception",
}
ATTEMPT_DETAILS = {"delivery_attempt_failed", "address_not_found", "no_one_available", "attempted_delivery"}
LOST_DETAILS = {"lost", "lost_or_damaged"}
PREFIX = "hmac-sha256-hex="


class EasyPost:
    name = "easypost"
    signature_header = "X-Hmac-Signature"

    def verify(self, headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> None:
        given = header(headers, self.signature_header).strip()
        key = unicodedata.normalize("NFKD", secret).encode()
        expected = PREFIX + hmac.new(key, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(given.lower(), expected):
            raise SignatureError("X-Hmac-Signature does not match the body")

    def parse(self, body: bytes) -> list[NormalizedUpdate]:
        event = load_object(body)
        tracker = event.get("result")
        if not isinstance(event.get("id"), str) or not isinstance(tracker, dict):
            raise PayloadError("no EasyPost Event with an id and a Tracker result")
        if tracker.get("object") not in (None, "Tracker"):
            return []  # other EasyPost events (batches, refunds of labels) track nothing here
        status = STATUSES.get(tracker.get("status"))
        if status is None:
            raise PayloadError(f"unknown EasyPost status {tracker.get('status')!r}")
        detail = tracker.get("status_detail") or ""
        if status == "exception" and detail in ATTEMPT_DETAILS:
            status = "attempt_failed"
        elif detail in LOST_DETAILS:
            status = "lost"
        details = [d for d in tracker.get("tracking_details") or [] if isinstance(d, dict) and d.get("datetime")]
        latest = max(details, key=lambda d: parse_time(d["datetime"], "datetime"), default=None)
        occurred = parse_time((latest or {}).get("datetime") or tracker.get("updated_at"), "tracking datetime")
        place = (latest or {}).get("tracking_location") or {}
        update = NormalizedUpdate(
            event_id=event["id"], reference="", status=status, occurred_at=occurred,
            location=join_place(place.get("city"), place.get("state"), place.get("zip"), place.get("country")),
            signed_by=tracker.get("signed_by") or None,
            detail=(latest or {}).get("message") or detail or None)
        return per_reference(update, [tracker.get("tracking_code"), tracker.get("shipment_id")])
