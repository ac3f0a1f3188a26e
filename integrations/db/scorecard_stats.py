"""The scorecards' aggregate: promises per (partner, day, verdict, reason) and time-to-keep
histograms per (partner, day), so that a scorecard reads a few thousand rows, not every promise.

Triggers on `promises` (migration 0005) append each change to `scorecard_deltas`; `fold` moves
those rows into `scorecard_days` and `keep_time_days` (the deadline sweep calls it every round,
`upgrade` and `terrain seed` once). A read adds the deltas not folded yet, in the same statement
(one snapshot), so it is exact whenever it runs; a period starting mid-day reads that first
partial day from the promises themselves (index on created_at).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import (
    BigInteger,
    Connection,
    Date,
    Engine,
    Float,
    Integer,
    String,
    cast,
    delete,
    func,
    literal,
    null,
    select,
    union_all,
)

from integrations.db import tables as t
from integrations.db.repositories import dialect_insert
from integrations.db.types import UTCDateTime

RATIO = 1.05  # bucket width: a median read from the histogram is within 5% of the true one
FOLD_BATCH = 20_000
FOLD_LOCK = 0x5465727261696E01  # PostgreSQL advisory lock: one fold at a time
# After folding this many deltas at once (a seed, an upgrade's backfill), vacuum the table on
# PostgreSQL: until then a read would scan every page the deleted rows left behind.
VACUUM_AFTER = 50_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

d, days, keep = t.scorecard_deltas, t.scorecard_days, t.keep_time_days


def keep_seconds(created_at: datetime, fulfilled_at: datetime) -> float:
    return max(0.0, (fulfilled_at - created_at).total_seconds())


def keep_bucket(seconds: float) -> int:
    return -1 if seconds < 1 else math.floor(math.log(seconds) / math.log(RATIO))


@dataclass
class KeepTimes:
    """Kept promises per time-to-keep bucket, with the sum of their times per bucket."""

    counts: Counter = field(default_factory=Counter)
    seconds: Counter = field(default_factory=Counter)

    def add(self, bucket: int, n: int, seconds: float) -> None:
        self.counts[bucket] += n
        self.seconds[bucket] += seconds  # type: ignore[assignment]


@dataclass
class PeriodStats:
    """Promises per (partner, day, verdict, reason) and, per partner, kept promises per
    time-to-keep bucket, over a period."""

    counts: Counter = field(default_factory=Counter)
    keep_times: dict[str, KeepTimes] = field(default_factory=lambda: defaultdict(KeepTimes))

    def add_promise(
        self, partner: str, created_at: datetime, verdict: str, reason: str | None, fulfilled_at: datetime | None, n: int
    ) -> None:
        count_key, kept = tally(partner, created_at, verdict, reason, fulfilled_at)
        self.counts[count_key] += n
        if kept is not None:
            bucket, seconds = kept
            self.keep_times[partner].add(bucket, n, n * seconds)


def tally(
    partner: str, created_at: datetime, verdict: str, reason: str | None, fulfilled_at: datetime | None
) -> tuple[tuple, tuple[int, float] | None]:
    """Where one promise state counts: (partner, UTC day made, verdict, reason or ''), and its
    (time-to-keep bucket, seconds) when it was kept."""
    count_key = (partner, created_at.astimezone(UTC).date(), verdict, reason or "")
    if verdict != "kept" or fulfilled_at is None:
        return count_key, None
    seconds = keep_seconds(created_at, fulfilled_at)
    return count_key, (keep_bucket(seconds), seconds)


def median_seconds(times: KeepTimes) -> float | None:
    """The median time to keep (the mean of the two middle ones for an even count), each time
    read as the mean of its bucket: exact when a bucket's times are alike (a promise kept in an
    hour, every time), never off by more than the bucket's 5% width."""
    buckets = sorted((b, n) for b, n in times.counts.items() if n > 0)
    total = sum(n for _, n in buckets)
    if total == 0:
        return None

    def nth(rank: int) -> float:  # 1-based
        seen = 0
        for bucket, n in buckets:
            seen += n
            if seen >= rank:
                return times.seconds[bucket] / n
        raise AssertionError("rank beyond the histogram")

    middle = (nth((total + 1) // 2) + nth(total // 2 + 1)) / 2
    return float(round(middle))


def period_stats(conn: Connection, since: datetime | None) -> PeriodStats:
    """The aggregate for promises made at or after `since` (all of them for None)."""
    boundary = None if since is None else _next_midnight(since)
    day_rows = select(
        literal("day", String).label("kind"),
        days.c.partner,
        days.c.day,
        cast(null(), UTCDateTime).label("created_at"),
        days.c.verdict,
        days.c.reason,
        cast(null(), Integer).label("bucket"),
        cast(null(), UTCDateTime).label("fulfilled_at"),
        cast(days.c.promises, BigInteger).label("n"),
        cast(null(), Float).label("seconds"),
    )
    keep_rows = select(
        literal("keep", String),
        keep.c.partner,
        cast(null(), Date),
        cast(null(), UTCDateTime),
        cast(null(), String),
        cast(null(), String),
        keep.c.bucket,
        cast(null(), UTCDateTime),
        cast(func.sum(keep.c.promises), BigInteger),
        cast(func.sum(keep.c.seconds), Float),
    ).group_by(keep.c.partner, keep.c.bucket)
    delta_rows = select(
        literal("row", String),
        d.c.partner,
        cast(null(), Date),
        d.c.created_at,
        d.c.verdict,
        d.c.reason,
        cast(null(), Integer),
        d.c.fulfilled_at,
        cast(d.c.sign, BigInteger),
        cast(null(), Float),
    )
    # A predicate on created_at even for all time (dates start in 1970): the few live deltas
    # are then read along their index, not by scanning the pages a large fold emptied.
    parts = [day_rows, keep_rows, delta_rows.where(d.c.created_at >= EPOCH)]
    if boundary is not None:
        parts = [
            day_rows.where(days.c.day >= boundary.date()),
            keep_rows.where(keep.c.day >= boundary.date()),
            delta_rows.where(d.c.created_at >= boundary),
        ]
        if since != boundary:  # the first, partial day, straight from the promises
            p = t.promises
            parts.append(
                select(
                    literal("row", String),
                    p.c.partner,
                    cast(null(), Date),
                    p.c.created_at,
                    p.c.verdict,
                    p.c.reason,
                    cast(null(), Integer),
                    p.c.fulfilled_at,
                    cast(literal(1), BigInteger),
                    cast(null(), Float),
                ).where(p.c.created_at >= since, p.c.created_at < boundary)
            )
    stats = PeriodStats()
    for row in conn.execute(union_all(*parts)):
        if row.kind == "day":
            stats.counts[(row.partner, row.day, row.verdict, row.reason)] += row.n
        elif row.kind == "keep":
            stats.keep_times[row.partner].add(row.bucket, row.n, row.seconds)
        else:
            stats.add_promise(row.partner, row.created_at, row.verdict, row.reason, row.fulfilled_at, row.n)
    return stats


def _next_midnight(moment: datetime) -> datetime:
    """`moment` itself when it is a UTC midnight, else the next one."""
    moment = moment.astimezone(UTC)
    midnight = datetime.combine(moment.date(), time(), tzinfo=UTC)
    return midnight if midnight == moment else midnight + timedelta(days=1)


def fold(engine: Engine, batch: int = FOLD_BATCH) -> int:
    """Move the pending deltas into the aggregate, `batch` rows per transaction; returns how
    many were folded. Safe to run from several processes at once."""
    folded = 0
    while True:
        with engine.begin() as conn:
            moved = fold_batch(conn, batch)
        folded += moved
        if moved < batch:
            break
    if folded >= VACUUM_AFTER and engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) scorecard_deltas")
    return folded


def fold_batch(conn: Connection, batch: int = FOLD_BATCH) -> int:
    if conn.dialect.name == "postgresql" and not conn.execute(select(func.pg_try_advisory_xact_lock(FOLD_LOCK))).scalar():
        return 0  # another process is folding
    oldest = select(d.c.id).order_by(d.c.id).limit(batch)
    rows = conn.execute(
        delete(d)
        .where(d.c.id.in_(oldest))
        .returning(d.c.partner, d.c.created_at, d.c.verdict, d.c.reason, d.c.fulfilled_at, d.c.sign)
    ).all()
    if not rows:
        return 0
    counts: Counter = Counter()
    keep_by_day: Counter = Counter()
    seconds_by_day: Counter = Counter()
    for row in rows:
        count_key, kept = tally(row.partner, row.created_at, row.verdict, row.reason, row.fulfilled_at)
        counts[count_key] += row.sign
        if kept is not None:
            bucket, seconds = kept
            partner, day = count_key[:2]
            keep_by_day[(partner, day, bucket)] += row.sign
            seconds_by_day[(partner, day, bucket)] += row.sign * seconds
    _add(
        conn,
        days,
        ("partner", "day", "verdict", "reason"),
        [{"partner": p, "day": day, "verdict": v, "reason": r, "promises": n} for (p, day, v, r), n in counts.items() if n],
    )
    _add(
        conn,
        keep,
        ("partner", "day", "bucket"),
        [
            {"partner": p, "day": day, "bucket": b, "promises": n, "seconds": seconds_by_day[(p, day, b)]}
            for (p, day, b), n in keep_by_day.items()
            if n or seconds_by_day[(p, day, b)]
        ],
    )
    return len(rows)


def _add(conn: Connection, table, key: tuple[str, ...], rows: list[dict]) -> None:
    """Every other column += the row's value, per key; rows whose count falls to zero removed."""
    if not rows:
        return
    stmt = dialect_insert(conn, table)
    sums = {name: table.c[name] + stmt.excluded[name] for name in rows[0] if name not in key}
    conn.execute(stmt.on_conflict_do_update(index_elements=list(key), set_=sums), rows)
    if any(row["promises"] < 0 for row in rows):
        conn.execute(delete(table).where(table.c.promises == 0))
