"""The scorecards' maintained aggregate (triggers + fold) always agrees with a count of the
promises themselves: before a fold, after it, halfway through it, after edits made by hand in
SQL, over a period that starts mid-day, and after an upgrade of a database that already holds
promises."""

from __future__ import annotations

import random
import statistics
import threading
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text, update

from integrations.db import queries, scorecard_stats, tables
from integrations.db.engine import make_engine
from integrations.db.migrate import upgrade
from integrations.db.unit_of_work import uow_factory
from integrations.seeding import seed
from integrations.services.sweep import sweep_deadlines
from tests.conftest import _drop_postgres_database, _fresh_postgres_database, is_postgres, primary_url

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def recount(engine, since: datetime | None = None) -> dict[str, dict]:
    """The scorecards computed the slow way, from every promise."""
    p = tables.promises
    stmt = select(p.c.partner, p.c.verdict, p.c.reason, p.c.created_at, p.c.fulfilled_at)
    if since is not None:
        stmt = stmt.where(p.c.created_at >= since)
    cards: dict[str, dict] = defaultdict(lambda: {"promises": 0, "kept": 0, "broken": 0, "reasons": Counter(), "times": []})
    with engine.connect() as conn:
        for row in conn.execute(stmt):
            card = cards[row.partner]
            card["promises"] += 1
            if row.verdict == "kept":
                card["kept"] += 1
                card["times"].append(max(0.0, (row.fulfilled_at - row.created_at).total_seconds()))
            elif row.verdict == "broken":
                card["broken"] += 1
                card["reasons"][row.reason or "unknown"] += 1
    return dict(cards)


def assert_agrees(engine, since: datetime | None = None) -> None:
    expected = recount(engine, since)
    with engine.connect() as conn:
        cards = {card["partner"]: card for card in queries.scorecards(conn, since)}
    assert set(cards) == set(expected)
    for partner, want in expected.items():
        card = cards[partner]
        assert (card["promises"], card["kept"], card["broken"]) == (want["promises"], want["kept"], want["broken"])
        assert card["broken_by_reason"] == dict(sorted(want["reasons"].items()))
        if want["times"]:
            true_median = statistics.median(want["times"])
            # read as the mean of its 5%-wide bucket, then rounded to the second
            assert abs(card["median_seconds_to_keep"] - true_median) <= 0.05 * true_median + 0.5
        else:
            assert card["median_seconds_to_keep"] is None


def pending_deltas(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(tables.scorecard_deltas)).scalar_one()


@pytest.fixture
def seeded(db):
    seed(db, 300, seed=11, now=NOW, chunk=100)
    return db


def test_seeded_promises_agree_before_during_and_after_the_fold(seeded):
    assert pending_deltas(seeded) > 300  # every promise went through the triggers
    assert_agrees(seeded)
    with seeded.begin() as conn:
        scorecard_stats.fold_batch(conn, batch=100)  # a fold cut short: some folded, some not
    assert_agrees(seeded)
    assert scorecard_stats.fold(seeded) > 0 and pending_deltas(seeded) == 0
    assert_agrees(seeded)
    with seeded.connect() as conn:
        folded = conn.execute(select(func.sum(tables.scorecard_days.c.promises))).scalar_one()
        assert folded == conn.execute(select(func.count()).select_from(tables.promises)).scalar_one()


def test_verdict_changes_by_the_engine_and_by_hand_are_counted(seeded):
    scorecard_stats.fold(seeded)
    # The sweep breaks overdue promises: pending -> broken, through the repositories.
    later = NOW + timedelta(days=30)
    assert sweep_deadlines(uow_factory(seeded), lambda: later, batch_size=10_000).promises_broken > 0
    assert pending_deltas(seeded) > 0
    assert_agrees(seeded)
    # Edits in SQL by hand: a verdict corrected, a partner renamed, a promise deleted.
    p = tables.promises
    with seeded.begin() as conn:
        some = conn.execute(select(p.c.promise_id).order_by(p.c.promise_id).limit(3)).scalars().all()
        conn.execute(update(p).where(p.c.promise_id == some[0]).values(verdict="kept", reason=None, fulfilled_at=later))
        conn.execute(update(p).where(p.c.promise_id == some[1]).values(partner="renamed"))
        conn.execute(update(p).where(p.c.promise_id == some[2]).values(addressed=True))  # not a scorecard column
        conn.execute(tables.outbound_requests.delete().where(tables.outbound_requests.c.promise_id == some[2]))
        conn.execute(p.delete().where(p.c.promise_id == some[2]))
    assert_agrees(seeded)
    scorecard_stats.fold(seeded)
    assert_agrees(seeded)
    with seeded.connect() as conn:  # counters that fell to zero are removed, not kept as zeros
        assert (
            conn.execute(
                select(func.count()).select_from(tables.scorecard_days).where(tables.scorecard_days.c.promises <= 0)
            ).scalar_one()
            == 0
        )


@pytest.mark.parametrize(
    "since",
    [
        NOW - timedelta(days=40),  # mid-day: the first day read from the promises
        datetime(2026, 10, 1, tzinfo=UTC),  # a midnight: the aggregate alone
        datetime(2026, 10, 1, 23, 59, 59, tzinfo=UTC),  # one second before a midnight
        NOW + timedelta(days=1),  # nothing yet
    ],
)
def test_any_period_agrees_folded_or_not(seeded, since):
    assert_agrees(seeded, since)
    scorecard_stats.fold(seeded)
    assert_agrees(seeded, since)


def test_weekly_trend_matches_a_recount(seeded):
    scorecard_stats.fold(seeded)
    since = NOW - timedelta(days=50, hours=5)
    expected: dict[str, Counter] = defaultdict(Counter)
    p = tables.promises
    with seeded.connect() as conn:
        for row in conn.execute(
            select(p.c.partner, p.c.created_at, p.c.verdict).where(p.c.created_at >= since, p.c.verdict != "pending")
        ):
            year, week, _ = row.created_at.isocalendar()
            expected[row.partner][(f"{year}-W{week:02d}", "kept")] += row.verdict == "kept"
            expected[row.partner][(f"{year}-W{week:02d}", "decided")] += 1
        trend = queries.weekly_kept_rate(conn, since)
    assert set(trend) == set(expected)
    for partner, weeks in trend.items():
        for week, rate, decided in weeks:
            assert decided == expected[partner][(week, "decided")]
            assert rate == pytest.approx(expected[partner][(week, "kept")] / decided)


@pytest.mark.postgres_only
def test_concurrent_folds_and_writes_count_everything_once(seeded):
    """Folds racing each other and the writers: the advisory lock lets one fold at a time, and
    rows committed during a fold are folded by the next."""
    errors: list[BaseException] = []

    def folder() -> None:
        try:
            for _ in range(5):
                scorecard_stats.fold(seeded, batch=50)
        except BaseException as error:  # reported below
            errors.append(error)

    def writer() -> None:
        try:
            seed(seeded, 100, seed=99, now=NOW, chunk=20)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=folder) for _ in range(3)] + [threading.Thread(target=writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    scorecard_stats.fold(seeded)
    assert pending_deltas(seeded) == 0
    assert_agrees(seeded)


def test_upgrading_a_database_that_holds_promises_backfills_the_scorecards(tmp_path):
    """Promises made before migration 0005 count once the database is upgraded."""
    if is_postgres():
        url = _fresh_postgres_database(primary_url())
    else:
        url = f"sqlite:///{tmp_path / 'old.db'}"
    try:
        upgrade(url, "0004")
        engine = make_engine(url)
        seed(engine, 120, seed=5, now=NOW, chunk=50)
        upgrade(url)
        assert pending_deltas(engine) == 0  # folded by the upgrade itself
        assert_agrees(engine)
        assert_agrees(engine, NOW - timedelta(days=20, hours=3))
        with engine.connect() as conn:
            triggers = conn.execute(
                text(
                    "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'promises_scorecard_%'"
                    if is_postgres()
                    else "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'promises_scorecard_%'"
                )
            ).scalar_one()
        assert triggers == 3
        engine.dispose()
    finally:
        if is_postgres():
            _drop_postgres_database(primary_url(), url)


def keep_times(values) -> scorecard_stats.KeepTimes:
    times = scorecard_stats.KeepTimes()
    for value in values:
        times.add(scorecard_stats.keep_bucket(value), 1, value)
    return times


def test_median_read_from_the_histogram():
    assert scorecard_stats.median_seconds(keep_times([60, 3600])) == 1830  # two buckets, each exact
    # the two middle times share a bucket: each is read as its mean, 10,810 / 3 (the true median: 3,605)
    assert scorecard_stats.median_seconds(keep_times([3600, 3600, 3610, 7200])) == 3603
    rng = random.Random(3)
    values = [rng.uniform(1, 86_400) for _ in range(1001)]
    assert scorecard_stats.median_seconds(keep_times(values)) == pytest.approx(statistics.median(values), rel=0.05)
    assert scorecard_stats.median_seconds(scorecard_stats.KeepTimes()) is None
    assert scorecard_stats.median_seconds(keep_times([0.2, 0.2, 0.4])) == 0


PARTNERS = ("ups", "laposte", "stripe")
OUTCOMES = (("pending", None), ("kept", None), ("broken", "deadline_missed"), ("broken", "wrong_recipient"))
operation = st.one_of(
    st.tuples(
        st.just("make"), st.sampled_from(PARTNERS), st.integers(0, 10 * 24 * 60), st.integers(0, 3), st.integers(0, 5 * 24 * 3600)
    ),
    st.tuples(st.just("judge"), st.integers(0, 40), st.integers(0, 3), st.integers(0, 5 * 24 * 3600)),
    st.tuples(st.just("move"), st.integers(0, 40), st.sampled_from(PARTNERS)),
    st.tuples(st.just("delete"), st.integers(0, 40)),
    st.tuples(st.just("fold"), st.integers(1, 7)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, max_size=30), since_minutes=st.integers(-60, 11 * 24 * 60))
def test_any_history_of_writes_and_folds_reads_like_a_recount(engine, operations, since_minutes):
    """Promises made, judged, moved to another partner and deleted, in SQL, with folds of any
    size in between: the scorecards always read what a count of the promises says."""
    from tests.conftest import _empty_tables

    _empty_tables(engine)
    start = datetime(2026, 11, 1, 7, 0, tzinfo=UTC)
    p = tables.promises
    made: list[str] = []
    with engine.begin() as conn:
        conn.execute(tables.cases.insert().values(case_id="c", status="open", created_at=start))
    for op in operations:
        with engine.begin() as conn:
            if op[0] == "make":
                _, partner, minute, outcome, keep_seconds = op
                created = start + timedelta(minutes=minute)
                verdict, reason = OUTCOMES[outcome]
                made.append(f"p{len(made)}")
                conn.execute(
                    p.insert().values(
                        promise_id=made[-1],
                        case_id="c",
                        kind="callback",
                        partner=partner,
                        reference=made[-1],
                        due_at=created + timedelta(days=1),
                        expect={},
                        created_at=created,
                        verdict=verdict,
                        reason=reason,
                        fulfilled_at=created + timedelta(seconds=keep_seconds) if verdict == "kept" else None,
                    )
                )
            elif op[0] == "fold":
                scorecard_stats.fold_batch(conn, batch=op[1])
            elif made:
                promise_id = made[op[1] % len(made)]
                row = conn.execute(select(p.c.created_at).where(p.c.promise_id == promise_id)).first()
                if row is None:
                    continue
                if op[0] == "judge":
                    verdict, reason = OUTCOMES[op[2]]
                    conn.execute(
                        update(p)
                        .where(p.c.promise_id == promise_id)
                        .values(
                            verdict=verdict,
                            reason=reason,
                            fulfilled_at=row.created_at + timedelta(seconds=op[3]) if verdict == "kept" else None,
                        )
                    )
                elif op[0] == "move":
                    conn.execute(update(p).where(p.c.promise_id == promise_id).values(partner=op[2]))
                else:
                    conn.execute(p.delete().where(p.c.promise_id == promise_id))
    assert_agrees(engine)
    assert_agrees(engine, start + timedelta(minutes=since_minutes))
    scorecard_stats.fold(engine)
    assert_agrees(engine, start + timedelta(minutes=since_minutes))
