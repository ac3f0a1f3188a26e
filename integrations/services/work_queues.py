"""What alerts and partner requests share: claims with a lease on a work-queue port, and the
backoff between attempts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

from integrations.services.ports import UnitOfWork, WorkQueue

LEASE = timedelta(seconds=60)  # the default claim lease (TERRAIN_CLAIM_LEASE_SECONDS in the flows)
Pick = Callable[[UnitOfWork], WorkQueue]  # which queue of the unit of work


def backoff(attempt: int) -> timedelta:
    """1 s, 2 s, 4 s … capped at 10 minutes."""
    return timedelta(seconds=min(600, 2 ** max(0, attempt - 1)))


def claim(uow_factory: Callable[[], UnitOfWork], pick: Pick, now: datetime, limit: int, lease: timedelta) -> list[dict[str, Any]]:
    with uow_factory() as uow:
        claimed = pick(uow).claim(now, limit, lease)
        uow.commit()
    return claimed


def has_due(uow_factory: Callable[[], UnitOfWork], pick: Pick, now: datetime) -> bool:
    with uow_factory() as uow:
        return pick(uow).has_due(now)
