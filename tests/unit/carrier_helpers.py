"""Shared by the carrier adapter tests: recorded fixtures, a local stand-in for a carrier's API
(httpx.MockTransport answering at the carrier's real paths), and the checks every adapter
must pass."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from domain.model import FieldUpdate
from integrations.webhooks.base import NormalizedUpdate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers"


def fixture(path: str) -> bytes:
    return (FIXTURES / path).read_bytes()


def fixture_json(path: str) -> Any:
    return json.loads(fixture(path))


def as_field_updates(updates: list[NormalizedUpdate]) -> list[FieldUpdate]:
    """Every update must be one the domain accepts as is."""
    return [FieldUpdate.create("carrier-partner", update) for update in updates]


def carrier_server(routes: dict[tuple[str, str], Callable[[httpx.Request], httpx.Response]]) -> httpx.Client:
    """A client whose requests are answered by `routes[(method, path)]`, 404 elsewhere."""

    def handle(request: httpx.Request) -> httpx.Response:
        route = routes.get((request.method, request.url.path))
        if route is None:
            return httpx.Response(404, json={"detail": f"no route {request.method} {request.url.path}"})
        return route(request)

    return httpx.Client(transport=httpx.MockTransport(handle))


def poll(client: httpx.Client, adapter: Any, api_url: str, reference: str, credentials: dict[str, str]) -> list[NormalizedUpdate]:
    """What the polling service does for one reference: send the adapter's request, hand the
    answer back to the adapter."""
    response = client.send(adapter.tracking_request(api_url, reference, credentials))
    return adapter.parse_tracking(reference, response.status_code, response.content)
