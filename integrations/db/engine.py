"""Engines for the configured database, tuned per dialect."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool

from integrations import tracing


def make_engine(url: str, *, pool_size: int = 10, pre_ping: bool = True) -> Engine:
    """`pre_ping` tests each pooled connection with a round trip before use. The API turns it
    off: its hot path retries a transaction whose connection turns out dead instead (see
    integrations/api/batcher.py), which saves a round trip per group commit."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, poolclass=NullPool if ":memory:" not in url else None
        )
        _sqlite_pragmas(engine)
        return tracing.instrument_engine(engine)
    return tracing.instrument_engine(
        create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=pre_ping, pool_recycle=1800)
    )


def _sqlite_pragmas(engine: Engine) -> None:
    """WAL so readers never block the writer; BEGIN IMMEDIATE so writers queue, not deadlock."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@lru_cache(maxsize=8)
def engine_for(url: str, *, pre_ping: bool = True) -> Engine:
    """One engine (and pool) per URL per process."""
    return make_engine(url, pre_ping=pre_ping)
