"""Ingestion as the API runs it: transactions of at most MAX_UPDATES updates, each tried again
when it failed for a reason of the moment (integrations/db/retry.py).

A batch is one transaction (the contract caps it at MAX_UPDATES). A webhook that fans out into
more (a Stripe `charge.refunded` listing thousands of refunds) is split into transactions of
MAX_UPDATES: each update is still processed once, since (partner, event_id) is the dedupe key;
if a later transaction fails, the answer is a 503 and the provider's redelivery finds the
first ones stored (duplicates) and stores the rest. No transaction holds more rows, or more
locks, than a batch does.
"""

from __future__ import annotations

from functools import partial
from typing import Callable, Sequence

from domain.model import FieldUpdate
from integrations.api.schemas import MAX_BATCH
from integrations.db.retry import retried
from integrations.services.clock import Clock
from integrations.services.ingest import ItemResult, ingest_updates
from integrations.services.ports import UnitOfWork

MAX_UPDATES = MAX_BATCH


def ingest(
    uow_factory: Callable[[], UnitOfWork], updates: Sequence[FieldUpdate], clock: Clock, *, per_transaction: int = MAX_UPDATES
) -> list[ItemResult]:
    """One result per update, in order; returning means every transaction committed."""
    results: list[ItemResult] = []
    for start in range(0, len(updates), per_transaction):
        part = updates[start : start + per_transaction]
        results += retried(partial(ingest_updates, uow_factory, part, clock), what=f"ingest of {len(part)} updates")
    return results
