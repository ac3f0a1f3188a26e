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
        request_id = b""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                request_id = value if _ID_OK.match(value) else b""
                break
        request_id = request_id or os.urandom(16).hex().encode()
        header = (b"x-request-id", request_id)
        context = {"request_id": request_id.decode()}
        token = logging_setup._context.set(context)
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
            if self.access_log and access_log.isEnabledFor(logging.INFO):
                path = getattr(scope.get("route"), "path", "unmatched")
                access_log.info(
                    "%s %s %s",
                    scope["method"],
                    path,
                    status,
                    extra={
                        "method": scope["method"],
                        "path": path,
                        "status": status,
                        "duration_ms": round((time.perf_counter() - start) * 1000, 2),
                    },
                )
            logging_setup._context.reset(token)
