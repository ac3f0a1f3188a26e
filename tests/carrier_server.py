"""A local HTTP server that answers like the carriers, at their real paths, with their real
recorded answers (tests/fixtures/carriers/): La Poste Suivi v2, DHL Unified, UPS (OAuth token
and Track API) and karrio's tracker API.

    with CarrierServer() as server:
        server.url                      # http://127.0.0.1:<port>
        server.track("EW112720413FR", "laposte/EW112720413FR.json")   # what a number answers
        server.fail("EW112720413FR", 429, retry_after=2)               # or an error, n times
        server.requests                 # [(method, path), …] as received

Credentials: La Poste `X-Okapi-Key: key`, DHL `DHL-API-Key: key`, UPS client `client`/`s3cret`
(token `tok`), karrio `Authorization: Token key`; anything else gets the carrier's 401. An
unknown number gets the carrier's own "not found" answer. For the polling service's tests,
end-to-end runs and benchmarks (the server is a ThreadingHTTPServer on a free port).
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "carriers"
KEY = "key"
UPS_BASIC = "Basic " + base64.b64encode(b"client:s3cret").decode()
UPS_TOKEN = "tok"


@dataclass
class Failure:
    status: int
    remaining: int
    retry_after: int | None = None
    body: bytes = b""


@dataclass
class _State:
    answers: dict[str, bytes] = field(default_factory=dict)
    failures: dict[str, Failure] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _not_found(carrier: str, number: str) -> tuple[int, bytes]:
    if carrier == "laposte":
        return 404, json.dumps({"returnCode": 404, "returnMessage": "Votre numéro est inconnu.", "idShip": number}).encode()
    if carrier == "dhl":
        return 404, (FIXTURES / "dhl" / "error-404-not-found.json").read_bytes()
    if carrier == "ups":
        return 404, (FIXTURES / "ups" / "error-TV1002-invalid.json").read_bytes()
    return 404, b'{"errors": [{"code": "not_found", "message": "Not Found"}]}'


def _unauthorized(carrier: str) -> bytes:
    if carrier == "ups":
        return (FIXTURES / "ups" / "error-250003-auth.json").read_bytes()
    return json.dumps({"status": 401, "title": "Unauthorized", "detail": "Invalid API key"}).encode()


class CarrierServer:
    def __init__(self) -> None:
        self.state = _State()
        state = self.state

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def _route(self) -> tuple[str, str] | None:
                url = urlparse(self.path)
                path = url.path
                if path.startswith("/suivi/v2/idships/"):
                    return "laposte", unquote(path.rsplit("/", 1)[1])
                if path == "/track/shipments":
                    return "dhl", (parse_qs(url.query).get("trackingNumber") or [""])[0]
                if path.startswith("/api/track/v1/details/"):
                    return "ups", unquote(path.rsplit("/", 1)[1])
                if path.startswith("/v1/trackers/"):
                    return "karrio", unquote(path.rsplit("/", 1)[1])
                return None

            def _authorized(self, carrier: str) -> bool:
                headers = self.headers
                return {
                    "laposte": headers.get("X-Okapi-Key") == KEY,
                    "dhl": headers.get("DHL-API-Key") == KEY,
                    "ups": headers.get("Authorization") == f"Bearer {UPS_TOKEN}",
                    "karrio": headers.get("Authorization") == f"Token {KEY}",
                }[carrier]

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                with state.lock:
                    state.requests.append(("POST", urlparse(self.path).path))
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                if urlparse(self.path).path != "/security/v1/oauth/token":
                    return self._send(404, b'{"detail": "not found"}')
                if self.headers.get("Authorization") != UPS_BASIC:
                    return self._send(401, _unauthorized("ups"))
                self._send(200, json.dumps({"access_token": UPS_TOKEN, "token_type": "Bearer", "expires_in": "14399"}).encode())

            def do_GET(self) -> None:  # noqa: N802
                with state.lock:
                    state.requests.append(("GET", urlparse(self.path).path))
                route = self._route()
                if route is None:
                    return self._send(404, b'{"detail": "no such path"}')
                carrier, number = route
                if not self._authorized(carrier):
                    return self._send(401, _unauthorized(carrier))
                with state.lock:
                    failure = state.failures.get(number)
                    if failure is not None and failure.remaining > 0:
                        failure.remaining -= 1
                        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else None
                        return self._send(failure.status, failure.body, headers)
                    answer = state.answers.get(number)
                if answer is None:
                    return self._send(*_not_found(carrier, number))
                self._send(200, answer)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        assert isinstance(host, str)  # an AF_INET server's host (typeshed allows bytes)
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[tuple[str, str]]:
        return list(self.state.requests)

    def track(self, number: str, fixture: str | None = None, body: bytes | None = None) -> None:
        """`number` answers the recorded `fixture` (a path under tests/fixtures/carriers) or `body`."""
        data = body if body is not None else (FIXTURES / str(fixture)).read_bytes()
        with self.state.lock:
            self.state.answers[number] = data

    def fail(
        self, number: str, status: int, times: int = 1, retry_after: int | None = None, body: bytes = b'{"detail": "failure"}'
    ) -> None:
        """The next `times` requests for `number` answer `status` (429 with Retry-After…)."""
        with self.state.lock:
            self.state.failures[number] = Failure(status, times, retry_after, body)

    def __enter__(self) -> CarrierServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@contextmanager
def carrier_server() -> Iterator[CarrierServer]:
    with CarrierServer() as server:
        yield server
