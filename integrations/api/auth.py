"""Bearer tokens with roles: agent, ops, partner (bound to one partner name)."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Awaitable, Callable

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from integrations.api.errors import ApiError
from integrations.db.credentials import ApiKey, find_key

# A revoked key stops working everywhere within this time (each process caches on its own).
_CACHE_SECONDS = 1.0
_CACHE_SIZE = 4096


class KeyCache:
    """Positive lookups for a second: every request authenticates, most with a known key, and a
    key revoked from another process (`terrain keys revoke`) is refused within that second."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, tuple[float, ApiKey]] = OrderedDict()

    def get(self, token: str) -> ApiKey | None:
        hit = self._items.get(token)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, token: str, key: ApiKey) -> None:
        self._items[token] = (time.monotonic() + _CACHE_SECONDS, key)
        self._items.move_to_end(token)
        while len(self._items) > _CACHE_SIZE:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def lookup(request: Request, token: str) -> ApiKey | None:
    cache: KeyCache = request.app.state.key_cache
    key = cache.get(token)
    if key is None:
        key = find_key(request.app.state.engine, token)
        if key is not None:
            cache.put(token, key)
    return key


def authenticate_request(request: Request) -> ApiKey | None:
    """The key behind a Bearer header, or behind the dashboard's session cookie."""
    token = bearer_token(request)
    if token:
        return lookup(request, token)
    from integrations.api.dashboard.sessions import read_session  # late: the dashboard imports this module

    session = read_session(request)
    return session.key if session else None


def require_roles(*roles: str) -> Callable[[Request], Awaitable[ApiKey]]:
    async def dependency(request: Request) -> ApiKey:
        # Async so that the usual cache hit costs no thread hop; a miss reads the database in a thread.
        token = bearer_token(request)
        if token is None:
            raise ApiError(401, "unauthorized", "a Bearer token is required")
        key = request.app.state.key_cache.get(token) or await run_in_threadpool(lookup, request, token)
        if key is None:
            raise ApiError(401, "unauthorized", "unknown or revoked token")
        if key.role not in roles:
            raise ApiError(403, "forbidden", f"this needs the role {' or '.join(roles)}",
                           {"role": key.role})
        return key

    dependency.__name__ = f"require_{'_or_'.join(roles)}"
    return dependency
