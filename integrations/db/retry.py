"""One more try for a transaction that failed for a reason of the moment.

Worth retrying, because nothing of the failed transaction was committed and the same work can
succeed at once:
- a pooled connection found dead (the database restarted, a proxy dropped it idle): SQLAlchemy
  has invalidated it and the pool, the next try gets a fresh connection;
- a deadlock (SQLSTATE 40P01) or a serialization failure (40001): the database rolled one
  transaction back so that the others go on.

An ingest is idempotent ((partner, event_id) is processed once): had the commit itself gone
through before the connection broke, the retry finds the updates stored and answers
"duplicate"; stored once either way. Anything else, or the same failure once more, is raised:
the API answers it with a JSON 503 (integrations/api/errors.py).
"""

from __future__ import annotations

import logging
import random
import time
from typing import Callable, TypeVar

from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRIED_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock detected, serialization failure
ATTEMPTS = 3


def sqlstate(exc: BaseException) -> str:
    return getattr(getattr(exc, "orig", None), "pgcode", None) or ""


def worth_retrying(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError) and (exc.connection_invalidated or sqlstate(exc) in RETRIED_SQLSTATES)


def retried(work: Callable[[], T], *, attempts: int = ATTEMPTS, what: str = "transaction") -> T:
    """`work()`, run again while it fails for a reason of the moment: up to `attempts` times in
    all after deadlocks, but only once more after a lost connection (a second one means the
    database is down, and the caller's 503 is the answer)."""
    reconnected = False
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except DBAPIError as exc:
            lost = exc.connection_invalidated
            if attempt == attempts or not worth_retrying(exc) or (lost and reconnected):
                raise
            reconnected = reconnected or lost
            log.info("%s failed (%s); trying again", what, "connection lost" if lost else f"SQLSTATE {sqlstate(exc)}")
            if not lost:
                time.sleep(random.uniform(0, 0.02 * attempt))  # let the winner of the deadlock commit
    raise AssertionError("unreachable")  # pragma: no cover
