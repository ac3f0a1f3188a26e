"""Poll the carriers' tracking APIs for the references Terrain holds pending promises on.

Orchestration only: which references, in what order, at what rate, and what a failure means
live in integrations/services/carrier_poll.py; the task is a thin I/O wrapper around one pass
of one partner's account. Partners are polled side by side: one carrier that is down or slow
holds up no other. `terrain up` runs one flow per partner whose pass is due
(`carrier-poll-<partner>`); the deployment in deployments/prefect.yaml runs every due partner.
"""

from __future__ import annotations

import asyncio
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows import context
from integrations.carriers import polling
from integrations.db.carrier_polls import SqlCarrierPollStore
from integrations.services.carrier_poll import due_accounts
from integrations.services.clock import utc_now


def _pass(partner: str) -> dict[str, Any]:
    engine, settings = context.engine(), context.settings()
    accounts = SqlCarrierPollStore(engine).accounts(partner)
    if not accounts:
        return {"partner": partner, "error": "no carrier account"}
    report = polling.poller(engine, settings).poll_account(accounts[0], stopping=context.stopping)
    polling.count(report)
    return {
        "partner": report.partner,
        "carrier": report.carrier,
        "due": report.due,
        "fetched": report.fetched,
        "mapped": report.mapped,
        "stored": report.stored,
        "duplicates": report.duplicates,
        "skipped": dict(report.skipped),
        "errors": dict(report.errors),
        "last_error": report.last_error,
    }


# The pass records carrier failures itself and never raises for them: a retry here is for the
# database (or this process) failing mid-pass; re-polling is harmless (updates are deduplicated).
@task(retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE, task_run_name="poll-{partner}")
async def poll_partner(partner: str) -> dict[str, Any]:
    return await asyncio.to_thread(_pass, partner)


def partners_due(partner: str | None = None) -> list[str]:
    """Partners whose pass is due now (not backing off, last pass `poll_every` ago)."""
    return [a.partner for a in due_accounts(SqlCarrierPollStore(context.engine()), utc_now(), partner)]


@flow(name="carrier-poll", log_prints=True)
async def carrier_poll(partner: str | None = None) -> list[dict[str, Any]]:
    """A pass for every partner whose pass is due (or `partner`'s), side by side."""
    partners = await asyncio.to_thread(partners_due, partner)
    results = await asyncio.gather(*(poll_partner(p) for p in partners), return_exceptions=True)
    return [
        r if isinstance(r, dict) else {"partner": p, "error": f"{type(r).__name__}: {r}"}
        for p, r in zip(partners, results, strict=True)
    ]
