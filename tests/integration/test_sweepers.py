"""Several sweepers share the backlog (PostgreSQL, SELECT … FOR UPDATE OF cases SKIP LOCKED):
each overdue case is swept once, and both sweepers do part of the work."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from integrations.db import tables
from integrations.db.engine import make_engine
from integrations.db.unit_of_work import uow_factory
from integrations.services.intake import open_complaint
from integrations.services.promises import record_promises
from integrations.services.sweep import sweep_deadlines
from tests.builders import complaint, spec
from tests.interleave import Interleaving

pytestmark = pytest.mark.postgres_only

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CLAIM = "JOIN promises"  # the sweep's claim: overdue cases along the pending promises


def test_two_sweepers_on_one_backlog_sweep_each_case_once_and_both_work(db, database_url):
    uow = uow_factory(db)
    backlog = 20
    for i in range(backlog):
        case = open_complaint(uow, complaint(f"call me back {i}", T0), "agent:cm", lambda: T0)
        record_promises(uow, case.case_id, [spec("callback", "cc", f"CB{i}", T0 + timedelta(hours=1))], "agent:cm", lambda: T0)
    engines = {name: make_engine(database_url, pool_size=1) for name in ("a", "b")}
    checked: dict[str, list[int]] = {"a": [], "b": []}
    ix = Interleaving(watcher=db)
    # Sweeper a holds its first claim open until b has claimed a batch too (or waits for a's rows).
    ix.instrument(
        "a", engines["a"], after={CLAIM: lambda: ix.mark("a claimed")}, at_commit=lambda: ix.wait("b claimed", or_blocked="b")
    )
    ix.instrument("b", engines["b"], after={CLAIM: lambda: ix.mark("b claimed")})
    start_b = threading.Event()

    def sweeper(name: str) -> None:
        if name == "b":
            start_b.wait(60)
        while True:
            report = sweep_deadlines(uow_factory(engines[name]), lambda: T0 + timedelta(hours=2), batch_size=5)
            checked[name].append(report.cases_checked)
            if report.cases_checked == 0:
                return

    try:
        a, b = ix.thread(lambda: sweeper("a")), ix.thread(lambda: sweeper("b"))
        ix.wait("a claimed")
        start_b.set()
        ix.join(a, b)
    finally:
        for engine in engines.values():
            engine.dispose()
    assert sum(checked["a"]) + sum(checked["b"]) == backlog, f"a case was swept twice: {checked}"
    assert sum(checked["a"]) > 0 and sum(checked["b"]) > 0, f"one sweeper did all the work: {checked}"
    with db.connect() as conn:
        verdicts = conn.execute(select(tables.promises.c.verdict, func.count()).group_by(tables.promises.c.verdict)).all()
        alerts = conn.execute(select(func.count()).select_from(tables.outbox)).scalar()
        swept_lines = conn.execute(
            select(func.count()).select_from(tables.timeline).where(tables.timeline.c.type == "verdict")
        ).scalar()
    assert dict(verdicts) == {"broken": backlog}
    assert alerts == backlog and swept_lines == backlog
