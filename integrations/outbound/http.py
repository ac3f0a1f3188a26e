"""One HTTP client per process for Terrain's outbound requests (partner action URLs, Stripe):
connections are pooled and reused, with timeouts and limits set once here."""

from __future__ import annotations

import os
import threading

import httpx

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=16, keepalive_expiry=30.0)

_lock = threading.Lock()
_client: httpx.Client | None = None
_pid = 0


def client() -> httpx.Client:
    """The process's client (a forked child makes its own: pooled sockets are not shared)."""
    global _client, _pid
    if _client is None or _pid != os.getpid():
        with _lock:
            if _client is None or _pid != os.getpid():
                _client = httpx.Client(timeout=TIMEOUT, limits=LIMITS, follow_redirects=False, headers={"User-Agent": "Terrain"})
                _pid = os.getpid()
    return _client


def close() -> None:
    global _client
    with _lock:
        if _client is not None:
            _client.close()
        _client = None
