"""What the flows need, built from settings when a flow runs (never at import)."""

from __future__ import annotations

import threading

from sqlalchemy import Engine

from integrations.db.engine import engine_for
from integrations.db.unit_of_work import uow_factory as sql_uow_factory
from integrations.settings import Settings, get_settings


def settings() -> Settings:
    return get_settings()


def engine() -> Engine:
    return engine_for(settings().sqlalchemy_url)


def uow_factory():
    """Units of work on the configured database."""
    return sql_uow_factory(engine())


_STOP = threading.Event()


def stop_event() -> threading.Event:
    """Set when the process that runs the flows is stopping: long-running rounds end early."""
    return _STOP


def stopping() -> bool:
    return _STOP.is_set()


def bind_flow_run() -> None:
    """Put the current Prefect flow run's id in the log context (see integrations/logging_setup);
    in a process a Prefect worker started for the run, Terrain's logging is configured first."""
    from prefect.runtime import flow_run

    from integrations import logging_setup

    logging_setup.configure()
    logging_setup.bind(flow_run_id=flow_run.get_id())
