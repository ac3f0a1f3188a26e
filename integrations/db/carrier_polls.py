"""The carrier poll's store: accounts (secrets through credentials.py), due references, and
when each reference was last polled."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select, update

from domain.model import CaseStatus, Verdict
from integrations.db import credentials
from integrations.db import tables as t
from integrations.db.repositories import dialect_insert
from integrations.services import ports


def account_from_row(row: credentials.CarrierAccountRow) -> ports.CarrierAccount:
    return ports.CarrierAccount(
        partner=row.partner,
        carrier=row.carrier,
        api_url=row.api_url,
        poll_every=timedelta(seconds=row.poll_every_seconds),
        api_key=row.api_key,
        client_id=row.client_id,
        client_secret=row.client_secret,
        carrier_name=row.carrier_name,
        last_pass_at=row.last_pass_at,
        failures=row.failures,
        backoff_until=row.backoff_until,
    )


class SqlCarrierPollStore(ports.CarrierPollStore):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def accounts(self, partner: str | None = None) -> list[ports.CarrierAccount]:
        return [account_from_row(r) for r in credentials.carrier_accounts(self.engine, partner, with_secrets=True)]

    def due_references(self, partner: str, polled_before: datetime, limit: int) -> list[str]:
        p, c, polls = t.promises, t.cases, t.carrier_polls
        last = polls.c.last_polled_at
        query = (
            select(p.c.reference)
            .join(c, c.c.case_id == p.c.case_id)
            .outerjoin(polls, (polls.c.partner == p.c.partner) & (polls.c.reference == p.c.reference))
            .where(
                p.c.partner == partner,
                p.c.verdict == Verdict.PENDING.value,
                c.c.status != CaseStatus.CLOSED.value,
                last.is_(None) | (last <= polled_before),
            )
            .group_by(p.c.reference, last)
            # Never polled first (the soonest due first), then the longest unpolled.
            .order_by(last.asc().nulls_first(), func.min(p.c.due_at), p.c.reference)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def record_polls(self, partner: str, outcomes: dict[str, str], polled_at: datetime) -> None:
        if not outcomes:
            return
        rows = [
            {"partner": partner, "reference": ref, "last_polled_at": polled_at, "outcome": outcome[:32]}
            for ref, outcome in sorted(outcomes.items())
        ]
        with self.engine.begin() as conn:
            stmt = dialect_insert(conn, t.carrier_polls)
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["partner", "reference"],
                    set_={"last_polled_at": stmt.excluded.last_polled_at, "outcome": stmt.excluded.outcome},
                ),
                rows,
            )

    def record_pass(
        self, partner: str, at: datetime, *, error: str | None, new_errors: int, failures: int, backoff_until: datetime | None
    ) -> None:
        accounts = t.carrier_accounts
        values: dict = {
            "last_pass_at": at,
            "failures": failures,
            "backoff_until": backoff_until,
            "errors": accounts.c.errors + new_errors,
        }
        if error is not None:
            values |= {"last_error": error, "last_error_at": at}
        with self.engine.begin() as conn:
            conn.execute(update(accounts).where(accounts.c.partner == partner).values(**values))
