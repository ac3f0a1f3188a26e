"""The dashboard's sessions, kept in the database.

The cookie holds a random session id, never a token: HttpOnly, SameSite=Strict, Secure when
the request came over https (directly or through a proxy saying `X-Forwarded-Proto: https`).
The `sessions` table stores only the id's SHA-256, the key, and when it was opened, expires
(12 h) and was ended. Logging out ends the row; revoking the key (`terrain keys revoke`) ends
every session of the key at once, and a session is read afresh from the database on every
request, so either takes effect on the next click.

Every dashboard POST carries a token derived from the session id in a hidden field, and its
Origin (or, without one, Referer) must be this site when the browser sends one. The login form,
before any session exists, uses a double-submit token: a random value both in a short-lived
Strict cookie and in the form. Failed logins are limited per client address.

A SameSite=Strict cookie is not sent when a link on another site (a mail, a chat) opens a page
here; such a request, with no session, gets a page that reloads itself from this site
(`refresh_from_here`), and that second request carries the cookie."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Request, Response

from integrations.db import credentials
from integrations.db.credentials import ApiKey

COOKIE = "terrain_session"
LOGIN_COOKIE = "terrain_login"
MAX_AGE = credentials.SESSION_HOURS * 3600


@dataclass(frozen=True, slots=True)
class Session:
    key: ApiKey
    session_id: str

    @property
    def csrf(self) -> str:
        return credentials.csrf_token(self.session_id)


def is_https(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def read_session(request: Request) -> Session | None:
    """The live session behind the request's cookie (a database read: revocation is immediate)."""
    session_id = request.cookies.get(COOKIE)
    if not session_id or len(session_id) > 100:
        return None
    state = request.app.state
    key = credentials.find_session(state.engine, session_id, state.clock())
    return None if key is None else Session(key, session_id)


def open_session(request: Request, response: Response, key: ApiKey) -> None:
    state = request.app.state
    session_id = credentials.open_session(state.engine, key.key_id, state.clock())
    response.set_cookie(COOKIE, session_id, httponly=True, samesite="strict", secure=is_https(request), max_age=MAX_AGE, path="/")
    response.delete_cookie(LOGIN_COOKIE, httponly=True, samesite="strict", secure=is_https(request), path="/")


def close_session(request: Request, response: Response) -> None:
    """End the session in the database (its cookie is worthless from now on) and drop the cookie."""
    session_id = request.cookies.get(COOKIE)
    if session_id and len(session_id) <= 100:
        state = request.app.state
        credentials.end_session(state.engine, session_id, state.clock())
    response.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=is_https(request), path="/")


# Cross-site request forgery -----------------------------------------------------------------------


def same_origin(request: Request) -> bool:
    """Origin, or else Referer, names this site when the browser sends one (an absent header
    passes: the form token is the check that always applies)."""
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        if not referer:
            return True
        origin = referer
    if origin == "null":
        return False
    parts = urlsplit(origin)
    host = request.headers.get("host", "")
    return bool(parts.netloc) and parts.netloc.lower() == host.lower() and parts.scheme in ("http", "https")


def tokens_match(given: object, expected: str) -> bool:
    return isinstance(given, str) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def login_form_token(request: Request) -> str:
    """The login form's anti-forgery token: the one already in the browser's cookie, or a new one."""
    token = request.cookies.get(LOGIN_COOKIE)
    return token if token and len(token) <= 100 else secrets.token_urlsafe(32)


def remember_login_form_token(request: Request, response: Response, token: str) -> None:
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", secure=is_https(request), max_age=3600, path="/")


# Failed logins per client address -----------------------------------------------------------------


class LoginLimiter:
    """At most `limit` failed logins per client address per `window` seconds (in this process)."""

    def __init__(self, limit: int = 10, window: float = 60.0, addresses: int = 10_000) -> None:
        self.limit, self.window, self.addresses = limit, window, addresses
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float]:
        failures = self._failures.get(address)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def blocked(self, address: str) -> float:
        """Seconds until this address may try again (0: now)."""
        now = time.monotonic()
        with self._lock:
            failures = self._recent(address, now)
            if len(failures) < self.limit:
                return 0.0
            return max(0.0, failures[0] + self.window - now)

    def failed(self, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            failures = self._recent(address, now)
            failures.append(now)
            self._failures[address] = failures
            self._failures.move_to_end(address)
            while len(self._failures) > self.addresses:
                self._failures.popitem(last=False)


def limiter_of(request: Request) -> LoginLimiter:
    state = request.app.state
    limiter = getattr(state, "login_limiter", None)
    if limiter is None:
        limiter = state.login_limiter = LoginLimiter()
    return limiter


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
