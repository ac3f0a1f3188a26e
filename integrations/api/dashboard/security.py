"""Security headers on every response, API and dashboard alike.

The dashboard has no inline script or style (htmx is a file, configured by a meta tag with eval,
script tags and its injected indicator style off; the chart is SVG markup; `/docs` loads
Swagger UI and its start-up script from this site), so the policy allows scripts and styles from
this origin only. Frames are refused (`frame-ancestors 'none'` and `X-Frame-Options: DENY`).
HSTS is sent only on requests that came over TLS (the scheme, or `X-Forwarded-Proto: https`
from the proxy that terminates it): on plain http it would be meaningless."""

from __future__ import annotations

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


def over_tls(scope) -> bool:
    if scope.get("scheme") == "https":
        return True
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-proto":
            return value.split(b",")[0].strip().lower() == b"https"
    return False


class SecurityHeaders:
    """Pure ASGI (no body buffering): adds the headers to the response start of every request."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = HEADERS + [HSTS] if over_tls(scope) else HEADERS

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                message["headers"] = [*message.get("headers", ()), *(header for header in extra if header[0] not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)
