"""One interface for every provider that reports from the field through signed webhooks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Mapping, Protocol, TypedDict


class SignatureError(Exception):
    """Missing, wrong or expired signature: the request is refused (401)."""


class PayloadError(Exception):
    """A payload that is not the provider's format (400)."""


class NormalizedUpdate(TypedDict, total=False):
    event_id: str
    reference: str
    status: str
    occurred_at: datetime
    location: str | None
    address: str | None
    signed_by: str | None
    amount: str | None
    currency: str | None
    detail: str | None


class WebhookProvider(Protocol):
    name: str
    signature_header: str

    def verify(self, headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> None: ...

    def parse(self, body: bytes) -> list[NormalizedUpdate]: ...


def header(headers: Mapping[str, str], name: str) -> str:
    """Case-insensitive header lookup that refuses a missing header."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    raise SignatureError(f"missing {name} header")


def load_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError("the body is not JSON") from exc
    if not isinstance(data, dict):
        raise PayloadError("the body is not a JSON object")
    return data


def parse_time(value: Any, field: str) -> datetime:
    """ISO 8601 from a provider; a time without an offset is read as UTC (providers' habit)."""
    if not isinstance(value, str) or not value:
        raise PayloadError(f"{field} is missing")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise PayloadError(f"{field} is not a timestamp: {value!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def join_place(*parts: Any) -> str | None:
    text = ", ".join(str(p).strip() for p in parts if p and str(p).strip())
    return text or None


def per_reference(update: NormalizedUpdate, references: list[str]) -> list[NormalizedUpdate]:
    """One update per identifier the payload carries; the first keeps the provider's event id,
    the others get `<event id>#<identifier>` so (partner, event_id) stays unique."""
    out: list[NormalizedUpdate] = []
    for index, reference in enumerate(dict.fromkeys(r for r in references if r)):
        copy = NormalizedUpdate(**update)  # type: ignore[typeddict-item]
        copy["reference"] = reference
        if index:
            copy["event_id"] = f"{update['event_id']}#{reference}"
        out.append(copy)
    if not out:
        raise PayloadError("the payload names no tracking number or payment")
    return out
