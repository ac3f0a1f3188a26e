"""A short-lived cache for expensive ops aggregates (scorecards): a dashboard refreshed by ten
managers costs one scan per period, and the figures are at most `ttl` seconds old."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Hashable


class TtlCache:
    def __init__(self, ttl: float = 30.0, size: int = 64) -> None:
        self.ttl, self.size = ttl, size
        self._items: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
            if hit and hit[0] > now:
                return hit[1]
        value = compute()
        with self._lock:
            if len(self._items) >= self.size:
                self._items.clear()
            self._items[key] = (now + self.ttl, value)
        return value
