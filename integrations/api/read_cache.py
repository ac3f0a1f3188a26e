"""A short-lived cache for expensive ops aggregates (scorecards): a dashboard refreshed by ten
managers costs one scan per period, and the figures are at most `ttl` seconds old."""

from __future__ import annotations

import threading
from typing import Any, Callable, Hashable

from cachetools import TTLCache


class TtlCache:
    def __init__(self, ttl: float = 30.0, size: int = 64) -> None:
        self._items: TTLCache[Hashable, Any] = TTLCache(maxsize=size, ttl=ttl)
        self._lock = threading.Lock()  # cachetools caches are not thread-safe; reads run in threads

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            hit = self._items.get(key, _MISSING)
        if hit is not _MISSING:
            return hit
        value = compute()  # outside the lock: a slow scan does not block the other keys
        with self._lock:
            self._items[key] = value
        return value


_MISSING = object()
