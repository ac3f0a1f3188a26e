"""Real local receivers for alerts and partner requests: an HTTP server and an SMTP server."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class HttpReceiver:
    """Records every POST; `respond` decides the status (e.g. 500 for the first try)."""

    def __init__(self, respond: Callable[[int], int] | None = None, body: dict | None = None, port: int = 0) -> None:
        self.requests: list[dict] = []
        self.arrived = threading.Condition()
        self.respond = respond or (lambda n: 200)
        self.reply = body or {"ok": True}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.arrived:
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": raw})
                    count = len(receiver.requests)
                    receiver.arrived.notify_all()
                status = receiver.respond(count)
                payload = json.dumps(receiver.reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HttpReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 60) -> bool:
        """Wait until `count` requests have arrived (generous timeout: speed is for benchmarks)."""
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.requests) >= count, timeout)

    def json_bodies(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]


class SmtpReceiver:
    def __init__(self) -> None:
        self.messages: list = []
        receiver = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                receiver.messages.append(envelope)
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpReceiver:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    def url(self) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=terrain@example.com&to=cm@example.com&mode=insecure"
