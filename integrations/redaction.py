"""Credentials out of everything shown or logged: the one place that redacts.

`redact_url("http://svc:pass@host/x?api_key=k&token=t&page=2")` gives
`http://svc:***@host/x?api_key=***&token=***&page=2`: the password of the user-info and the
values of query parameters that carry credentials are replaced; the rest stays readable.
`redact_text` does the same to every URL inside a free text (an error message, a log line).
`redact` is what every log line goes through (integrations/logging_setup.py, `RedactingFormatter`):
the URLs of `redact_text`, and bearer tokens, Stripe keys, `whsec_`/`trn_` values and
`secret=`/`token=`/`password=` values wherever they appear.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
# Query parameters whose value is a credential (compared lower-case, `-` read as `_`).
SECRET_PARAMS = frozenset(
    {
        "api_key",
        "apikey",
        "key",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "auth",
        "authorization",
        "secret",
        "client_secret",
        "password",
        "passwd",
        "pass",
        "pwd",
        "signature",
        "sig",
        "x_api_key",
        "private_token",
        "session",
        "sessionid",
        "code",
        "credential",
        "credentials",
    }
)
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
    return urlunsplit(
        (
            parts.scheme,
            netloc,
            parts.path,
            _redact_query(parts.query) if parts.query else "",
            _redact_query(parts.fragment) if "=" in parts.fragment else parts.fragment,
        )
    )


def redact_text(text: str) -> str:
    """Every URL in `text` redacted (httpx puts the URL in its error messages)."""
    return _URL.sub(lambda match: redact_url(match.group(0)), text)


# What a log line must never show besides URL credentials: (pattern, replacement, words one of
# which the line must contain, lower-cased, for the pattern to be tried: most lines contain none,
# and cost no regex).
_SECRETS = [
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}"), r"\1 ***", ("bearer", "basic")),
    (re.compile(r"\b(sk|rk|pk)_(live|test)_[A-Za-z0-9]{4,}"), r"\1_\2_***", ("_live_", "_test_")),
    (re.compile(r"\bwhsec_[A-Za-z0-9+/=]{4,}"), "whsec_***", ("whsec_",)),
    (re.compile(r"\btrn_[A-Za-z0-9_-]{8,}"), "trn_***", ("trn_",)),
    (
        re.compile(r"(?i)\b(secret|token|password|passwd|api[_-]?key|authorization)([\"']?\s*[=:]\s*[\"']?)[^\s,;\"'&}]+"),
        r"\1\2***",
        ("secret", "token", "passw", "api", "authorization"),
    ),
]
_ANY_WORD = re.compile("|".join(re.escape(word) for _p, _r, words in _SECRETS for word in words) + "|://")


def redact(text: str) -> str:
    """A log line with every credential masked (about 1 µs for a line that names none)."""
    lowered = text.lower()
    if not _ANY_WORD.search(lowered):
        return text
    if "://" in text:
        text = redact_text(text)
    for pattern, replacement, words in _SECRETS:
        if any(word in lowered for word in words):
            text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    """A log formatter whose lines (tracebacks included) have every credential redacted."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
