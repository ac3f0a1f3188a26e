"""Forced interleavings of two transactions on two real connections.

A test pauses each transaction at a chosen statement (or at its commit) until the other one
has passed a named point, or until the other one is waiting for a lock: so the order of the
two transactions' statements is set by the test, not left to the scheduler, and a missing
lock shows up every time instead of once in a while.

Points are marked from SQLAlchemy engine events (no hook in production code): `before` and
`after` a statement that contains a given fragment, and `commit`.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from typing import Callable

from sqlalchemy import Engine, event, text

TIMEOUT = 60.0  # generous: a stuck interleaving fails the test instead of hanging it


class Interleaving:
    def __init__(self, watcher: Engine | None = None) -> None:
        self.watcher = watcher  # PostgreSQL: reads pg_stat_activity to see who waits for a lock
        self.reached: dict[str, threading.Event] = defaultdict(threading.Event)
        self.pids: dict[str, int] = {}
        self.errors: list[BaseException] = []

    # --- points -------------------------------------------------------------------------

    def mark(self, point: str) -> None:
        self.reached[point].set()

    def has(self, point: str) -> bool:
        return self.reached[point].is_set()

    def wait(self, point: str, *, or_blocked: str | None = None, or_after: float | None = None) -> str:
        """Wait until `point` is reached; or, sooner, until the transaction `or_blocked` waits
        for a lock (PostgreSQL), or `or_after` seconds passed (SQLite, which cannot say)."""
        start = time.monotonic()
        while not self.reached[point].wait(0.02):
            if or_blocked is not None and self.waiting_for_lock(or_blocked):
                return "blocked"
            elapsed = time.monotonic() - start
            if or_after is not None and elapsed >= or_after:
                return "timeout"
            if elapsed > TIMEOUT:
                raise AssertionError(f"the interleaving never reached {point!r}")
        return point

    def waiting_for_lock(self, who: str) -> bool:
        pid = self.pids.get(who)
        if pid is None or self.watcher is None:
            return False
        with self.watcher.connect() as conn:
            return (
                conn.execute(
                    text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
                ).scalar()
                is True
            )

    # --- instrumenting one side ---------------------------------------------------------

    def instrument(
        self,
        who: str,
        engine: Engine,
        *,
        before: dict[str, Callable[[], object]] | None = None,
        after: dict[str, Callable[[], object]] | None = None,
        at_commit: Callable[[], object] | None = None,
    ) -> None:
        """Run `before[fragment]` before (`after[fragment]` after) the first statement of
        `engine` containing `fragment`, and `at_commit` just before its first commit."""
        before, after = dict(before or {}), dict(after or {})
        is_pg = engine.dialect.name == "postgresql"

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:
            if is_pg:
                self.pids.setdefault(who, conn.connection.dbapi_connection.info.backend_pid)

        @event.listens_for(engine, "before_cursor_execute")
        def _before(conn, cursor, statement, parameters, context, executemany) -> None:
            for fragment in list(before):
                if fragment in statement:
                    before.pop(fragment)()

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn, cursor, statement, parameters, context, executemany) -> None:
            for fragment in list(after):
                if fragment in statement:
                    after.pop(fragment)()

        if at_commit is not None:
            pending = [at_commit]

            @event.listens_for(engine, "commit")
            def _commit(conn) -> None:
                if pending:
                    pending.pop()()

    def thread(self, target: Callable[[], object]) -> threading.Thread:
        def run() -> None:
            try:
                target()
            except BaseException as exc:  # reported by join()
                self.errors.append(exc)

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        return worker

    def join(self, *threads: threading.Thread) -> None:
        for worker in threads:
            worker.join(TIMEOUT)
            assert not worker.is_alive(), "a transaction of the interleaving is stuck"
        if self.errors:
            raise self.errors[0]
