"""Request timing for /metrics and the request context of the logs, as plain ASGI middleware (no BaseHTTPMiddleware task groups,
which would wrap exceptions raised while the body streams in)."""

from __future__ import annotations

import logging
import os
import re
import time

from integrations import logging_setup, metrics


class RequestTiming:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def observing_send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observing_send)
        finally:
            route = scope.get("route")
            metrics.HTTP_DURATION.labels(scope.get("method", ""), getattr(route, "path", "unmatched"), str(status)).observe(
                time.perf_counter() - start
            )


access_log = logging.getLogger("terrain.access")
_ID_OK = re.compile(rb"^[A-Za-z0-9._:@/+=-]{1,128}$")


def request_id_of(scope) -> bytes:
    """The caller's `X-Request-ID` when it is sane, else a new one."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            return value if _ID_OK.match(value) else os.urandom(16).hex().encode()
    return os.urandom(16).hex().encode()


def log_access(method: str, path: str, status: int, started: float) -> None:
    """The request's access line: method, route template, status and duration; the request id,
    partner and case come from the log context (integrations/logging_setup.py)."""
    if access_log.isEnabledFor(logging.INFO):
        access_log.info(
            "%s %s %s",
            method,
            path,
            status,
            extra={
                "method": method,
                "path": path,
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )


class RequestContext:
    """Outermost: the request id (the caller's `X-Request-ID` when it is sane, else a new one)
    in the log context of everything the request does and in the `X-Request-ID` header of every
    answer, refusals and the hot path included; then one access line per request (method, route
    template, status, duration, and the partner / case the request turned out to be about)."""

    def __init__(self, app, access_log: bool = True) -> None:
        self.app, self.access_log = app, access_log

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        header = (b"x-request-id", request_id)
        token = logging_setup._context.set({"request_id": request_id.decode()})
        start = time.perf_counter()
        status = 500

        async def send_with_id(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if self.access_log:
                log_access(scope["method"], getattr(scope.get("route"), "path", "unmatched"), status, start)
            logging_setup._context.reset(token)
