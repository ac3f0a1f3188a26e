"""Read models for ops and partners (stuck list, scorecards, a partner's steps).

Plain SQL reads shaped for the screens that use them, each backed by an index.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, literal, select, union_all

from integrations.db import tables as t
from integrations.db.repositories import by_partner_reference

p, c, u = t.promises, t.cases, t.updates

STUCK_ORDERS = {"due_at": p.c.due_at, "partner": p.c.partner, "kind": p.c.kind}


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
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Broken or overdue promises not yet addressed, oldest due first.

    Two index-ordered arms (the partial indexes on pending and on unaddressed broken
    promises), each limited, merged: no scan of the whole table at a million promises.
    """
    due_before = now - overdue_for if overdue_for else now
    window = limit + offset
    common = [c.c.status != "closed"]
    if partner:
        common.append(p.c.partner == partner)
    if kind:
        common.append(p.c.kind == kind)
    cols = [p.c.promise_id, p.c.case_id, p.c.kind, p.c.partner, p.c.reference, p.c.due_at,
            p.c.said, p.c.verdict_at, c.c.status.label("case_status")]
    arms = []
    if reason in (None, "deadline_missed"):
        arms.append(select(*cols, literal("deadline_missed").label("reason"), p.c.verdict)
                    .join(c, c.c.case_id == p.c.case_id)
                    .where(p.c.verdict == "pending", p.c.due_at < due_before, *common)
                    .order_by(p.c.due_at).limit(window))
    broken = [p.c.verdict == "broken", ~p.c.addressed, p.c.fulfilled_at.is_(None), *common]
    if reason:
        broken.append(p.c.reason == reason)
    if overdue_for:
        broken.append(p.c.due_at < due_before)
    arms.append(select(*cols, p.c.reason, p.c.verdict).join(c, c.c.case_id == p.c.case_id)
                .where(and_(*broken)).order_by(p.c.due_at).limit(window))
    merged = union_all(*[a.subquery().select() for a in arms]).subquery()
    rows = conn.execute(select(merged).order_by(merged.c.due_at, merged.c.promise_id)
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
    kept = func.sum(func.cast(p.c.verdict == "kept", t.Integer))
    broken = func.sum(func.cast(p.c.verdict == "broken", t.Integer))
    rows = conn.execute(select(p.c.partner, func.count().label("promises"), kept.label("kept"),
                               broken.label("broken")).where(*where).group_by(p.c.partner)
                        .order_by(p.c.partner)).all()
    medians = _median_seconds_to_keep(conn, where)
    broken_by_reason: dict[str, dict[str, int]] = defaultdict(dict)
    for row in conn.execute(select(p.c.partner, p.c.reason, func.count()).where(
            p.c.verdict == "broken", *where).group_by(p.c.partner, p.c.reason)):
        broken_by_reason[row[0]][row[1] or "unknown"] = row[2]
    out = []
    for r in rows:
        decided = (r.kept or 0) + (r.broken or 0)
        out.append({
            "partner": r.partner, "promises": r.promises, "kept": r.kept or 0,
            "broken": r.broken or 0, "pending": r.promises - decided,
            "kept_rate": round((r.kept or 0) / decided, 4) if decided else None,
            "median_seconds_to_keep": medians.get(r.partner),
            "broken_by_reason": broken_by_reason.get(r.partner, {}),
        })
    return out


def _median_seconds_to_keep(conn: Connection, where: list) -> dict[str, float]:
    if conn.dialect.name == "postgresql":
        seconds = func.extract("epoch", p.c.fulfilled_at - p.c.created_at)
        stmt = (select(p.c.partner, func.percentile_cont(0.5).within_group(seconds))
                .where(p.c.verdict == "kept", *where).group_by(p.c.partner))
        return {row[0]: float(row[1]) for row in conn.execute(stmt)}
    durations: dict[str, list[float]] = defaultdict(list)
    for row in conn.execute(select(p.c.partner, p.c.created_at, p.c.fulfilled_at)
                            .where(p.c.verdict == "kept", *where)):
        durations[row.partner].append((row.fulfilled_at - row.created_at).total_seconds())
    return {name: statistics.median(values) for name, values in durations.items()}


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
