"""The one HTTP client a process uses to ask carriers (connection reuse, timeouts), as the
carrier poll's gateway."""

from __future__ import annotations

import threading

import httpx

from integrations.services.ports import CarrierGateway, CarrierReply, CarrierUnreachable

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_BODY = 5 * 1024 * 1024  # a tracking answer is a few kB; anything bigger is not one

_client: httpx.Client | None = None
_lock = threading.Lock()


def shared_client() -> httpx.Client:
    """The process's client, made on first use."""
    global _client
    with _lock:
        if _client is None or _client.is_closed:
            _client = httpx.Client(
                timeout=TIMEOUT,
                follow_redirects=False,
                limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
                headers={"User-Agent": "Terrain carrier poll"},
            )
        return _client


class HttpxGateway(CarrierGateway):
    """Sends through the process's client (or `client`); `timeout` (seconds to wait for an
    answer) replaces the client's default for these requests."""

    def __init__(self, client: httpx.Client | None = None, timeout: float | None = None) -> None:
        self.client = client
        self.timeout = None if timeout is None else httpx.Timeout(timeout, connect=min(timeout, 5.0)).as_dict()

    def send(self, request: httpx.Request) -> CarrierReply:
        client = self.client or shared_client()
        if self.timeout is not None:
            request.extensions.setdefault("timeout", self.timeout)
        try:
            response = client.send(request, stream=True)
            try:
                body = bytearray()
                for piece in response.iter_bytes():
                    body += piece
                    if len(body) > MAX_BODY:
                        raise CarrierUnreachable(f"{request.url.host}: answer larger than {MAX_BODY} bytes")
            finally:
                response.close()
        except httpx.HTTPError as exc:
            raise CarrierUnreachable(f"{request.url.host}: {type(exc).__name__}: {exc}"[:300]) from None
        return CarrierReply(response.status_code, {k.lower(): v for k, v in response.headers.items()}, bytes(body))
