"""One plugin interface for carriers whose tracking API Terrain polls (pull adapters).

A pull adapter knows one carrier's tracking API: how to ask for one tracking number and how to
read the answer into normalised v1.1 updates (`integrations.webhooks.base.NormalizedUpdate`).
It does no I/O itself: the polling service sends the `httpx.Request` it builds with a shared
client, so retries, rate limits and back-off live in one place, and tests drive adapters with
recorded responses.

- `name`: the carrier's name in `terrain carriers set PARTNER --carrier NAME`.
- `auth`: what credentials it needs (`api_key`, or `client_credentials` for OAuth).
- `token_request(api_url, client_id, client_secret)`: the OAuth token request (client
  credentials) for carriers that need one; `read_token(response_body)` → (token, expires_in s).
- `tracking_request(api_url, reference, credentials)`: the request for one tracking number;
  `credentials` holds `api_key` or `access_token`.
- `parse_tracking(reference, status_code, body)`: the updates the answer reports ([] when the
  carrier knows nothing yet). Raises `TrackingNotFound` for an unknown tracking number,
  `PayloadError` (integrations.webhooks.base) for a body that is not the carrier's format.

Event ids must be derived from the carrier's data (e.g. `laposte:<id>:<code>:<date>`) so that
polling the same history twice stores nothing twice.
"""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

import httpx

from integrations.webhooks.base import NormalizedUpdate


class TrackingNotFound(Exception):
    """The carrier does not know this tracking number (yet)."""


@runtime_checkable
class CarrierPullAdapter(Protocol):
    name: str
    auth: Literal["api_key", "client_credentials"]

    def tracking_request(self, api_url: str, reference: str, credentials: dict[str, str]) -> httpx.Request: ...

    def parse_tracking(self, reference: str, status_code: int, body: bytes) -> list[NormalizedUpdate]: ...


@runtime_checkable
class OAuthCarrier(CarrierPullAdapter, Protocol):
    def token_request(self, api_url: str, client_id: str, client_secret: str) -> httpx.Request: ...

    def read_token(self, body: bytes) -> tuple[str, int]: ...


class CarrierHTTPError(Exception):
    """The carrier answered with an HTTP error that says nothing about the parcel.

    Raised by `parse_tracking` (and `read_token`) for a status that is neither a success nor
    "unknown tracking number", so that the polling service can tell a bad key from a busy or
    broken carrier without reading status codes itself. `retryable` is True for 429 and 5xx
    (back off, try again later: the `Retry-After` header, when given, is the service's to
    read), False for 401/403 (the credentials are wrong: retrying will not help)."""

    def __init__(self, carrier: str, status_code: int, message: str) -> None:
        super().__init__(f"{carrier}: HTTP {status_code}: {message}")
        self.carrier = carrier
        self.status_code = status_code
        self.message = message

    @property
    def retryable(self) -> bool:
        return self.status_code == 429 or self.status_code >= 500


class CarrierAuthError(CarrierHTTPError):
    """401/403: the API key or OAuth token was refused."""


class CarrierRateLimited(CarrierHTTPError):
    """429: too many requests."""


class CarrierUnavailable(CarrierHTTPError):
    """5xx: the carrier's API is down or failing."""
