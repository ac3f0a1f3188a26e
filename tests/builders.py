"""Small builders shared by tests: complaints, promises and updates in a line each."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count

from domain.model import Complaint, FieldUpdate
from integrations.services.promises import PromiseSpec

_ids = count(1)


def complaint(
    text: str, posted_at: datetime, *, channel: str = "twitter", external_id: str | None = None, author: str = "@customer", **refs
) -> Complaint:
    return Complaint.create(
        {
            "channel": channel,
            "external_id": external_id or f"post-{next(_ids)}",
            "author": author,
            "text": text,
            "posted_at": posted_at,
            **refs,
        }
    )


def update(
    partner: str, reference: str, status: str, occurred_at: datetime, *, event_id: str | None = None, **fields
) -> FieldUpdate:
    return FieldUpdate.create(
        partner,
        {
            "event_id": event_id or f"evt-{next(_ids)}",
            "reference": reference,
            "status": status,
            "occurred_at": occurred_at,
            **fields,
        },
    )


def spec(kind: str, partner: str, reference: str, due_at: datetime, said: str | None = None, **expect) -> PromiseSpec:
    return PromiseSpec(kind=kind, partner=partner, reference=reference, due_at=due_at, expect=expect, said=said)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
