"""One plugin interface for every provider that reports from the field through signed webhooks.

A provider (AfterShip, EasyPost, Stripe…) is an object with a `name` (the one used in
`POST /v1/webhooks/{provider}/{partner}`), the `signature_header` it signs with, and two
methods:

- `verify(headers, body, secret, now)` checks the signature over the raw body and raises
  `SignatureError` when it is missing, wrong or expired (the API answers 401);
- `parse(body)` maps the provider's own payload to `NormalizedUpdate`s, the exact keys that
  `domain.model.FieldUpdate.create` takes, and raises `PayloadError` for a body that is not the
  provider's format (the API answers 400). An event that carries nothing to track returns [].

The helpers below are shared by the adapters: case-insensitive header lookup, JSON loading
that never lets a hostile body escape as another exception, timestamp parsing, bounded text,
and `fan_out`, which emits one update per identifier a payload carries.

Event ids are the provider's, in the provider's namespace (`provider_event_id`): an EasyPost
`evt_1` is `easypost:evt_1` and a Stripe `evt_1` is `stripe:evt_1`, so that one partner's two
providers never collide on (partner, event_id), while a redelivery of the same event keeps its
id and is a duplicate. When a payload carries several identifiers (`fan_out`), the first
identifier keeps that event id; every other one gets `<event id>:<identifier>` (for example
`stripe:evt_123` for the charge and `stripe:evt_123:pi_456` for its payment intent). An id
longer than 200 characters is replaced by a hash of it (`<provider>:h:<sha256>`, `h:<sha256>`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any, NotRequired, Protocol, TypedDict, runtime_checkable

from domain.matching import tokens

# The limits the public contract puts on an update (see integrations/api/schemas.UpdateIn).
MAX_ID = 200
MAX_PLACE = 500
MAX_NAME = 200
MAX_DETAIL = 2000


class WebhookError(Exception):
    """Base of the two errors an adapter raises; `message` is safe to show to the caller."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SignatureError(WebhookError):
    """Missing, wrong or expired signature: the request is refused (401)."""


class PayloadError(WebhookError):
    """A payload that is not the provider's format, or lacks what an update needs (400)."""


class MalformedJson(PayloadError):
    """A body that is not JSON text at all: invalid UTF-8, bad syntax, nesting too deep, or a
    lone UTF-16 surrogate escape (`"\\ud800"`, which no text can hold) — 400 malformed_json."""


class NormalizedUpdate(TypedDict):
    """What `FieldUpdate.create(partner, data)` takes. Optional keys are left out when unknown."""

    event_id: str
    reference: str
    status: str
    occurred_at: datetime  # always timezone-aware
    location: NotRequired[str]
    address: NotRequired[str]
    signed_by: NotRequired[str]
    amount: NotRequired[str]  # decimal string, "89.90"
    currency: NotRequired[str]  # ISO 4217, upper case
    detail: NotRequired[str]
    # v1.1 (see "Field truth, v1.1" in DESIGN.md)
    postal_code: NotRequired[str]
    city: NotRequired[str]
    country: NotRequired[str]  # ISO 3166-1 alpha-2, upper case
    pickup_point_id: NotRequired[str]
    handed_to: NotRequired[str]  # addressee, neighbour, safe_place, pickup_point, mailbox, reception, other
    carrier_code: NotRequired[str]  # the carrier's own event code, kept as evidence
    handoff: NotRequired[dict[str, str]]  # {"partner": ..., "reference": ...}


@runtime_checkable
class WebhookProvider(Protocol):
    name: str
    signature_header: str

    def verify(self, headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> None:
        """Raise SignatureError unless `body` is signed with `secret` (and recent enough at `now`)."""
        ...

    def parse(self, body: bytes) -> list[NormalizedUpdate]:
        """The updates the payload reports ([] when it tracks nothing); PayloadError when malformed."""
        ...


# --- signatures -----------------------------------------------------------------------------


def header(headers: Mapping[str, str], name: str) -> str:
    """Case-insensitive header lookup; a missing or blank header is a SignatureError."""
    value = headers.get(name)
    if value is None:
        wanted = name.lower()
        value = next((v for k, v in headers.items() if isinstance(k, str) and k.lower() == wanted), None)
    if value is None or not str(value).strip():
        raise SignatureError(f"missing {name} header")
    return str(value).strip()


def require_secret(secret: str) -> bytes:
    if not secret:
        raise SignatureError("no webhook secret is configured")
    return secret.encode("utf-8")


def same(given: str, expected: str) -> bool:
    """Constant-time comparison that also accepts non-ASCII input (compare_digest on str does not)."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))


# --- payloads -------------------------------------------------------------------------------

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def load_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, MalformedJson or PayloadError (never another exception)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise MalformedJson("the body is not valid JSON") from exc
    if _SURROGATE_ESCAPE.search(body):
        # Escaped surrogates are fine in pairs (json.loads joins them into one character); a
        # lone one would only fail later, when the text is encoded to be stored.
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise MalformedJson("the body holds a lone UTF-16 surrogate escape, which is not text") from exc
    if not isinstance(data, dict):
        raise PayloadError("the body is not a JSON object")
    return data


def obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(f"{what} is missing or not an object")
    return value


def in_range(moment: datetime, field: str) -> datetime:
    """The moment (naive read as UTC), or PayloadError outside 1970-9998."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:
        year = moment.astimezone(UTC).year
    except OverflowError:
        year = 0
    if not 1970 <= year <= 9998:
        raise PayloadError(f"{field} is out of range")
    return moment


def parse_time(value: Any, field: str) -> datetime:
    """An ISO 8601 timestamp from a provider. A time without an offset is read as UTC: the
    adapters say, provider by provider, why that is the best reading available."""
    if not isinstance(value, str) or not value.strip():
        raise PayloadError(f"{field} is missing")
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "zZ" else text)
    except ValueError:
        try:  # a bare date ("2018-07-25"): midnight
            day = date.fromisoformat(text)
        except ValueError:
            raise PayloadError(f"{field} is not a timestamp: {value[:50]!r}") from None
        moment = datetime(day.year, day.month, day.day)
    return in_range(moment, field)


def from_unix(value: Any, field: str) -> datetime:
    if not isinstance(value, int) or isinstance(value, bool):
        raise PayloadError(f"{field} is missing or not a Unix time")
    try:
        moment = datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise PayloadError(f"{field} is out of range") from None
    return in_range(moment, field)


def text(value: Any, max_len: int) -> str | None:
    """Free text from a provider: strings only, NULs dropped, blank → None, clipped to max_len."""
    if not isinstance(value, str):
        return None
    cleaned = " ".join(value.replace("\x00", "").split())
    return cleaned[:max_len] or None


def identifier(value: Any) -> str | None:
    """A reference or id: a non-blank string (or an integer), None otherwise. An expanded Stripe
    object (a dict with an `id`) gives its id."""
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    if "\x00" in value or len(value) > MAX_ID:
        raise PayloadError(f"identifier {value[:40]!r}… is not usable as a reference")
    return value


def join_place(*parts: Any) -> str | None:
    """Join the parts of a place with ", ", leaving out blanks and parts whose words are all
    already there ("Deal, NJ" + city "Deal" + state "NJ" stays "Deal, NJ")."""
    kept: list[str] = []
    seen: set[str] = set()
    for part in parts:
        value = text(part, MAX_PLACE)
        if value is None:
            continue
        words = tokens(value)
        if words and set(words) <= seen:
            continue
        kept.append(value)
        seen.update(words)
    return ", ".join(kept)[:MAX_PLACE] or None


# Carriers put these in the "signed by" field when nobody signed; they name no one.
_NOT_A_SIGNER_PHRASES = (
    ("signature", "not", "required"),
    ("signature", "not", "requested"),
    ("signature", "waived"),
    ("no", "signature"),
    ("not", "signed"),
    ("signature", "release"),
)
_NOT_A_SIGNER_VALUES = {("n", "a"), ("na",), ("none",), ("unknown",), ("unsigned",), ("null",)}


def signer(value: Any) -> str | None:
    """Who signed, or None when the field is empty or a carrier's placeholder for "nobody"."""
    name = text(value, MAX_NAME)
    if name is None:
        return None
    words = tokens(name)
    if not words or words in _NOT_A_SIGNER_VALUES:
        return None
    for phrase in _NOT_A_SIGNER_PHRASES:
        if any(words[i : i + len(phrase)] == phrase for i in range(len(words) - len(phrase) + 1)):
            return None
    return name


def provider_event_id(provider: str, event_id: str) -> str:
    """The provider's event id in the provider's namespace (`easypost:evt_1`): two providers of
    one partner may use the same ids, and (partner, event_id) is the dedupe key."""
    value = f"{provider}:{event_id}"
    return value if len(value) <= MAX_ID else f"{provider}:h:" + hashlib.sha256(value.encode()).hexdigest()


def stable_id(prefix: str, *parts: Any) -> str:
    """A deterministic event id for payloads that carry none (the same payload, the same id)."""
    digest = hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode()).hexdigest()
    return f"{prefix}:{digest[:40]}"


def suffixed(event_id: str, reference: str) -> str:
    value = f"{event_id}:{reference}"
    return value if len(value) <= MAX_ID else "h:" + hashlib.sha256(value.encode()).hexdigest()


def fan_out(update: NormalizedUpdate, references: Iterable[str | None]) -> list[NormalizedUpdate]:
    """One update per distinct identifier; the first keeps the event id, the others are
    `<event id>:<identifier>` (see the module docstring)."""
    event_id = update["event_id"]
    if not event_id or len(event_id) > MAX_ID:
        raise PayloadError("the event id is missing or longer than 200 characters")
    out: list[NormalizedUpdate] = []
    for index, reference in enumerate(dict.fromkeys(r for r in references if r)):
        copy: NormalizedUpdate = {**update, "reference": reference}  # type: ignore[typeddict-item]
        if index:
            copy["event_id"] = suffixed(event_id, reference)
        out.append(copy)
    if not out:
        raise PayloadError("the payload names no tracking number, shipment or payment")
    return out


OPTIONAL_KEYS = frozenset(
    {
        "location",
        "address",
        "signed_by",
        "amount",
        "currency",
        "detail",
        "postal_code",
        "city",
        "country",
        "pickup_point_id",
        "handed_to",
        "carrier_code",
        "handoff",
    }
)


def make_update(*, event_id: str, reference: str, status: str, occurred_at: datetime, **optional: Any) -> NormalizedUpdate:
    """A NormalizedUpdate holding only what the provider said (None-valued optional keys left out)."""
    unknown = set(optional) - OPTIONAL_KEYS
    if unknown:
        raise TypeError(f"not fields of an update: {sorted(unknown)}")
    update = NormalizedUpdate(event_id=event_id, reference=reference, status=status, occurred_at=occurred_at)
    for key, value in optional.items():
        if value is not None:
            update[key] = value  # type: ignore[literal-required]
    return update
