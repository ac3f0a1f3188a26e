"""Wires the carrier poll for this process: the SQL store, the shared HTTP client, the carrier
registry, the rate limits from settings and the metrics. The CLI, the flows and the benchmark
all poll through `poller()`: one per process and database, so that the token buckets and the
OAuth tokens are shared by every pass the process runs."""

from __future__ import annotations

import threading

from sqlalchemy import Engine

from integrations import metrics
from integrations.carriers.http import HttpxGateway
from integrations.carriers.registry import get_adapter
from integrations.db.carrier_polls import SqlCarrierPollStore
from integrations.db.unit_of_work import uow_factory
from integrations.services.carrier_poll import CarrierPoller, PollReport
from integrations.settings import Settings

_pollers: dict[str, CarrierPoller] = {}
_lock = threading.Lock()


def _count_error(carrier: str, kind: str) -> None:
    metrics.CARRIER_POLL_ERRORS.labels(carrier, kind).inc()


def build_poller(engine: Engine, settings: Settings, **overrides) -> CarrierPoller:
    def rate_for(carrier: str) -> float:
        return float(settings.carrier_rates.get(carrier, settings.carrier_default_rate))

    options = {
        "workers": settings.carrier_poll_workers,
        "chunk": settings.carrier_poll_chunk,
        "max_per_pass": settings.carrier_poll_max_per_pass,
    } | overrides
    return CarrierPoller(
        store=SqlCarrierPollStore(engine),
        gateway=HttpxGateway(timeout=settings.carrier_timeout_seconds),
        uow_factory=uow_factory(engine),
        adapters=get_adapter,
        rate_for=rate_for,
        on_error=_count_error,
        **options,
    )


def poller(engine: Engine, settings: Settings) -> CarrierPoller:
    """The process's poller for that database (and those settings)."""
    key = f"{engine.url}|{settings.model_dump_json()}"
    with _lock:
        if key not in _pollers:
            _pollers[key] = build_poller(engine, settings)
        return _pollers[key]


def count(report: PollReport) -> None:
    """The updates a pass read and stored, in /metrics."""
    for result, n in (("mapped", report.mapped), ("stored", report.stored), ("duplicate", report.duplicates)):
        if n:
            metrics.CARRIER_POLL_UPDATES.labels(report.carrier, result).inc(n)
