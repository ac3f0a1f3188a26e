"""Ops views at scale: seed N cases into a fresh PostgreSQL database with `terrain seed`, then
measure p95 of the stuck list, the scorecards and a case page (queries as the dashboard runs
them), next to a primary-key lookup measured in the same run, and print the EXPLAIN plans.

    python scripts/bench_dashboard.py [--cases 1000000] [--runs 40]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scratch_db import scratch_database  # noqa: E402

from integrations.db import queries, tables  # noqa: E402
from integrations.db.engine import make_engine  # noqa: E402
from integrations.db.unit_of_work import uow_factory  # noqa: E402
from integrations.services.cases import read_case  # noqa: E402
from integrations.services.sweep import sweep_deadlines  # noqa: E402


def p95(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.quantiles(times, n=20)[18] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default=os.environ.get("TERRAIN_BENCH_POSTGRES_URL",
                                                        "postgresql+psycopg2://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    with scratch_database(args.url, keep=args.keep) as url:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "integrations.cli.main", "seed", "--cases", str(args.cases)],
                       cwd=ROOT, env={**os.environ, "TERRAIN_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}, check=True)
        print(f"seeded {args.cases:,} cases in {time.perf_counter() - start:.0f} s")
        engine = make_engine(url)
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
            case_id = conn.execute(select(tables.promises.c.case_id).where(tables.promises.c.verdict == "broken")
                                   .limit(1)).scalar()
        now = datetime.now(UTC)
        uow = uow_factory(engine)

        def with_conn(fn):
            def run():
                with engine.connect() as conn:
                    return fn(conn)
            return run

        figures = {
            "primary-key lookup (baseline)": p95(with_conn(lambda c: c.execute(
                select(tables.cases).where(tables.cases.c.case_id == case_id)).first()), args.runs),
            "stuck list (first 100)": p95(with_conn(lambda c: queries.stuck_promises(c, now)), args.runs),
            "stuck list, partner + reason filter": p95(with_conn(lambda c: queries.stuck_promises(
                c, now, partner="ups", reason="wrong_recipient")), args.runs),
            "scorecards, last 12 weeks": p95(with_conn(lambda c: queries.scorecards(
                c, now - timedelta(weeks=12))), max(5, args.runs // 4)),
            "case page (case, complaints, promises, timeline)": p95(lambda: read_case(uow, case_id), args.runs),
            "sweep batch (nothing due: index probe)": p95(lambda: sweep_deadlines(uow), args.runs),
        }
        base = figures["primary-key lookup (baseline)"]
        print(f"\n{'query':52} {'p95 ms':>8} {'x baseline':>10}")
        for label, value in figures.items():
            print(f"{label:52} {value:8.1f} {value / base:10.1f}")
        with engine.connect() as conn:
            for label, sql in (
                ("sweep: pending promises due before now",
                 "SELECT c.case_id FROM promises p JOIN cases c ON c.case_id = p.case_id WHERE p.verdict = 'pending' "
                 "AND p.due_at < now() ORDER BY p.due_at LIMIT 500 FOR UPDATE OF c SKIP LOCKED"),
                ("stuck: unaddressed broken promises",
                 "SELECT promise_id FROM promises WHERE verdict = 'broken' AND NOT addressed AND fulfilled_at IS NULL "
                 "ORDER BY due_at LIMIT 100"),
                ("updates for (partner, reference)",
                 "SELECT * FROM updates WHERE partner = 'ups' AND reference IN ('A', 'B')"),
            ):
                plan = conn.execute(text(f"EXPLAIN {sql}")).scalars().all()
                print(f"\nEXPLAIN {label}:\n  " + "\n  ".join(plan))
        engine.dispose()


if __name__ == "__main__":
    main()
