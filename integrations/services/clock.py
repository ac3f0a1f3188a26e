"""The clock the use cases read; tests pass their own."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Callable

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)
