"""Small carriers that speak JSON, for tests of the poll that do not depend on a real carrier's
format: `JsonCarrier` (an API key) and `OAuthJsonCarrier` (client credentials).

GET {api}/track/{reference} with X-Api-Key (or Authorization: Bearer) answers
{"events": [{"id": "...", "status": "in_transit", "at": "2026-03-02T08:00:00+01:00",
"place": "..."}]}; 404 means an unknown number.
"""

from __future__ import annotations

import base64
import json
from typing import Literal
from urllib.parse import quote

import httpx

from integrations.carriers.pull import CarrierHTTPError, TrackingNotFound
from integrations.webhooks.base import PayloadError, load_object, make_update, parse_time


class JsonCarrier:
    name = "jsoncarrier"
    auth: Literal["api_key", "client_credentials"] = "api_key"

    def tracking_request(self, api_url, reference, credentials):
        return httpx.Request("GET", f"{api_url}/track/{quote(reference, safe='')}", headers=self._auth(credentials))

    def _auth(self, credentials):
        return {"X-Api-Key": credentials["api_key"]}

    def parse_tracking(self, reference, status_code, body):
        if status_code == 404:
            raise TrackingNotFound(reference)
        if status_code != 200:
            raise CarrierHTTPError(self.name, status_code, "unexpected answer")
        events = load_object(body).get("events")
        if not isinstance(events, list):
            raise PayloadError("no events list")
        return [
            make_update(
                event_id=f"{self.name}:{reference}:{e['id']}",
                reference=reference,
                status=e["status"],
                occurred_at=parse_time(e.get("at"), "at"),
                location=e.get("place"),
                carrier_code=e.get("code"),
            )
            for e in events
        ]


class OAuthJsonCarrier(JsonCarrier):
    name = "oauthcarrier"
    auth: Literal["api_key", "client_credentials"] = "client_credentials"

    def token_request(self, api_url, client_id, client_secret):
        basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        return httpx.Request(
            "POST",
            f"{api_url}/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        )

    def read_token(self, body):
        data = load_object(body)
        return data["access_token"], int(data["expires_in"])

    def _auth(self, credentials):
        return {"Authorization": f"Bearer {credentials['access_token']}"}


def events_body(*events: dict) -> bytes:
    return json.dumps({"events": list(events)}).encode()
