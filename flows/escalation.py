"""Cases left reopened too long, or reopened again, alert the ops escalation target."""

from __future__ import annotations

from prefect import flow

from flows import context
from integrations.services.clock import utc_now
from integrations.services.outbox import queue_escalations


@flow(name="escalation")
async def escalation() -> int:
    return queue_escalations(context.uow_factory(), context.settings(), utc_now())
