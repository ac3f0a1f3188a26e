"""AfterShip: `aftership-hmac-sha256` = base64(HMAC-SHA256(secret, raw body)).

Payloads: the webhook `{"event", "event_id", "msg": {tracking}}`, or a tracking object as the
API returns it (`{"data": {"tracking": {...}}}`). The tag/subtag of the tracking and its latest
checkpoint give the normalised update.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from typing import Any, Mapping

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

TAGS = {
    "Pending": "pre_transit", "InfoReceived": "pre_transit", "InTransit": "in_transit",
    "OutForDelivery": "out_for_delivery", "AvailableForPickup": "available_for_pickup",
    "Delivered": "delivered", "AttemptFail": "attempt_failed", "Exception": "exception",
    "Expired": "exception",
}
# Exception subtags that mean the parcel will not reach the customer.
RETURNED = {"Exception_010", "Exception_011", "Exception_012"}
LOST = {"Exception_013"}


class AfterShip:
    name = "aftership"
    signature_header = "aftership-hmac-sha256"

    def verify(self, headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> None:
        given = header(headers, self.signature_header).strip()
        expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
        if not hmac.compare_digest(given, expected):
            raise SignatureError("aftership-hmac-sha256 does not match the body")

    def parse(self, body: bytes) -> list[NormalizedUpdate]:
        data = load_object(body)
        tracking = data.get("msg") or (data.get("data") or {}).get("tracking") or data
        if not isinstance(tracking, dict) or "tag" not in tracking:
            raise PayloadError("no AfterShip tracking object (msg or data.tracking with a tag)")
        return per_reference(self._update(data, tracking),
                             [tracking.get("tracking_number"), tracking.get("order_id")])

    def _update(self, envelope: dict[str, Any], tracking: dict[str, Any]) -> NormalizedUpdate:
        tag, subtag = tracking.get("tag"), tracking.get("subtag") or ""
        status = TAGS.get(tag)
        if status is None:
            raise PayloadError(f"unknown AfterShip tag {tag!r}")
        if subtag in RETURNED:
            status = "returned_to_sender"
        elif subtag in LOST:
            status = "lost"
        checkpoints = [c for c in tracking.get("checkpoints") or [] if isinstance(c, dict)]
        latest = max(checkpoints, key=lambda c: parse_time(c.get("checkpoint_time"), "checkpoint_time"),
                     default=None)
        occurred = parse_time(
            (latest or {}).get("checkpoint_time") or tracking.get("updated_at") or tracking.get("last_updated_at"),
            "checkpoint_time")
        event_id = envelope.get("event_id") or f"{tracking.get('id')}:{tag}:{subtag}:{occurred.isoformat()}"
        location = None
        if latest:
            location = latest.get("location") or join_place(latest.get("city"), latest.get("state"),
                                                           latest.get("zip"), latest.get("country_name"))
        return NormalizedUpdate(
            event_id=str(event_id), reference="", status=status, occurred_at=occurred, location=location,
            signed_by=tracking.get("signed_by") or None,
            detail=(latest or {}).get("message") or tracking.get("subtag_message"))
