"""Logging, configured once per process: one JSON object per line (or a readable console line),
each carrying the request and the case it belongs to.

`TERRAIN_LOG_FORMAT=json|console` (default: JSON when standard error is not a terminal),
`TERRAIN_LOG_LEVEL` (default INFO). The context — request id, case id, promise id, partner, flow
run id — lives in a context variable: `bind(case_id=...)` adds to it for the rest of the request
(or flow run), and every line logged meanwhile, by Terrain, uvicorn or a library, carries it.

Secrets never reach a line: the formatters pass every line through `integrations.redaction.redact`
(credentials in URLs, bearer tokens, Stripe keys, `whsec_`/`sk_` values, `secret=`/`token=`/
`password=` values), whatever logged them.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Iterator

import orjson

from integrations.redaction import redact

CONTEXT_KEYS = ("request_id", "case_id", "promise_id", "partner", "flow_run_id")
_context: ContextVar[dict[str, Any] | None] = ContextVar("terrain_log_context", default=None)

_configured = False


def current() -> dict[str, Any]:
    """The context of the request or flow run in progress (empty outside one)."""
    return _context.get() or {}


def bind(**values: Any) -> None:
    """Add to the current context. Inside a request the context is one dict shared by the
    request's coroutines and threads, so what a route or a dependency binds also shows on the
    request's access line."""
    values = {k: v for k, v in values.items() if v is not None}
    context = _context.get()
    if context is None:
        _context.set(values)
    else:
        context.update(values)


@contextmanager
def bound(**values: Any) -> Iterator[dict[str, Any]]:
    """A fresh context (inheriting the current one) for the duration of the block."""
    context = {**current(), **{k: v for k, v in values.items() if v is not None}}
    token = _context.set(context)
    try:
        yield context
    finally:
        _context.reset(token)


_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    fields = record.__dict__
    # A set difference (in C) finds the few extras among a record's two dozen attributes.
    return {k: fields[k] for k in fields.keys() - _RESERVED if not k.startswith("_")}


_second: tuple[int, str] = (-1, "")  # the last second formatted, shared by every thread


def _timestamp(created: float) -> str:
    """`created` as RFC 3339 in UTC to the millisecond; the date and time of a second is
    formatted once (a busy server logs hundreds of lines a second)."""
    global _second
    second = int(created)
    micro = round((created - second) * 1_000_000)  # as datetime.fromtimestamp rounds it
    if micro >= 1_000_000:
        second, micro = second + 1, micro - 1_000_000
    cached = _second
    if cached[0] != second:
        cached = _second = (second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    return f"{cached[1]}.{micro // 1000:03d}+00:00"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": _timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        line.update(current())
        line.update(_extras(record))
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return redact(orjson.dumps(line, default=str).decode())


class ConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = {**current(), **_extras(record)}
        tail = " ".join(f"{k}={v}" for k, v in fields.items())
        text = (
            f"{time.strftime('%H:%M:%S', time.localtime(record.created))} {record.levelname:<7} "
            f"{record.name}: {record.getMessage()}" + (f"  {tail}" if tail else "")
        )
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return redact(text)


def log_format(environ: dict[str, str] | None = None, stream: Any = None) -> str:
    value = (environ if environ is not None else os.environ).get("TERRAIN_LOG_FORMAT", "").strip().lower()
    if value in ("json", "console"):
        return value
    stream = stream or sys.stderr
    return "console" if getattr(stream, "isatty", lambda: False)() else "json"


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a line is logged (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


class _QuietMigrationContext(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(("Context impl", "Will assume"))


def configure(*, fmt: str | None = None, level: str | None = None, stream: Any = None, force: bool = False) -> None:
    """Install Terrain's handler on the root logger, once per process (again with `force`:
    after prefect is imported, which installs its own). uvicorn's loggers go through it too;
    its own access log stays off (ours has the route and the request id)."""
    global _configured
    if _configured and not force:
        return
    handler: logging.StreamHandler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.setFormatter(JsonFormatter() if (fmt or log_format(stream=stream)) == "json" else ConsoleFormatter())
    handler.set_name("terrain")
    root = logging.getLogger()
    # Ours from before, and Prefect's console handler (importing prefect replaces the root's
    # handlers with it): one line per record, ours. Other handlers (a test runner's) stay.
    for old in [h for h in root.handlers if h.get_name() == "terrain" or type(h).__name__ == "PrefectConsoleHandler"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel((level or os.environ.get("TERRAIN_LOG_LEVEL", "INFO")).upper())
    # What our lines never show, not collected per record (the logging docs' "Optimization"):
    # the caller's file and line (a stack walk), thread, process and task names.
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging.logAsyncioTasks = False  # type: ignore[attr-defined]
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    # Alembic says these each time a migration context is made: by every /readyz probe and
    # read-only command that checks the schema. Its "Running upgrade" lines stay.
    migration_log = logging.getLogger("alembic.runtime.migration")
    if not any(isinstance(f, _QuietMigrationContext) for f in migration_log.filters):
        migration_log.addFilter(_QuietMigrationContext())
    for noisy in ("httpx", "httpcore"):  # one line per request at INFO, with URLs: ours say more
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _configured = True
