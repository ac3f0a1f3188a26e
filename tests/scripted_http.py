"""A local HTTP server that answers what the test's `answer(request)` returns, (status, headers,
body), and records every request (method, path with query, headers, body, arrival time): for
the carrier poll's tests with a scripted carrier (tests/fake_carriers.py) or scripted answers
at a real carrier's paths. tests/carrier_server.py plays the real carriers with their recorded
answers."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


@dataclass(frozen=True)
class Seen:
    method: str
    path: str  # with its query string
    headers: dict[str, str]  # lower-case names
    body: bytes
    at: float = 0.0  # time.monotonic() when it arrived


Answer = Callable[[Seen], tuple[int, dict[str, str], bytes]]


class ScriptedServer:
    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                    time.monotonic(),
                )
                server.requests.append(seen)
                try:
                    status, headers, body = server.answer(seen)
                except Exception as exc:  # a test's answer that fails is a 500, visible in the test
                    status, headers, body = 500, {}, f"answer failed: {exc}".encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _serve

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def paths(self, prefix: str = "") -> list[str]:
        return [r.path for r in self.requests if r.path.startswith(prefix)]
