"""SQLAlchemy Core implementations of the ports, mapping rows to domain objects.

Each method is one statement (or one executemany) whatever the number of items.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Iterable, Sequence

from sqlalchemy import Connection, Table, and_, bindparam, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from domain.model import (
    Alert,
    AtRisk,
    Case,
    CaseStatus,
    Complaint,
    EntryType,
    FieldUpdate,
    Outcome,
    PlannedStep,
    Promise,
    PromiseKind,
    Reason,
    Suggestion,
    SuggestionState,
    TimelineEntry,
    Verdict,
)
from domain.ops import merge_alert
from domain.verdicts import silence_check_at
from integrations import secret_box, tracing
from integrations.db import outbox_store
from integrations.db import tables as t
from integrations.services import ports
from integrations.services.ports import RefKey


def dialect_insert(conn: Connection, table):
    """An INSERT that knows ON CONFLICT, for the connection's dialect."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def by_partner_reference(columns, refs: Iterable[RefKey]):
    """(partner, reference) IN refs, grouped by partner so each arm is an index range."""
    grouped: dict[str, set[str]] = defaultdict(set)
    for partner, reference in refs:
        grouped[partner].add(reference)
    return or_(
        *(and_(columns.partner == partner, columns.reference.in_(sorted(references))) for partner, references in grouped.items())
    )


V11_FIELDS = (
    "postal_code",
    "city",
    "country",
    "pickup_point_id",
    "handed_to",
    "carrier_code",
    "handoff_partner",
    "handoff_reference",
)


def update_from_row(row: Any) -> FieldUpdate:
    return FieldUpdate(
        partner=row.partner,
        event_id=row.event_id,
        reference=row.reference,
        status=row.status,
        occurred_at=row.occurred_at,
        location=row.location,
        address=row.address,
        signed_by=row.signed_by,
        amount=Decimal(row.amount) if row.amount is not None else None,
        currency=row.currency,
        detail=row.detail,
        postal_code=row.postal_code,
        city=row.city,
        country=row.country,
        pickup_point_id=row.pickup_point_id,
        handed_to=row.handed_to,
        carrier_code=row.carrier_code,
        handoff_partner=row.handoff_partner,
        handoff_reference=row.handoff_reference,
    )


def update_from_evidence(data: dict[str, Any] | None) -> FieldUpdate | None:
    if not data:
        return None
    return FieldUpdate(
        partner=data["partner"],
        event_id=data["event_id"],
        reference=data["reference"],
        status=data["status"],
        occurred_at=datetime.fromisoformat(data["occurred_at"]),
        location=data.get("location"),
        address=data.get("address"),
        signed_by=data.get("signed_by"),
        amount=Decimal(data["amount"]) if data.get("amount") is not None else None,
        currency=data.get("currency"),
        detail=data.get("detail"),
        postal_code=data.get("postal_code"),
        city=data.get("city"),
        country=data.get("country"),
        pickup_point_id=data.get("pickup_point_id"),
        handed_to=data.get("handed_to"),
        carrier_code=data.get("carrier_code"),
        handoff_partner=(data.get("handoff") or {}).get("partner"),
        handoff_reference=(data.get("handoff") or {}).get("reference"),
    )


def at_risk_from_row(data: dict[str, Any] | None) -> AtRisk | None:
    if not data:
        return None
    return AtRisk(
        cause=data["cause"], since=datetime.fromisoformat(data["since"]), evidence=update_from_evidence(data.get("evidence"))
    )


def promise_from_row(row: Any) -> Promise:
    return Promise(
        promise_id=row.promise_id,
        case_id=row.case_id,
        kind=PromiseKind(row.kind),
        partner=row.partner,
        reference=row.reference,
        due_at=row.due_at,
        expect=dict(row.expect),
        said=row.said,
        created_at=row.created_at,
        addressed=row.addressed,
        outcome=Outcome(
            verdict=Verdict(row.verdict),
            reason=Reason(row.reason) if row.reason else None,
            fulfilled_at=row.fulfilled_at,
            evidence=update_from_evidence(row.evidence),
            unverified=tuple(row.unverified or ()),
            at_risk=at_risk_from_row(row.at_risk),
        ),
        parent_id=row.parent_id,
        snoozed_until=row.snoozed_until,
        replaces=row.replaces,
        plan=tuple(
            PlannedStep(role=s["role"], kind=PromiseKind(s["kind"]), due_in_hours=s["due_in_hours"]) for s in row.plan or ()
        ),
    )


def case_from_row(row: Any) -> Case:
    return Case(
        case_id=row.case_id,
        status=CaseStatus(row.status),
        reopen_count=row.reopen_count,
        customer_ref=row.customer_ref,
        order_ref=row.order_ref,
        linked_to=row.linked_to,
        created_at=row.created_at,
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        status_changed_at=row.status_changed_at,
        disputed=row.disputed,
        owner=row.owner,
    )


def _is_pg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


class SqlCaseRepository(ports.CaseRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, case: Case) -> None:
        self.conn.execute(
            t.cases.insert().values(
                case_id=case.case_id,
                status=case.status.value,
                reopen_count=case.reopen_count,
                customer_ref=case.customer_ref,
                order_ref=case.order_ref,
                linked_to=case.linked_to,
                disputed=case.disputed,
                created_at=case.created_at,
                resolved_at=case.resolved_at,
                closed_at=case.closed_at,
                status_changed_at=case.created_at,
            )
        )

    def get(self, case_id: str) -> Case | None:
        row = self.conn.execute(select(t.cases).where(t.cases.c.case_id == case_id)).first()
        return case_from_row(row) if row else None

    def lock(self, case_ids: Iterable[str]) -> dict[str, Case]:
        ids = sorted(set(case_ids))
        if not ids:
            return {}
        rows = self.conn.execute(select(t.cases).where(t.cases.c.case_id.in_(ids)).order_by(t.cases.c.case_id).with_for_update())
        return {row.case_id: case_from_row(row) for row in rows}

    def save(self, cases: Sequence[Case]) -> None:
        self.conn.execute(
            update(t.cases)
            .where(t.cases.c.case_id == bindparam("b_case_id"))
            .values(
                status=bindparam("b_status"),
                reopen_count=bindparam("b_reopen_count"),
                resolved_at=bindparam("b_resolved_at"),
                closed_at=bindparam("b_closed_at"),
                disputed=bindparam("b_disputed"),
                status_changed_at=bindparam("b_changed_at"),
            ),
            [
                {
                    "b_case_id": c.case_id,
                    "b_status": c.status.value,
                    "b_reopen_count": c.reopen_count,
                    "b_resolved_at": c.resolved_at,
                    "b_closed_at": c.closed_at,
                    "b_disputed": c.disputed,
                    "b_changed_at": c.status_changed_at,
                }
                for c in cases
            ],
        )

    def latest_by_refs(self, customer_ref: str | None, order_ref: str | None) -> Case | None:
        conditions = []
        if customer_ref:
            conditions.append(t.cases.c.customer_ref == customer_ref)
        if order_ref:
            conditions.append(t.cases.c.order_ref == order_ref)
        if not conditions:
            return None
        closed_last = t.cases.c.status == CaseStatus.CLOSED.value
        row = self.conn.execute(
            select(t.cases).where(or_(*conditions)).order_by(closed_last, t.cases.c.created_at.desc()).limit(1)
        ).first()
        return case_from_row(row) if row else None

    def lock_resolved_before(self, before: datetime, limit: int) -> list[Case]:
        rows = self.conn.execute(
            select(t.cases)
            .where(t.cases.c.status == CaseStatus.RESOLVED.value, t.cases.c.resolved_at < before)
            .order_by(t.cases.c.resolved_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [case_from_row(r) for r in rows]

    def assign(self, case_id: str, owner: str | None, at: datetime) -> None:
        self.conn.execute(update(t.cases).where(t.cases.c.case_id == case_id).values(owner=owner, owned_at=at if owner else None))

    def reopened_to_escalate(self, now: datetime, older_than: timedelta, reopen_count: int, limit: int = 200) -> list[Case]:
        c = t.cases
        long_reopened = select(c).where(c.c.status == CaseStatus.REOPENED.value, c.c.status_changed_at <= now - older_than)
        repeat = select(c).where(c.c.status == CaseStatus.REOPENED.value, c.c.reopen_count >= reopen_count)
        rows = {r.case_id: r for r in self.conn.execute(long_reopened.limit(limit))}
        rows.update({r.case_id: r for r in self.conn.execute(repeat.limit(limit))})
        return [case_from_row(r) for r in rows.values()]


class SqlComplaintRepository(ports.ComplaintRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def case_id_for(self, channel: str, external_id: str) -> str | None:
        return self.conn.execute(
            select(t.complaints.c.case_id).where(t.complaints.c.channel == channel, t.complaints.c.external_id == external_id)
        ).scalar()

    def add(self, case_id: str, complaint: Complaint, received_at: datetime) -> bool:
        stmt = (
            dialect_insert(self.conn, t.complaints)
            .values(
                case_id=case_id,
                channel=complaint.channel,
                external_id=complaint.external_id,
                author=complaint.author,
                text=complaint.text,
                posted_at=complaint.posted_at,
                received_at=received_at,
                customer_ref=complaint.customer_ref,
                order_ref=complaint.order_ref,
                tracking_numbers=list(complaint.tracking_numbers),
            )
            .on_conflict_do_nothing()
            .returning(t.complaints.c.id)
        )
        return self.conn.execute(stmt).first() is not None

    def for_case(self, case_id: str) -> list[Complaint]:
        rows = self.conn.execute(
            select(t.complaints).where(t.complaints.c.case_id == case_id).order_by(t.complaints.c.posted_at, t.complaints.c.id)
        )
        return [
            Complaint(
                channel=r.channel,
                external_id=r.external_id,
                author=r.author,
                text=r.text,
                posted_at=r.posted_at,
                customer_ref=r.customer_ref,
                order_ref=r.order_ref,
                tracking_numbers=tuple(r.tracking_numbers or ()),
            )
            for r in rows
        ]


def _outcome_values(promise: Promise) -> dict[str, Any]:
    outcome = promise.outcome
    return {
        "verdict": outcome.verdict.value,
        "reason": outcome.reason.value if outcome.reason else None,
        "fulfilled_at": outcome.fulfilled_at,
        "evidence": outcome.evidence.evidence() if outcome.evidence else None,
        "addressed": promise.addressed,
        "unverified": list(outcome.unverified) or None,
        "at_risk": outcome.at_risk.detail() if outcome.at_risk else None,
        "at_risk_since": outcome.at_risk.since if outcome.at_risk else None,
    }


# The open promises naming some references, through the function of migration 0014, whose plan
# PostgreSQL keeps for the session (the same query as a statement is planned on every call).
_OPEN_PROMISES_FOR_REFS_PG = text(
    f"SELECT {', '.join(c.name for c in t.promises.c)} "
    "FROM terrain_open_promises(CAST(:partners AS text[]), CAST(:references AS text[]))"
).columns(*t.promises.c)


class SqlPromiseRepository(ports.PromiseRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, promise: Promise) -> None:
        self.conn.execute(
            t.promises.insert().values(
                promise_id=promise.promise_id,
                case_id=promise.case_id,
                kind=promise.kind.value,
                partner=promise.partner,
                reference=promise.reference,
                due_at=promise.due_at,
                expect=promise.expect,
                said=promise.said,
                created_at=promise.created_at,
                verdict_at=promise.created_at,
                risk_check_at=silence_check_at(promise),
                parent_id=promise.parent_id,
                replaces=promise.replaces,
                plan=[step.detail() for step in promise.plan] or None,
                **_outcome_values(promise),
            )
        )

    def get(self, promise_id: str) -> Promise | None:
        row = self.conn.execute(select(t.promises).where(t.promises.c.promise_id == promise_id)).first()
        return promise_from_row(row) if row else None

    def for_references(self, refs: Iterable[RefKey]) -> list[Promise]:
        refs = list(refs)
        if not refs:
            return []
        if _is_pg(self.conn):
            # Every ingest asks this: one statement of one shape whatever the number of references,
            # its plan kept by PostgreSQL (migration 0014).
            partners, references = zip(*refs, strict=True)
            rows = self.conn.execute(_OPEN_PROMISES_FOR_REFS_PG, {"partners": list(partners), "references": list(references)})
        else:
            rows = self.conn.execute(
                select(t.promises)
                .join(t.cases, t.cases.c.case_id == t.promises.c.case_id)
                .where(by_partner_reference(t.promises.c, refs), t.cases.c.status != CaseStatus.CLOSED.value)
            )
        return [promise_from_row(r) for r in rows]

    def for_cases(self, case_ids: Iterable[str]) -> list[Promise]:
        ids = list(case_ids)
        if not ids:
            return []
        rows = self.conn.execute(
            select(t.promises).where(t.promises.c.case_id.in_(ids)).order_by(t.promises.c.created_at, t.promises.c.promise_id)
        )
        return [promise_from_row(r) for r in rows]

    def mark_addressed(self, case_id: str) -> None:
        self.conn.execute(
            update(t.promises).where(t.promises.c.case_id == case_id, ~t.promises.c.addressed).values(addressed=True)
        )

    def save_outcomes(self, promises: Sequence[Promise], now: datetime) -> None:
        if not promises:
            return
        self.conn.execute(
            update(t.promises)
            .where(t.promises.c.promise_id == bindparam("b_id"))
            .values(
                verdict=bindparam("b_verdict"),
                reason=bindparam("b_reason"),
                fulfilled_at=bindparam("b_fulfilled_at"),
                evidence=bindparam("b_evidence"),
                addressed=bindparam("b_addressed"),
                verdict_at=bindparam("b_verdict_at"),
                unverified=bindparam("b_unverified"),
                at_risk=bindparam("b_at_risk"),
                at_risk_since=bindparam("b_at_risk_since"),
            ),
            [
                {"b_id": p.promise_id, "b_verdict_at": now, **{f"b_{k}": v for k, v in _outcome_values(p).items()}}
                for p in promises
            ],
        )

    def acknowledge(
        self, promise_id: str, by: str, at: datetime, snoozed_until: datetime | None, *, keep_snooze: bool = False
    ) -> None:
        values: dict[str, Any] = {"acknowledged_by": by, "acknowledged_at": at}
        if not keep_snooze:
            values["snoozed_until"] = snoozed_until
        self.conn.execute(update(t.promises).where(t.promises.c.promise_id == promise_id).values(**values))

    def overdue_case_ids(self, now: datetime, limit: int) -> list[str]:
        """Cases with a pending promise past its deadline, then those whose silence check is due."""
        p, c = t.promises, t.cases
        found: list[str] = []
        for column in (p.c.due_at, p.c.risk_check_at):
            stmt = (
                select(c.c.case_id)
                .join(p, p.c.case_id == c.c.case_id)
                .where(p.c.verdict == Verdict.PENDING.value, column < now)
                .order_by(column)
                .limit(limit - len(found))
            )
            if found:
                stmt = stmt.where(c.c.case_id.not_in(found))
            if _is_pg(self.conn):
                stmt = stmt.with_for_update(of=c, skip_locked=True)
            found.extend(dict.fromkeys(self.conn.execute(stmt).scalars()))
            if len(found) >= limit:
                break
        return list(dict.fromkeys(found))

    def risk_checked(self, case_ids: Iterable[str], now: datetime) -> None:
        ids = sorted(set(case_ids))
        if ids:
            self.conn.execute(
                update(t.promises)
                .where(t.promises.c.case_id.in_(ids), t.promises.c.risk_check_at <= now)
                .values(risk_check_at=None)
            )


def _lock_key(text: str) -> int:
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def reference_lock_key(partner: str, reference: str) -> int:
    return _lock_key(f"{partner}\x00{reference}")


def partner_lock_key(partner: str) -> int:
    return _lock_key(f"partner\x01{partner}")  # no NUL: never the text of a reference key


ALL_PARTNERS_LOCK_KEY = _lock_key("terrain\x01all partners")
MAX_REFERENCE_LOCKS = 64


def reference_lock_plan(
    refs: Iterable[RefKey], limit: int = MAX_REFERENCE_LOCKS, *, shared: Iterable[RefKey] = ()
) -> list[tuple[int, bool]]:
    """The advisory locks that serialise work on `refs` (exclusive) and `shared`, as (key,
    shared), in the order to take them: never more than 2 + 2 × `limit`, so that a large
    transaction cannot fill PostgreSQL's lock table (shared by every transaction: a full table
    fails the others' batches).

    Three levels, each taken before the next: all partners, a partner, a reference. Up to
    `limit` references: the first two shared, each reference exclusive, or shared when it is only
    in `shared` (transactions on other references of the same partner run alongside). More: the
    partners exclusive, no reference lock (the whole partner waits for this transaction, as it
    would on its references). More than `limit` partners: all partners exclusive. All take their
    locks in this one order (sorted within a level), so they wait on each other without a cycle.

    Ingest takes the references it only reports on as `shared`: two ingests on one parcel then run
    alongside (their events' unique index and the row locks of the cases they reconcile, both
    taken in sorted order, order them), while recording a promise on it (exclusive) waits for
    them and they for it, so that one sees the other's rows.
    """
    exclusive = set(refs)
    shared_refs = set(shared) - exclusive
    by_partner: dict[str, set[str]] = defaultdict(set)
    for partner, reference in exclusive | shared_refs:
        by_partner[partner].add(reference)
    if not by_partner:
        return []
    if len(by_partner) > limit:
        return [(ALL_PARTNERS_LOCK_KEY, False)]
    few = sum(len(references) for references in by_partner.values()) <= limit
    plan = [(ALL_PARTNERS_LOCK_KEY, True)]
    plan += [(key, few) for key in sorted({partner_lock_key(p) for p in by_partner})]
    if few:
        keys: dict[int, bool] = {}
        for partner, reference in exclusive | shared_refs:
            key = reference_lock_key(partner, reference)
            # Two references may share a key: it is exclusive if either needs it so.
            keys[key] = keys.get(key, True) and (partner, reference) in shared_refs
        plan += sorted(keys.items())
    return plan


# The locks of a reference_lock_plan in one statement, taken in the plan's order.
_LOCK_PLAN_SQL = (
    "SELECT count(CASE WHEN s.shared THEN pg_advisory_xact_lock_shared(s.k) "
    "ELSE pg_advisory_xact_lock(s.k) END) FROM "
    "(SELECT k, shared FROM unnest(%(keys)s::bigint[], %(shared)s::boolean[]) "
    "WITH ORDINALITY AS u(k, shared, n) ORDER BY n) AS s"
)


def _lock_parameters(plan: list[tuple[int, bool]]) -> dict[str, list[Any]]:
    return {"keys": [key for key, _ in plan], "shared": [shared for _, shared in plan]}


UPDATE_COLUMNS = (
    "partner",
    "event_id",
    "reference",
    "status",
    "occurred_at",
    "received_at",
    "location",
    "address",
    "signed_by",
    "amount",
    "currency",
    "detail",
    *V11_FIELDS,
)
_ROW_TEMPLATE = "(" + ",".join(["%s"] * len(UPDATE_COLUMNS)) + ")"
_INSERT_HEAD = f"INSERT INTO updates ({', '.join(UPDATE_COLUMNS)}) VALUES ".encode()
_INSERT_TAIL = b" ON CONFLICT (partner, event_id) DO NOTHING RETURNING partner, event_id"
# After `WITH ins AS (<insert>)`: the inserted (partner, event_id), then the watched references.
_WATCHED_TAIL = (
    "SELECT false, partner, event_id FROM ins UNION ALL "
    "SELECT DISTINCT true, partner, reference "
    "FROM terrain_open_promises(%(partners)s::text[], %(references)s::text[])"
)


class SqlUpdateRepository(ports.UpdateRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def store(
        self,
        updates: Sequence[FieldUpdate],
        received_at: datetime,
        *,
        lock: Iterable[RefKey] = (),
        lock_shared: Iterable[RefKey] = (),
    ) -> ports.Stored:
        first_index: dict[tuple[str, str], int] = {}
        for index, u in enumerate(updates):
            first_index.setdefault((u.partner, u.event_id), index)
        if not first_index:
            self.lock_references(lock, shared=lock_shared)
            return ports.Stored(new=[], watched=frozenset())
        refs = sorted({(u.partner, u.reference) for u in updates})
        # Inserted in (partner, event_id) order whatever the order they came in: two transactions
        # inserting overlapping events then wait on each other in one order, never in a cycle
        # (PostgreSQL's "deadlock detected … while inserting index tuple").
        rows = [
            {
                "partner": u.partner,
                "event_id": u.event_id,
                "reference": u.reference,
                "status": u.status,
                "occurred_at": u.occurred_at,
                "received_at": received_at,
                "location": u.location,
                "address": u.address,
                "signed_by": u.signed_by,
                "amount": str(u.amount) if u.amount is not None else None,
                "currency": u.currency,
                "detail": u.detail,
                **{name: getattr(u, name) for name in V11_FIELDS},
            }
            for u in (updates[first_index[key]] for key in sorted(first_index))
        ]
        if _is_pg(self.conn):
            inserted, watched = self._store_pg(rows, reference_lock_plan(lock, shared=lock_shared), refs)
        else:
            stmt = (
                dialect_insert(self.conn, t.updates).on_conflict_do_nothing().returning(t.updates.c.partner, t.updates.c.event_id)
            )
            inserted = {(r.partner, r.event_id) for r in self.conn.execute(stmt, rows)}
            watched = {(p.partner, p.reference) for p in SqlPromiseRepository(self.conn).for_references(refs)}
        new = [(u.partner, u.event_id) in inserted and first_index[(u.partner, u.event_id)] == i for i, u in enumerate(updates)]
        return ports.Stored(new=new, watched=frozenset(watched))

    def _store_pg(
        self, rows: list[dict[str, Any]], plan: list[tuple[int, bool]], refs: list[RefKey]
    ) -> tuple[set[tuple[str, str]], set[RefKey]]:
        """The hot path's one round trip, sent as one query: the reference locks, then one
        statement that inserts the rows and reads which references open promises name (after the
        locks: a statement of its own, so its snapshot sees every promise recorded before them).
        The rows are rendered by psycopg2 as its execute_values would, at half the cost of
        SQLAlchemy's generic multi-row insert."""
        import psycopg2

        cursor = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        statement = b""
        try:
            if plan:
                statement = cursor.mogrify(_LOCK_PLAN_SQL, _lock_parameters(plan)) + b"; "
            values = b",".join(cursor.mogrify(_ROW_TEMPLATE, tuple(row[c] for c in UPDATE_COLUMNS)) for row in rows)
            watched = cursor.mogrify(_WATCHED_TAIL, {"partners": [p for p, _ in refs], "references": [r for _, r in refs]})
            statement += b"WITH ins AS (" + _INSERT_HEAD + values + _INSERT_TAIL + b") " + watched
            cursor.execute(statement)
            returned = cursor.fetchall()
        except psycopg2.Error as exc:
            # An error of the raw cursor goes through SQLAlchemy's own error path, as if the
            # statement had been run by it: wrapped in a DBAPIError (a 503 or a retry, never a
            # 500) and, when the connection is dead, the connection and the pool invalidated
            # (`connection_invalidated`), so that the retry gets a fresh connection.
            self.conn._handle_dbapi_exception(exc, statement.decode(errors="replace")[:200], None, None, None)
        finally:
            try:
                cursor.close()
            except psycopg2.Error:
                pass  # the connection is gone, and the cursor with it
        inserted = {(a, b) for is_watched, a, b in returned if not is_watched}
        return inserted, {(a, b) for is_watched, a, b in returned if is_watched}

    def lock_references(self, refs: Iterable[RefKey], *, shared: Iterable[RefKey] = ()) -> None:
        if not _is_pg(self.conn):
            return  # SQLite serialises writers with BEGIN IMMEDIATE already
        plan = reference_lock_plan(refs, shared=shared)
        if plan:
            # One statement, the locks taken in the plan's order (see reference_lock_plan).
            self.conn.exec_driver_sql(_LOCK_PLAN_SQL, _lock_parameters(plan))

    def for_references(self, refs: Iterable[RefKey]) -> dict[RefKey, list[FieldUpdate]]:
        refs = list(refs)
        out: dict[RefKey, list[FieldUpdate]] = defaultdict(list)
        if not refs:
            return out
        for row in self.conn.execute(select(t.updates).where(by_partner_reference(t.updates.c, refs))):
            out[(row.partner, row.reference)].append(update_from_row(row))
        return out


class SqlTimelineRepository(ports.TimelineRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def append(self, entries: Sequence[TimelineEntry]) -> None:
        if entries:
            self.conn.execute(
                t.timeline.insert(),
                [{"case_id": e.case_id, "at": e.at, "type": e.type.value, "actor": e.actor, "detail": e.detail} for e in entries],
            )

    def for_case(self, case_id: str) -> list[TimelineEntry]:
        rows = self.conn.execute(select(t.timeline).where(t.timeline.c.case_id == case_id).order_by(t.timeline.c.id))
        return [TimelineEntry(r.case_id, r.at, EntryType(r.type), r.actor, r.detail) for r in rows]

    def record_alert_attempt(self, entry: TimelineEntry) -> None:
        tl = t.timeline
        # A case holds a few alert entries: read them along (case_id, id), match the key here.
        rows = self.conn.execute(
            select(tl.c.id, tl.c.detail)
            .where(tl.c.case_id == entry.case_id, tl.c.type == EntryType.ALERT.value)
            .order_by(tl.c.id.desc())
        )
        found = next((r for r in rows if (r.detail or {}).get("key") == entry.detail.get("key")), None)
        if found is None:
            self.append([TimelineEntry(entry.case_id, entry.at, entry.type, entry.actor, merge_alert(None, entry))])
        else:
            self.conn.execute(update(tl).where(tl.c.id == found.id).values(detail=merge_alert(found.detail, entry)))


class SqlSuggestionRepository(ports.SuggestionRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, suggestions: Sequence[Suggestion]) -> None:
        if suggestions:
            self.conn.execute(
                t.suggestions.insert(),
                [
                    {
                        "suggestion_id": s.suggestion_id,
                        "case_id": s.case_id,
                        "kind": s.kind,
                        "due_at": s.due_at,
                        "said_at": s.said_at,
                        "expect": dict(s.expect),
                        "confidence": s.confidence,
                        "evidence": s.evidence,
                        "partner": s.partner,
                        "reference": s.reference,
                        "state": s.state.value,
                        "created_at": s.created_at,
                    }
                    for s in suggestions
                ],
            )

    @staticmethod
    def _suggestion(r: Any) -> Suggestion:
        return Suggestion(
            suggestion_id=r.suggestion_id,
            case_id=r.case_id,
            kind=r.kind,
            due_at=r.due_at,
            said_at=r.said_at,
            confidence=r.confidence,
            evidence=r.evidence,
            expect=dict(r.expect or {}),
            partner=r.partner,
            reference=r.reference,
            state=SuggestionState(r.state),
            created_at=r.created_at,
            settled_at=r.settled_at,
            settled_by=r.settled_by,
            promise_id=r.promise_id,
        )

    def get(self, case_id: str, suggestion_id: str) -> Suggestion | None:
        row = self.conn.execute(
            select(t.suggestions).where(t.suggestions.c.case_id == case_id, t.suggestions.c.suggestion_id == suggestion_id)
        ).first()
        return self._suggestion(row) if row else None

    def for_case(self, case_id: str, state: SuggestionState | None = None) -> list[Suggestion]:
        query = select(t.suggestions).where(t.suggestions.c.case_id == case_id)
        if state is not None:
            query = query.where(t.suggestions.c.state == state.value)
        return [
            self._suggestion(r)
            for r in self.conn.execute(query.order_by(t.suggestions.c.created_at, t.suggestions.c.suggestion_id))
        ]

    def settle(
        self, case_id: str, suggestion_id: str, state: SuggestionState, at: datetime, by: str, promise_id: str | None = None
    ) -> bool:
        result = self.conn.execute(
            t.suggestions.update()
            .where(
                t.suggestions.c.case_id == case_id,
                t.suggestions.c.suggestion_id == suggestion_id,
                t.suggestions.c.state == SuggestionState.OPEN.value,
            )
            .values(state=state.value, settled_at=at, settled_by=by, promise_id=promise_id)
        )
        return result.rowcount == 1


class SqlWorkQueue:
    """The claim/renew/finish/has_due half of a work queue table (integrations/db/outbox_store.py)."""

    table: Table

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def claim(self, now: datetime, limit: int, lease: timedelta) -> list[dict[str, Any]]:
        return [dict(row._mapping) for row in outbox_store.claim(self.conn, self.table, now, limit, lease)]

    def renew(self, item_id: Any, attempts: int, until: datetime) -> bool:
        return outbox_store.renew(self.conn, self.table, item_id, attempts, until)

    def finish(
        self,
        item_id: Any,
        *,
        state: str,
        now: datetime,
        attempts: int,
        next_attempt_at: datetime | None = None,
        error: str | None = None,
        response: Any = None,
    ) -> bool:
        return outbox_store.finish(
            self.conn,
            self.table,
            item_id,
            state=state,
            now=now,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
            error=error,
            response=response,
        )

    def has_due(self, now: datetime) -> bool:
        return outbox_store.has_due(self.conn, self.table, now)


class SqlOutboxRepository(SqlWorkQueue, ports.OutboxRepository):
    table = t.outbox

    def add(self, alerts: Sequence[Alert], now: datetime) -> set[str]:
        if not alerts:
            return set()
        stmt = dialect_insert(self.conn, t.outbox).on_conflict_do_nothing().returning(t.outbox.c.key)
        return set(
            self.conn.execute(
                stmt,
                [
                    {
                        "key": a.key,
                        "case_id": a.case_id,
                        "promise_id": a.promise_id,
                        "kind": a.kind,
                        "payload": tracing.with_trace(a.payload),
                        "state": "pending",
                        "attempts": 0,
                        "created_at": now,
                        "next_attempt_at": now,
                    }
                    for a in alerts
                ],
            ).scalars()
        )


class SqlOutboundRepository(SqlWorkQueue, ports.OutboundRepository):
    table = t.outbound_requests

    def add(self, promises: Sequence[Promise], now: datetime) -> None:
        if promises:
            self.conn.execute(
                dialect_insert(self.conn, t.outbound_requests).on_conflict_do_nothing(),
                [
                    {
                        "promise_id": p.promise_id,
                        "case_id": p.case_id,
                        "partner": p.partner,
                        "state": "pending",
                        "attempts": 0,
                        "created_at": now,
                        "next_attempt_at": now,
                    }
                    for p in promises
                ],
            )

    def requeue(self, promise: Promise, now: datetime) -> None:
        self.add([promise], now)
        self.conn.execute(
            update(t.outbound_requests)
            .where(t.outbound_requests.c.promise_id == promise.promise_id)
            .values(state="pending", attempts=0, next_attempt_at=now, last_error=None)
        )


class SqlPeopleDirectory(ports.PeopleDirectory):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def person(self, name: str) -> ports.Person | None:
        k = t.api_keys
        row = self.conn.execute(
            select(k.c.name, k.c.alert_url)
            .where(k.c.name == name, k.c.revoked_at.is_(None), k.c.role.in_(("agent", "ops")))
            .order_by(k.c.alert_url.is_(None), k.c.id.desc())
            .limit(1)
        ).first()
        return ports.Person(row.name, row.alert_url) if row else None


class SqlPartnerDirectory(ports.PartnerDirectory):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def endpoint(self, name: str) -> ports.PartnerEndpoint | None:
        row = self.conn.execute(select(t.partners).where(t.partners.c.name == name)).first()
        if row is None:
            return None
        secret = secret_box.decrypt(row.action_secret) if row.action_secret is not None else None
        return ports.PartnerEndpoint(row.name, row.action_url, secret)
