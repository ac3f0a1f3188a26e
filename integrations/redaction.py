"""Credentials out of everything shown or logged: one place that redacts URLs.

`redact_url("http://svc:pass@host/x?api_key=k&token=t&page=2")` gives
`http://svc:***@host/x?api_key=***&token=***&page=2`: the password of the user-info and the
values of query parameters that carry credentials are replaced; the rest stays readable.
`redact_text` does the same to every URL inside a free text (an error message, a log line).
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
# Query parameters whose value is a credential (compared lower-case, `-` read as `_`).
SECRET_PARAMS = frozenset({
    "api_key", "apikey", "key", "token", "access_token", "refresh_token", "id_token", "auth", "authorization",
    "secret", "client_secret", "password", "passwd", "pass", "pwd", "signature", "sig", "x_api_key",
    "private_token", "session", "sessionid", "code", "credential", "credentials",
})
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>`]+")


def _secret_param(name: str) -> bool:
    name = name.lower().replace("-", "_")
    return name in SECRET_PARAMS or name.endswith(("_key", "_token", "_secret", "_password"))


def _redact_query(query: str) -> str:
    pairs = []
    for pair in query.split("&"):
        name, sep, value = pair.partition("=")
        pairs.append(f"{name}={MASK}" if sep and value and _secret_param(name) else pair)
    return "&".join(pairs)


def redact_url(url: str) -> str:
    """The URL with its credentials masked; something that does not parse is masked whole."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, has_password, _ = userinfo.partition(":")
        netloc = f"{user}:{MASK}@{host}" if has_password else f"{MASK}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, _redact_query(parts.query) if parts.query else "",
                       _redact_query(parts.fragment) if "=" in parts.fragment else parts.fragment))


def redact_text(text: str) -> str:
    """Every URL in `text` redacted (httpx puts the URL in its error messages)."""
    return _URL.sub(lambda match: redact_url(match.group(0)), text)


class RedactingFormatter(logging.Formatter):
    """A log formatter whose lines (tracebacks included) have every URL redacted."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_text(super().format(record))
