"""Request timing for /metrics, as plain ASGI middleware (no BaseHTTPMiddleware task groups,
which would wrap exceptions raised while the body streams in)."""

from __future__ import annotations

import time

from integrations import metrics


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
            metrics.HTTP_DURATION.labels(scope.get("method", ""), getattr(route, "path", "unmatched"),
                                         str(status)).observe(time.perf_counter() - start)
