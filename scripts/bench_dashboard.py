"""Ops views at scale: seed N cases into a fresh PostgreSQL database with `terrain seed`, then
measure p95 of the stuck list (orders, filters, a deep page), the scorecards and their weekly
trend, a case page, the reopen feed and the sweep probe, as the dashboard runs them (queries,
then pages over HTTP through the real app), next to a primary-key lookup measured in the same
run, and print EXPLAIN ANALYZE of the exact statements each one sends.

    python scripts/bench_dashboard.py [--cases 1000000] [--runs 40] [--keep]
    python scripts/bench_dashboard.py --database postgresql+psycopg2://postgres@127.0.0.1:5432/terrain_bench_x
        (measure an already seeded database again: no creation, no seeding, nothing dropped)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, func, select, text, update

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scratch_db import scratch_database  # noqa: E402

from integrations.db import credentials, queries, tables  # noqa: E402
from integrations.db.engine import make_engine  # noqa: E402
from integrations.db.unit_of_work import uow_factory  # noqa: E402
from integrations.playbooks.loader import load_playbooks  # noqa: E402
from integrations.services.cases import read_case  # noqa: E402
from integrations.services.sweep import sweep_deadlines  # noqa: E402

TARGET_MS = 200.0
PLAYBOOKS = list(load_playbooks().values())


def p95(fn, runs: int) -> float:
    fn()  # warm: plan caches, connection pool
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.quantiles(times, n=20)[18] * 1000 if len(times) >= 2 else times[0] * 1000


def captured_sql(engine, fn) -> list[tuple[str, object]]:
    """The statements `fn` sends, with their parameters, for EXPLAIN."""
    seen: list[tuple[str, object]] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        if not executemany:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return seen


def explain(engine, label: str, statements: list[tuple[str, object]]) -> None:
    with engine.connect() as conn:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            cursor = conn.connection.dbapi_connection.cursor()
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters)
            plan = [row[0] for row in cursor.fetchall()]
            cursor.close()
            print(f"\nEXPLAIN ANALYZE {label}:\n  " + "\n  ".join(plan))
        conn.rollback()


def seed(url: str, cases: int) -> None:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "integrations.cli.main", "seed", "--cases", str(cases)],
        cwd=ROOT,
        env={**os.environ, "TERRAIN_DATABASE_URL": url, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    elapsed = time.perf_counter() - start
    print(f"seeded {cases:,} cases in {elapsed:.0f} s ({cases / elapsed:,.0f} cases/s)", flush=True)


def take_some(engine, share: float = 0.02) -> None:
    """What people do: a share of the stuck cases taken by a handful of people, a share of the
    stuck promises snoozed for a day (ownership and snooze are part of what the views filter)."""
    p, c = tables.promises, tables.cases
    stuck = (p.c.verdict == "broken") & ~p.c.addressed & p.c.fulfilled_at.is_(None)
    people = ["Claire Martin", "Olivia Ops", "Samir Haddad", "Léa Dubois", "Tom Petit"]
    now = datetime.now(UTC)
    with engine.begin() as conn:
        case_ids = conn.execute(select(p.c.case_id).where(stuck).order_by(p.c.promise_id)).scalars().all()
        step = max(1, int(1 / share))
        for n, case_id in enumerate(case_ids[::step]):
            conn.execute(update(c).where(c.c.case_id == case_id).values(owner=people[n % len(people)], owned_at=now))
        promise_ids = conn.execute(select(p.c.promise_id).where(stuck).order_by(p.c.promise_id.desc())).scalars().all()
        conn.execute(
            update(p)
            .where(p.c.promise_id.in_(promise_ids[::step]))
            .values(snoozed_until=now + timedelta(days=1), acknowledged_by="agent:Claire Martin", acknowledged_at=now)
        )
    print(
        f"taken: {len(case_ids[::step]):,} cases by {len(people)} people; snoozed: {len(promise_ids[::step]):,} stuck promises",
        flush=True,
    )


def measure(url: str, runs: int) -> None:
    engine = make_engine(url)
    take_some(engine)
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
        sizes = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar()
            for t in (tables.cases, tables.promises, tables.updates, tables.timeline)
        }
        case_id = conn.execute(
            select(tables.promises.c.case_id)
            .where(tables.promises.c.verdict == "broken")
            .order_by(tables.promises.c.due_at.desc())
            .limit(1)
        ).scalar()
        assert case_id is not None, "no broken promise in the database: no case page to read"
        stuck_total = conn.execute(
            select(func.count())
            .select_from(tables.promises)
            .where(tables.promises.c.verdict == "broken", ~tables.promises.c.addressed, tables.promises.c.fulfilled_at.is_(None))
        ).scalar()
    print(
        "rows: "
        + ", ".join(f"{name} {count:,}" for name, count in sizes.items())
        + f"; unaddressed broken promises {stuck_total:,}"
    )
    now = datetime.now(UTC)
    twelve_weeks = (now - timedelta(weeks=12)).replace(hour=0, minute=0, second=0, microsecond=0)
    uow = uow_factory(engine)

    def on_conn(fn):
        def run():
            with engine.connect() as conn:
                return fn(conn)

        return run

    cases = {
        "primary-key lookup (baseline)": on_conn(
            lambda c: c.execute(select(tables.cases).where(tables.cases.c.case_id == case_id)).first()
        ),
        "stuck list, first 100, oldest due": on_conn(lambda c: queries.stuck_promises(c, now)),
        "stuck list, by partner": on_conn(lambda c: queries.stuck_promises(c, now, order="partner")),
        "stuck list, by kind": on_conn(lambda c: queries.stuck_promises(c, now, order="kind")),
        "stuck list, by reason": on_conn(lambda c: queries.stuck_promises(c, now, order="reason")),
        "stuck list, partner=ups reason=wrong_recipient": on_conn(
            lambda c: queries.stuck_promises(c, now, partner="ups", reason="wrong_recipient")
        ),
        "stuck list, kind=refund.issue": on_conn(lambda c: queries.stuck_promises(c, now, kind="refund.issue")),
        "stuck list, overdue for 30 days": on_conn(lambda c: queries.stuck_promises(c, now, overdue_for=timedelta(days=30))),
        "stuck list, page 11 (offset 1000)": on_conn(lambda c: queries.stuck_promises(c, now, offset=1000)),
        "stuck list, one person's (owner=Claire Martin)": on_conn(
            lambda c: queries.stuck_promises(c, now, owner="Claire Martin")
        ),
        "stuck list for people (titles, words, next steps)": on_conn(
            lambda c: queries.for_people(c, queries.stuck_promises(c, now), PLAYBOOKS, "en")
        ),
        "snoozed list": on_conn(lambda c: queries.snoozed_promises(c, now)),
        "case page read model (case, complaints, promises, timeline)": lambda: read_case(uow, case_id),
        "reopen feed (latest 30)": on_conn(lambda c: queries.recent_reopens(c)),
        "sweep batch (index probe, FOR UPDATE SKIP LOCKED)": lambda: sweep_deadlines(uow, lambda: now),
        "scorecards, 12 weeks (uncached)": on_conn(lambda c: queries.scorecards(c, twelve_weeks)),
        "weekly kept rate, 12 weeks (uncached)": on_conn(lambda c: queries.weekly_kept_rate(c, twelve_weeks)),
        "scorecards, all time (uncached)": on_conn(lambda c: queries.scorecards(c)),
    }
    figures = {}
    for label, fn in cases.items():
        heavy = "uncached" in label
        figures[label] = p95(fn, max(5, runs // 4) if heavy else runs)
        print(f"  measured {label}: {figures[label]:.1f} ms", flush=True)

    http = http_figures(engine, case_id, runs)
    figures.update(http)
    base = figures["primary-key lookup (baseline)"]
    print(
        f"\n{'p95 over ' + str(runs) + ' runs (heavy ones: ' + str(max(5, runs // 4)) + ')':64} "
        f"{'ms':>8} {'x baseline':>10} {'target':>8}"
    )
    for label, value in figures.items():
        verdict = "" if label.startswith("primary") else ("ok" if value <= TARGET_MS else "OVER")
        print(f"{label:64} {value:8.1f} {value / base:10.1f} {verdict:>8}")

    print("\n--- plans of the statements the dashboard sends ---")
    for label, fn in (
        ("stuck list (oldest due)", cases["stuck list, first 100, oldest due"]),
        ("stuck list by partner", cases["stuck list, by partner"]),
        ("stuck list by kind", cases["stuck list, by kind"]),
        ("stuck list, partner + reason", cases["stuck list, partner=ups reason=wrong_recipient"]),
        ("stuck list, one person's", cases["stuck list, one person's (owner=Claire Martin)"]),
        ("stuck list for people", cases["stuck list for people (titles, words, next steps)"]),
        ("snoozed list", cases["snoozed list"]),
        ("case page", cases["case page read model (case, complaints, promises, timeline)"]),
        ("reopen feed", cases["reopen feed (latest 30)"]),
        ("scorecards 12 weeks", cases["scorecards, 12 weeks (uncached)"]),
        ("weekly kept rate", cases["weekly kept rate, 12 weeks (uncached)"]),
    ):
        statements = captured_sql(engine, fn)
        # The case page and the feed send several statements: show each (the feed's first page only).
        explain(engine, label, statements[:1] if label == "reopen feed" else statements)
    engine.dispose()


def http_figures(engine, case_id: str, runs: int) -> dict[str, float]:
    """The pages through the real app (auth, query, template) in-process, with an ops Bearer token."""
    from fastapi.testclient import TestClient

    from integrations.api.app import create_app
    from integrations.settings import Settings

    token = credentials.create_key(engine, "ops", None, datetime.now(UTC))
    app = create_app(Settings(database_url=str(engine.url)), engine=engine)
    headers = {"Authorization": f"Bearer {token}"}
    out = {}
    with contextlib.ExitStack() as stack:
        client = stack.enter_context(TestClient(app))
        for label, path in (
            ("HTTP GET / (stuck page)", "/"),
            ("HTTP GET /?sort=kind&reason=wrong_location", "/?sort=kind&reason=wrong_location"),
            ("HTTP GET /?owner=Claire Martin", "/?owner=Claire+Martin"),
            ("HTTP GET /warnings (at risk, to check)", "/warnings"),
            ("HTTP GET /cases/{id}", f"/cases/{case_id}"),
            ("HTTP GET /feed (htmx fragment)", "/feed"),
            ("HTTP GET /scorecards (30 s aggregate cache)", "/scorecards"),
        ):

            def get(path=path):
                response = client.get(path, headers={**headers, **({"HX-Request": "true"} if "feed" in path else {})})
                assert response.status_code == 200, (path, response.status_code)

            out[label] = p95(get, runs)
            print(f"  measured {label}: {out[label]:.1f} ms", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--url",
        default=os.environ.get("TERRAIN_BENCH_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"),
        help="admin URL: a scratch database is created next to it",
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    parser.add_argument("--database", help="measure this already seeded database instead (kept as is)")
    args = parser.parse_args()
    if args.database:
        measure(args.database, args.runs)
        return
    with scratch_database(args.url, keep=args.keep) as url:
        print(f"scratch database {url.rsplit('/', 1)[1]}{' (kept)' if args.keep else ''}", flush=True)
        seed(url, args.cases)
        measure(url, args.runs)


if __name__ == "__main__":
    main()
