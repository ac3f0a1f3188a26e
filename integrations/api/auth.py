"""Bearer tokens with roles: agent, ops, partner (bound to one partner name)."""

from __future__ import annotations

import threading
from typing import Annotated, Awaitable, Callable

from cachetools import TTLCache
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from integrations import logging_setup
from integrations.api.errors import ApiError
from integrations.db.credentials import ApiKey, find_key

# A revoked key stops working everywhere within this time (each process caches on its own).
_CACHE_SECONDS = 1.0
_CACHE_SIZE = 4096
_ID_PARAMS = ("case_id", "promise_id", "suggestion_id")


class KeyCache:
    """Positive lookups for a second: every request authenticates, most with a known key, and a
    key revoked from another process (`terrain keys revoke`) is refused within that second."""

    def __init__(self, ttl: float = _CACHE_SECONDS, size: int = _CACHE_SIZE) -> None:
        self._items: TTLCache[str, ApiKey] = TTLCache(maxsize=size, ttl=ttl)
        self._lock = threading.Lock()  # the event loop reads, threadpool lookups write

    def get(self, token: str) -> ApiKey | None:
        with self._lock:
            return self._items.get(token)

    def put(self, token: str, key: ApiKey) -> None:
        with self._lock:
            self._items[token] = key

    def clear(self) -> None:
        with self._lock:
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


# Declares the scheme in OpenAPI (`securitySchemes`) and parses the header; auto_error off so
# that a missing token is answered by us, in the error envelope, not by FastAPI's default 403.
bearer_scheme = HTTPBearer(
    auto_error=False, scheme_name="bearer", description="a token from `terrain keys create` (roles agent, ops, partner)"
)


def require_roles(*roles: str) -> Callable[..., Awaitable[ApiKey]]:
    async def dependency(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
    ) -> ApiKey:
        # Async so that the usual cache hit costs no thread hop; a miss reads the database in a thread.
        token = credentials.credentials.strip() if credentials else None
        if not token:
            raise ApiError(401, "unauthorized", "a Bearer token is required")
        key = request.app.state.key_cache.get(token) or await run_in_threadpool(lookup, request, token)
        if key is None:
            raise ApiError(401, "unauthorized", "unknown or revoked token")
        logging_setup.bind(
            partner=key.partner,
            key_id=key.key_id,
            **{name: request.path_params[name] for name in _ID_PARAMS if name in request.path_params},
        )
        if key.role not in roles:
            raise ApiError(403, "forbidden", f"this needs the role {' or '.join(roles)}", {"role": key.role})
        return key

    dependency.__name__ = f"require_{'_or_'.join(roles)}"
    return dependency
