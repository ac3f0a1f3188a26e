"""Read models for ops and partners (stuck list, scorecards, a partner's steps).

Plain SQL reads shaped for the screens that use them, each backed by an index.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import ColumnElement, Connection, and_, literal, or_, select, union_all

from domain.model import PromiseKind, Reason
from domain.ops import case_title, expected_view, next_step, observed_view, stuck_since
from domain.playbooks import Playbook
from integrations.db import scorecard_stats
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
    owner: str | None = None,
    _owned: bool | None = None,
    _last: bool = True,
) -> list[dict[str, Any]]:
    """Broken or overdue promises not yet addressed, oldest due first (or grouped by
    `order` ∈ partner, kind, reason, then oldest due first within each group); unowned cases
    first, snoozed promises hidden until their snooze ends; `owner` keeps one person's.

    Two index-ordered arms (the partial indexes on pending and on unaddressed broken
    promises, partner-first ones for a partner filter or order), each limited, merged: no scan
    of the whole table at a million promises.
    """
    if order not in STUCK_ORDERS:
        raise ValueError(f"order must be one of {', '.join(STUCK_ORDERS)}")
    # Keyword arguments of stuck_promises, of mixed types (str, timedelta, None), passed back as **filters.
    filters: dict[str, Any] = {"partner": partner, "kind": kind, "reason": reason, "overdue_for": overdue_for, "owner": owner}
    if order in GROUPS and filters[order] is None:
        # Kinds and reasons are a handful of known values: one index range per value, in order,
        # oldest due first within each, until the page is full (no sort of every stuck promise);
        # the unowned ones of every group before the owned ones.
        window = limit + offset
        rows: list[dict[str, Any]] = []
        for owned in ((True,) if owner else (False, True)) if _owned is None else (_owned,):
            for value in GROUPS[order]:
                rows += stuck_promises(
                    conn, now, **{**filters, order: value}, _owned=owned, _last=False, limit=window - len(rows)
                )
                if len(rows) >= window:
                    break
            if len(rows) >= window:
                break
        page = rows[offset : offset + limit]
        last = last_updates(conn, {(r["partner"], r["reference"]) for r in page})  # once for the page
        for row in page:
            row["last_update"] = last.get((row["partner"], row["reference"]))
        return page
    if order in GROUPS:
        order = "due_at"  # a single kind or reason: due order is the same thing
    if _owned is None and not owner:
        # Unowned first: the owned side (a walk over every case somebody took) is read only when
        # the unowned promises do not fill the page (at 1M cases: 50 ms saved on the first pages).
        window = limit + offset
        rows = stuck_promises(conn, now, **filters, order=order, limit=window, _owned=False, _last=False)
        if len(rows) < window:
            rows += stuck_promises(conn, now, **filters, order=order, limit=window - len(rows), _owned=True, _last=False)
        page = rows[offset : offset + limit]
        if _last:
            last = last_updates(conn, {(r["partner"], r["reference"]) for r in page})
            for row in page:
                row["last_update"] = last.get((row["partner"], row["reference"]))
        return page
    due_before = now - overdue_for if overdue_for else now
    window = limit + offset
    common = [c.c.status != "closed", or_(p.c.snoozed_until.is_(None), p.c.snoozed_until <= now)]
    if partner:
        common.append(p.c.partner == partner)
    if kind:
        common.append(p.c.kind == kind)
    cols = [
        p.c.promise_id,
        p.c.case_id,
        p.c.kind,
        p.c.partner,
        p.c.reference,
        p.c.due_at,
        p.c.said,
        p.c.verdict_at,
        p.c.parent_id,
        c.c.status.label("case_status"),
        p.c.expect,
        p.c.evidence,
        c.c.owner,
        (c.c.owner.is_not(None)).label("owned"),
    ]
    # Unowned first: the unowned along the due-date indexes, the owned (a few cases people took)
    # from the cases' partial owner index.
    owned_ids = select(c.c.case_id).where(c.c.owner == owner if owner else c.c.owner.is_not(None))
    sides = ([True] if owner else [False, True]) if _owned is None else [_owned]

    def ordered(*group):
        return [*group, p.c.due_at, p.c.promise_id]

    arms = []
    for owned in sides:
        side = [p.c.case_id.in_(owned_ids) if owned else c.c.owner.is_(None)]
        if reason in (None, "deadline_missed"):
            group: list[ColumnElement[Any]] = [] if order in ("due_at", "reason") else [p.c[order]]
            arms.append(
                select(*cols, literal("deadline_missed").label("reason"), p.c.verdict)
                .join(c, c.c.case_id == p.c.case_id)
                .where(p.c.verdict == "pending", ~p.c.addressed, p.c.due_at < due_before, *common, *side)
                .order_by(*ordered(*group))
                .limit(window)
            )
        broken = [p.c.verdict == "broken", ~p.c.addressed, p.c.fulfilled_at.is_(None), *common, *side]
        if reason:
            broken.append(p.c.reason == reason)
        if overdue_for:
            broken.append(p.c.due_at < due_before)
        group = [] if order == "due_at" else [p.c[order]]
        arms.append(
            select(*cols, p.c.reason, p.c.verdict)
            .join(c, c.c.case_id == p.c.case_id)
            .where(and_(*broken))
            .order_by(*ordered(*group))
            .limit(window)
        )
    merged = union_all(*[a.subquery().select() for a in arms]).subquery()
    group = [] if order == "due_at" else [merged.c[order]]
    records = conn.execute(
        select(merged).order_by(merged.c.owned, *group, merged.c.due_at, merged.c.promise_id).limit(limit).offset(offset)
    ).all()
    last = last_updates(conn, {(r.partner, r.reference) for r in records}) if _last else {}
    return [
        {
            "promise_id": r.promise_id,
            "case_id": r.case_id,
            "case_status": r.case_status,
            "kind": r.kind,
            "partner": r.partner,
            "reference": r.reference,
            "due_at": _iso(r.due_at),
            "verdict": r.verdict,
            "reason": r.reason,
            "said": r.said,
            "overdue_seconds": max(0, int((now - r.due_at).total_seconds())),
            "last_update": last.get((r.partner, r.reference)),
            "owner": r.owner,
            "expect": r.expect,
            "evidence": r.evidence,
            "stuck_since": _iso(stuck_since(r.verdict, r.reason, r.due_at, r.verdict_at)),
            **step_fields(r),
        }
        for r in records
    ]


def snoozed_promises(conn: Connection, now: datetime, *, limit: int = 100) -> list[dict[str, Any]]:
    """Stuck promises snoozed until later, soonest back first (along ix_promises_snoozed_until)."""
    rows = conn.execute(
        select(
            p.c.promise_id,
            p.c.case_id,
            p.c.kind,
            p.c.partner,
            p.c.reference,
            p.c.due_at,
            p.c.said,
            p.c.verdict,
            p.c.reason,
            p.c.verdict_at,
            p.c.expect,
            p.c.evidence,
            p.c.snoozed_until,
            p.c.acknowledged_by,
            c.c.status.label("case_status"),
        )
        .join(c, c.c.case_id == p.c.case_id)
        .where(p.c.snoozed_until > now, ~p.c.addressed, p.c.verdict.in_(("broken", "pending")), c.c.status != "closed")
        .order_by(p.c.snoozed_until, p.c.promise_id)
        .limit(limit)
    ).all()
    return [
        {
            "promise_id": r.promise_id,
            "case_id": r.case_id,
            "case_status": r.case_status,
            "kind": r.kind,
            "partner": r.partner,
            "reference": r.reference,
            "due_at": _iso(r.due_at),
            "said": r.said,
            "verdict": r.verdict,
            "reason": r.reason or ("deadline_missed" if r.verdict == "pending" else None),
            "expect": r.expect,
            "evidence": r.evidence,
            "snoozed_until": _iso(r.snoozed_until),
            "acknowledged_by": r.acknowledged_by,
            "stuck_since": _iso(stuck_since(r.verdict, r.reason, r.due_at, r.verdict_at)),
        }
        for r in rows
    ]


def people(conn: Connection) -> list[str]:
    """The names cases can be given to: agents and ops with a key not revoked."""
    k = t.api_keys
    return list(
        conn.execute(
            select(k.c.name)
            .where(k.c.name.is_not(None), k.c.revoked_at.is_(None), k.c.role.in_(("agent", "ops")))
            .distinct()
            .order_by(k.c.name)
        ).scalars()
    )


def step_fields(r: Any) -> dict[str, Any]:
    """Which step of its promise an item is: the promise it carries on, and the step it is blocked on."""
    return {"step_of": r.parent_id, "blocking_step": {"partner": r.partner, "reference": r.reference, "kind": r.kind}}


def _open_cases(partner: str | None, kind: str | None, *conditions: Any) -> list[Any]:
    """Promises of cases not closed, meeting `conditions`, optionally of one partner and kind."""
    where = [*conditions, c.c.status != "closed"]
    if partner:
        where.append(p.c.partner == partner)
    if kind:
        where.append(p.c.kind == kind)
    return where


def at_risk_promises(
    conn: Connection, now: datetime, *, partner: str | None = None, kind: str | None = None, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    """Pending promises at risk (a worrying status, or the carrier's silence), soonest due first,
    along the partial index of at-risk promises."""
    where = _open_cases(partner, kind, p.c.verdict == "pending", p.c.at_risk_since.is_not(None))
    rows = conn.execute(
        select(
            p.c.promise_id,
            p.c.case_id,
            p.c.kind,
            p.c.partner,
            p.c.reference,
            p.c.due_at,
            p.c.said,
            p.c.expect,
            p.c.at_risk,
            p.c.at_risk_since,
            p.c.parent_id,
            c.c.status.label("case_status"),
        )
        .join(c, c.c.case_id == p.c.case_id)
        .where(*where)
        .order_by(p.c.due_at, p.c.promise_id)
        .limit(limit)
        .offset(offset)
    ).all()
    last = last_updates(conn, {(r.partner, r.reference) for r in rows})
    return [
        {
            "promise_id": r.promise_id,
            "case_id": r.case_id,
            "case_status": r.case_status,
            "kind": r.kind,
            "partner": r.partner,
            "reference": r.reference,
            "due_at": _iso(r.due_at),
            "said": r.said,
            "expect": r.expect,
            "at_risk": r.at_risk,
            "at_risk_since": _iso(r.at_risk_since),
            "due_in_seconds": int((r.due_at - now).total_seconds()),
            "last_update": last.get((r.partner, r.reference)),
            **step_fields(r),
        }
        for r in rows
    ]


def to_check_promises(
    conn: Connection, *, partner: str | None = None, kind: str | None = None, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    """Promises kept by an update that could not confirm the place or the recipient, latest first."""
    where = _open_cases(partner, kind, p.c.verdict == "kept", p.c.unverified.is_not(None))
    rows = conn.execute(
        select(
            p.c.promise_id,
            p.c.case_id,
            p.c.kind,
            p.c.partner,
            p.c.reference,
            p.c.due_at,
            p.c.said,
            p.c.expect,
            p.c.unverified,
            p.c.evidence,
            p.c.fulfilled_at,
            p.c.verdict_at,
            p.c.parent_id,
            c.c.status.label("case_status"),
        )
        .join(c, c.c.case_id == p.c.case_id)
        .where(*where)
        .order_by(p.c.verdict_at.desc(), p.c.promise_id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        {
            "promise_id": r.promise_id,
            "case_id": r.case_id,
            "case_status": r.case_status,
            "kind": r.kind,
            "partner": r.partner,
            "reference": r.reference,
            "due_at": _iso(r.due_at),
            "said": r.said,
            "expected": r.expect,
            "observed": r.evidence,
            "unverified": r.unverified,
            "fulfilled_at": _iso(r.fulfilled_at),
            **step_fields(r),
        }
        for r in rows
    ]


def case_facts(conn: Connection, case_ids: set[str]) -> dict[str, dict[str, Any]]:
    """Per case: its owner and references, and its first complaint (who, what they said)."""
    if not case_ids:
        return {}
    ids = sorted(case_ids)
    facts = {
        r.case_id: {"owner": r.owner, "customer_ref": r.customer_ref, "order_ref": r.order_ref, "author": None, "words": None}
        for r in conn.execute(select(c.c.case_id, c.c.owner, c.c.customer_ref, c.c.order_ref).where(c.c.case_id.in_(ids)))
    }
    k = t.complaints
    for r in conn.execute(
        select(k.c.case_id, k.c.author, k.c.text)
        .where(k.c.case_id.in_(ids))
        .order_by(k.c.case_id, k.c.posted_at.desc(), k.c.id.desc())
    ):
        fact = facts.get(r.case_id)
        if fact is not None and fact["author"] is None:  # the latest words of the customer
            fact["author"], fact["words"] = r.author, r.text
    return facts


def for_people(
    conn: Connection, items: list[dict[str, Any]], playbooks: Iterable[Playbook] = (), language: str = "en"
) -> list[dict[str, Any]]:
    """Stuck, at-risk and to-check items as ops read them: a case title (customer and order or
    tracking reference), the customer's words, expected next to observed, the owner and the next
    step of the playbooks (one query for the page's cases, whatever its size)."""
    facts = case_facts(conn, {i["case_id"] for i in items})
    books = list(playbooks)
    for item in items:
        fact = facts.get(item["case_id"], {})
        expect = item.pop("expect", None) or item.get("expected") or {}
        evidence = (
            item.pop("evidence", None)
            if "evidence" in item
            else item.get("observed") or (item.get("at_risk") or {}).get("evidence")
        )
        item["case_title"] = case_title(
            fact.get("author"), fact.get("customer_ref"), fact.get("order_ref"), item.get("reference")
        )
        item["customer_words"] = fact.get("words")
        item["owner"] = fact.get("owner")
        item["expected"] = expected_view(item["kind"], expect)
        item["observed"] = observed_view(evidence, item.get("last_update"))
        step = next_step(item["kind"], item.get("reason"), books, language) if books else None
        item["next_step"] = step.detail() if step else None
    return items


def last_updates(conn: Connection, refs: set[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """The latest field update (by occurred_at) of each (partner, reference)."""
    if not refs:
        return {}
    latest: dict[tuple[str, str], Any] = {}
    for row in conn.execute(select(u).where(by_partner_reference(u.c, refs))):
        key = (row.partner, row.reference)
        if key not in latest or (row.occurred_at, row.event_id) > (latest[key].occurred_at, latest[key].event_id):
            latest[key] = row
    return {
        key: {
            "event_id": r.event_id,
            "status": r.status,
            "occurred_at": _iso(r.occurred_at),
            "location": r.location,
            "detail": r.detail,
        }
        for key, r in latest.items()
    }


def scorecards(conn: Connection, since: datetime | None = None) -> list[dict[str, Any]]:
    """Per partner, over the promises made since `since`: promises, kept, broken, kept_rate,
    median time from promise to keep (to within 5%), broken by reason. Read from the
    maintained aggregate (integrations/db/scorecard_stats.py), not from every promise."""
    stats = scorecard_stats.period_stats(conn, since)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    reasons: dict[str, Counter] = defaultdict(Counter)
    for (partner, _day, verdict, reason), count in stats.counts.items():
        totals[partner][0] += count
        if verdict == "kept":
            totals[partner][1] += count
        elif verdict == "broken":
            totals[partner][2] += count
            reasons[partner][reason or "unknown"] += count
    out = []
    for partner in sorted(name for name, (promises, _, _) in totals.items() if promises > 0):
        promises, kept, broken = totals[partner]
        decided = kept + broken
        out.append(
            {
                "partner": partner,
                "promises": promises,
                "kept": kept,
                "broken": broken,
                "pending": promises - decided,
                "kept_rate": round(kept / decided, 4) if decided else None,
                "median_seconds_to_keep": scorecard_stats.median_seconds(stats.keep_times[partner]),
                "broken_by_reason": {reason: n for reason, n in sorted(reasons[partner].items()) if n > 0},
            }
        )
    return out


def partner_steps(
    conn: Connection, partner: str, *, verdict: str | None = None, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    """A partner's own promises: what it must do, by when, and how it is judged so far."""
    where = [p.c.partner == partner]
    if verdict:
        where.append(p.c.verdict == verdict)
    rows = conn.execute(select(p).where(*where).order_by(p.c.due_at, p.c.promise_id).limit(limit).offset(offset))
    return [
        {
            "promise_id": r.promise_id,
            "kind": r.kind,
            "reference": r.reference,
            "due_at": _iso(r.due_at),
            "expect": r.expect,
            "verdict": r.verdict,
            "reason": r.reason,
            "fulfilled_at": _iso(r.fulfilled_at),
            "step_of": r.parent_id,  # a step handed over to this partner
        }
        for r in rows
    ]


def weekly_kept_rate(conn: Connection, since: datetime) -> dict[str, list[tuple[str, float, int]]]:
    """Per partner, per ISO week of the promise: (week, kept rate among decided, decided count)."""
    weeks: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for (partner, day, verdict, _reason), count in scorecard_stats.period_stats(conn, since).counts.items():
        if verdict == "pending" or count == 0:
            continue
        year, week, _ = day.isocalendar()
        bucket = weeks[partner][f"{year}-W{week:02d}"]
        bucket[0] += count if verdict == "kept" else 0
        bucket[1] += count
    return {
        partner: [(week, kept / total, total) for week, (kept, total) in sorted(by_week.items()) if total]
        for partner, by_week in sorted(weeks.items())
        if any(total for _, total in by_week.values())
    }


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
                out.append(
                    {
                        "id": row.id,
                        "case_id": row.case_id,
                        "at": _iso(row.at),
                        "reason": row.detail.get("reason"),
                        "reopen_count": row.detail.get("reopen_count"),
                    }
                )
        scanned += len(rows)
        last_id = rows[-1].id
    return out[:limit]
