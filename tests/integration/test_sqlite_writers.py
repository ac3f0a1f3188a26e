"""SQLite, the embedded default: WAL so readers never block the writer, BEGIN IMMEDIATE so
writers queue. Two writers (and a reader) on one database file, on connections of their own.

These tests build their own SQLite file whatever the session's database is.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from integrations.db import tables
from integrations.db.engine import make_engine
from integrations.db.migrate import upgrade
from integrations.db.unit_of_work import uow_factory
from integrations.services.ingest import ingest_updates
from integrations.services.intake import open_complaint
from integrations.services.promises import record_promises
from tests.builders import complaint, spec, update
from tests.interleave import Interleaving

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def sqlite_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("sqlite-writers") / "terrain.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_engine(sqlite_file):
    engine = make_engine(f"sqlite:///{sqlite_file}")
    with engine.begin() as conn:
        for table in reversed(tables.metadata.sorted_tables):
            conn.execute(table.delete())
    yield engine
    engine.dispose()


def test_two_writers_queue_instead_of_failing_or_missing_each_other(sqlite_file, sqlite_engine):
    """A promise is being recorded (its transaction has read the case) when the evidence is
    posted by another connection. With BEGIN IMMEDIATE the ingest waits for the recording to
    commit and then matches the promise; with a deferred BEGIN the ingest would commit in the
    middle, and the recording's stale read would fail its write ("database is locked")."""
    url = f"sqlite:///{sqlite_file}"
    case = open_complaint(uow_factory(sqlite_engine), complaint("refund?", T0), "agent:t", lambda: T0)
    record_engine, ingest_engine = make_engine(url), make_engine(url)
    ix = Interleaving()
    # The recording pauses after its first read until the ingest has stored its update, or for
    # 3 s: the ingest cannot get there while the recording holds the write lock.
    ix.instrument(
        "record",
        record_engine,
        after={"FROM cases": lambda: (ix.mark("record read the case"), ix.wait("ingest stored its update", or_after=3))},
    )
    ix.instrument("ingest", ingest_engine, after={"INSERT INTO updates": lambda: ix.mark("ingest stored its update")})
    results = {}
    try:
        recording = ix.thread(
            lambda: results.update(
                record=record_promises(
                    uow_factory(record_engine),
                    case.case_id,
                    [spec("refund.issue", "stripe", "ch_1", T0 + timedelta(days=1), amount="10", currency="EUR")],
                    "agent:t",
                    lambda: T0 + timedelta(hours=1),
                )
            )
        )
        ix.wait("record read the case")
        ingesting = ix.thread(
            lambda: results.update(
                ingest=ingest_updates(
                    uow_factory(ingest_engine),
                    [update("stripe", "ch_1", "refund_failed", T0 + timedelta(minutes=30))],
                    lambda: T0 + timedelta(hours=2),
                )
            )
        )
        ix.join(recording, ingesting)
    finally:
        record_engine.dispose()
        ingest_engine.dispose()
    with sqlite_engine.connect() as conn:
        verdicts = conn.execute(select(tables.promises.c.verdict, tables.promises.c.reason)).all()
    assert [tuple(v) for v in verdicts] == [("broken", "refund_failed")]


def test_a_reader_in_the_middle_of_its_transaction_does_not_block_a_writer(sqlite_file, sqlite_engine):
    """WAL: a dashboard read holding its snapshot does not stop an update from committing."""
    reader = sqlite3.connect(sqlite_file, isolation_level=None)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM updates").fetchone() == (0,)
        done = threading.Event()
        writer = threading.Thread(
            target=lambda: (
                ingest_updates(uow_factory(sqlite_engine), [update("ups", "1Z", "in_transit", T0)], lambda: T0),
                done.set(),
            ),
            daemon=True,
        )
        writer.start()
        committed = done.wait(20)  # generous; without WAL it waits for the reader (busy_timeout 30 s)
        still_consistent = reader.execute("SELECT count(*) FROM updates").fetchone()
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    writer.join(60)
    assert committed, "the writer waited for a reader: the database is not in WAL mode"
    assert still_consistent == (0,)  # the reader kept its snapshot
    with sqlite_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.updates)).scalar() == 1
