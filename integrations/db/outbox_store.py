"""Work queues in tables (alerts in `outbox`, partner requests in `outbound_requests`):
claimed with a lease so that several workers share them and a crashed one is taken over."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, select, update


def claim(conn: Connection, table: Table, now: datetime, limit: int, lease: timedelta) -> list[Any]:
    """Take up to `limit` due rows: their next attempt moves past the lease, so another worker
    only gets them if this one dies. SKIP LOCKED on PostgreSQL; SQLite serialises writers."""
    key = table.primary_key.columns.values()[0]
    due = (
        select(key)
        .where(table.c.state == "pending", table.c.next_attempt_at <= now)
        .order_by(table.c.next_attempt_at)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    stmt = (
        update(table)
        .where(key.in_(due.scalar_subquery()))
        .values(next_attempt_at=now + lease, attempts=table.c.attempts + 1)
        .returning(*table.c)
    )
    return list(conn.execute(stmt))


def renew(conn: Connection, table: Table, row_id: Any, attempts: int, until: datetime) -> bool:
    """Extend this worker's claim just before it acts; False when the claim is no longer ours
    (it expired and another worker took the row, which bumped `attempts`, or it is done).
    `attempts` is the fencing token: a stale worker never sends or records over a newer one."""
    key = table.primary_key.columns.values()[0]
    return (
        conn.execute(
            update(table)
            .where(key == row_id, table.c.state == "pending", table.c.attempts == attempts)
            .values(next_attempt_at=until)
        ).rowcount
        == 1
    )


def finish(
    conn: Connection,
    table: Table,
    row_id: Any,
    *,
    state: str,
    now: datetime,
    next_attempt_at: datetime | None = None,
    error: str | None = None,
    response: Any = None,
    attempts: int | None = None,
) -> bool:
    """Record the outcome; with `attempts`, only if the claim is still this worker's."""
    key = table.primary_key.columns.values()[0]
    values: dict[str, Any] = {"state": state, "last_error": error}
    if state == "sent":
        values["sent_at"] = now
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    if response is not None and "response" in table.c:
        values["response"] = response
    stmt = update(table).where(key == row_id)
    if attempts is not None:
        stmt = stmt.where(table.c.state == "pending", table.c.attempts == attempts)
    return conn.execute(stmt.values(**values)).rowcount == 1


def has_due(conn: Connection, table: Table, now: datetime) -> bool:
    """Cheap poll along the partial index on pending rows."""
    return (
        conn.execute(
            select(table.primary_key.columns.values()[0])
            .where(table.c.state == "pending", table.c.next_attempt_at <= now)
            .limit(1)
        ).first()
        is not None
    )
