"""Read models for ops and partners (stuck list, scorecards, a partner's steps).

Plain SQL reads shaped for the screens that use them, each backed by an index.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, literal, select, union_all

from domain.model import PromiseKind, Reason
from integrations.db import tables as t
from integrations.db.repositories import by_partner_reference

p, c, u = t.promises, t.cases, t.updates

STUCK_ORDERS = ("due_at", "partner", "kind", "reason")
GROUPS = {"kind": sorted(k.value for k in PromiseKind), "reason": sorted(r.value for r in Reason)}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def stuck_promises(
    conn: Connection,
    now: datetime,
    *,
    partner: str | None = None,
    kind: str | None = None,
    reason: str | None = None,
    overdue_for: timedelta | None = None,
    order: str = "due_at",
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Broken or overdue promises not yet addressed, oldest due first (or grouped by
    `order` ∈ partner, kind, reason, then oldest due first within each group).

    Two index-ordered arms (the partial indexes on pending and on unaddressed broken
    promises, partner-first ones for a partner filter or order), each limited, merged: no scan
    of the whole table at a million promises.
    """
    if order not in STUCK_ORDERS:
        raise ValueError(f"order must be one of {', '.join(STUCK_ORDERS)}")
    filters = {"partner": partner, "kind": kind, "reason": reason, "overdue_for": overdue_for}
    if order in GROUPS and filters[order] is None:
        # Kinds and reasons are a handful of known values: one index range per value, in order,
        # oldest due first within each, until the page is full (no sort of every stuck promise).
        window, rows = limit + offset, []
        for value in GROUPS[order]:
            rows += stuck_promises(conn, now, **{**filters, order: value}, limit=window - len(rows))
            if len(rows) >= window:
                break
        return rows[offset:offset + limit]
    if order in GROUPS:
        order = "due_at"  # a single kind or reason: due order is the same thing
    due_before = now - overdue_for if overdue_for else now
    window = limit + offset
    common = [c.c.status != "closed"]
    if partner:
        common.append(p.c.partner == partner)
    if kind:
        common.append(p.c.kind == kind)
    cols = [p.c.promise_id, p.c.case_id, p.c.kind, p.c.partner, p.c.reference, p.c.due_at,
            p.c.said, p.c.verdict_at, c.c.status.label("case_status")]

    def ordered(*group):
        return [*group, p.c.due_at, p.c.promise_id]

    arms = []
    if reason in (None, "deadline_missed"):
        group = [] if order in ("due_at", "reason") else [p.c[order]]
        arms.append(select(*cols, literal("deadline_missed").label("reason"), p.c.verdict)
                    .join(c, c.c.case_id == p.c.case_id)
                    .where(p.c.verdict == "pending", p.c.due_at < due_before, *common)
                    .order_by(*ordered(*group)).limit(window))
    broken = [p.c.verdict == "broken", ~p.c.addressed, p.c.fulfilled_at.is_(None), *common]
    if reason:
        broken.append(p.c.reason == reason)
    if overdue_for:
        broken.append(p.c.due_at < due_before)
    group = [] if order == "due_at" else [p.c[order]]
    arms.append(select(*cols, p.c.reason, p.c.verdict).join(c, c.c.case_id == p.c.case_id)
                .where(and_(*broken)).order_by(*ordered(*group)).limit(window))
    merged = union_all(*[a.subquery().select() for a in arms]).subquery()
    group = [] if order == "due_at" else [merged.c[order]]
    rows = conn.execute(select(merged).order_by(*group, merged.c.due_at, merged.c.promise_id)
                        .limit(limit).offset(offset)).all()
    last = last_updates(conn, {(r.partner, r.reference) for r in rows})
    return [{
        "promise_id": r.promise_id, "case_id": r.case_id, "case_status": r.case_status,
        "kind": r.kind, "partner": r.partner, "reference": r.reference,
        "due_at": _iso(r.due_at), "verdict": r.verdict, "reason": r.reason, "said": r.said,
        "overdue_seconds": max(0, int((now - r.due_at).total_seconds())),
        "last_update": last.get((r.partner, r.reference)),
    } for r in rows]


def last_updates(conn: Connection, refs: set[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """The latest field update (by occurred_at) of each (partner, reference)."""
    if not refs:
        return {}
    latest: dict[tuple[str, str], Any] = {}
    for row in conn.execute(select(u).where(by_partner_reference(u.c, refs))):
        key = (row.partner, row.reference)
        if key not in latest or (row.occurred_at, row.event_id) > (latest[key].occurred_at, latest[key].event_id):
            latest[key] = row
    return {key: {"event_id": r.event_id, "status": r.status, "occurred_at": _iso(r.occurred_at),
                  "location": r.location, "detail": r.detail} for key, r in latest.items()}


def scorecards(conn: Connection, since: datetime | None = None) -> list[dict[str, Any]]:
    """Per partner: promises, kept, broken, kept_rate, median time from promise to keep."""
    where = [p.c.created_at >= since] if since else []
    if conn.dialect.name == "postgresql":
        counts, medians, reasons = _scorecard_rows_pg(conn, where)
    else:
        counts, medians, reasons = _scorecard_rows_generic(conn, where)
    out = []
    for partner, promises, kept, broken in counts:
        decided = kept + broken
        out.append({
            "partner": partner, "promises": promises, "kept": kept, "broken": broken,
            "pending": promises - decided, "kept_rate": round(kept / decided, 4) if decided else None,
            "median_seconds_to_keep": medians.get(partner), "broken_by_reason": reasons.get(partner, {}),
        })
    return out


def _scorecard_rows_pg(conn: Connection, where: list):
    """One pass over the period's promises: counts per (partner, verdict, reason) and the
    median time to keep, instead of one scan per figure."""
    seconds = func.extract("epoch", p.c.fulfilled_at - p.c.created_at)
    rows = conn.execute(
        select(p.c.partner, p.c.verdict, p.c.reason, func.count(),
               func.percentile_cont(0.5).within_group(seconds).filter(p.c.verdict == "kept"))
        .where(*where).group_by(p.c.partner, p.c.verdict, p.c.reason)).all()
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    reasons: dict[str, dict[str, int]] = defaultdict(dict)
    medians: dict[str, float] = {}
    for partner, verdict, reason, count, median in rows:
        totals[partner][0] += count
        if verdict == "kept":
            totals[partner][1] += count
            if median is not None:
                medians[partner] = float(median)
        elif verdict == "broken":
            totals[partner][2] += count
            reasons[partner][reason or "unknown"] = count
    counts = [(partner, *totals[partner]) for partner in sorted(totals)]
    return counts, medians, reasons


def _scorecard_rows_generic(conn: Connection, where: list):
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    reasons: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    durations: dict[str, list[float]] = defaultdict(list)
    for row in conn.execute(select(p.c.partner, p.c.verdict, p.c.reason, p.c.created_at, p.c.fulfilled_at)
                            .where(*where)):
        totals[row.partner][0] += 1
        if row.verdict == "kept":
            totals[row.partner][1] += 1
            durations[row.partner].append((row.fulfilled_at - row.created_at).total_seconds())
        elif row.verdict == "broken":
            totals[row.partner][2] += 1
            reasons[row.partner][row.reason or "unknown"] += 1
    counts = [(partner, *totals[partner]) for partner in sorted(totals)]
    medians = {name: statistics.median(values) for name, values in durations.items()}
    return counts, medians, {k: dict(v) for k, v in reasons.items()}


def partner_steps(conn: Connection, partner: str, *, verdict: str | None = None,
                  limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """A partner's own promises: what it must do, by when, and how it is judged so far."""
    where = [p.c.partner == partner]
    if verdict:
        where.append(p.c.verdict == verdict)
    rows = conn.execute(select(p).where(*where).order_by(p.c.due_at, p.c.promise_id)
                        .limit(limit).offset(offset))
    return [{
        "promise_id": r.promise_id, "kind": r.kind, "reference": r.reference,
        "due_at": _iso(r.due_at), "expect": r.expect, "verdict": r.verdict, "reason": r.reason,
        "fulfilled_at": _iso(r.fulfilled_at),
    } for r in rows]


def weekly_kept_rate(conn: Connection, since: datetime) -> dict[str, list[tuple[str, float, int]]]:
    """Per partner, per ISO week of the promise: (week, kept rate among decided, decided count)."""
    if conn.dialect.name == "postgresql":
        week = func.date_trunc("week", p.c.created_at)
        grouped = conn.execute(
            select(p.c.partner, week, func.count().filter(p.c.verdict == "kept"), func.count())
            .where(p.c.created_at >= since, p.c.verdict != "pending").group_by(p.c.partner, week)
            .order_by(p.c.partner, week)).all()
        series: dict[str, list[tuple[str, float, int]]] = defaultdict(list)
        for partner, start, kept, total in grouped:
            year, number, _ = start.isocalendar()
            series[partner].append((f"{year}-W{number:02d}", kept / total, total))
        return dict(series)
    rows = conn.execute(select(p.c.partner, p.c.created_at, p.c.verdict)
                        .where(p.c.created_at >= since, p.c.verdict != "pending"))
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for row in rows:
        year, week, _ = row.created_at.isocalendar()
        bucket = counts[row.partner][f"{year}-W{week:02d}"]
        bucket[0] += row.verdict == "kept"
        bucket[1] += 1
    return {partner: [(week, kept / total, total) for week, (kept, total) in sorted(weeks.items())]
            for partner, weeks in sorted(counts.items())}


def recent_reopens(conn: Connection, limit: int = 30) -> list[dict[str, Any]]:
    """The latest cases entering `reopened`, newest first (along the (type, id) index)."""
    out: list[dict[str, Any]] = []
    scanned = 0
    last_id = None
    while len(out) < limit and scanned < 5000:
        stmt = select(t.timeline).where(t.timeline.c.type == "status").order_by(t.timeline.c.id.desc()).limit(200)
        if last_id is not None:
            stmt = stmt.where(t.timeline.c.id < last_id)
        rows = conn.execute(stmt).all()
        if not rows:
            break
        for row in rows:
            if (row.detail or {}).get("to") == "reopened":
                out.append({"id": row.id, "case_id": row.case_id, "at": _iso(row.at),
                            "reason": row.detail.get("reason"), "reopen_count": row.detail.get("reopen_count")})
        scanned += len(rows)
        last_id = rows[-1].id
    return out[:limit]
