"""OpenTelemetry traces, only when asked for.

With OTEL_EXPORTER_OTLP_ENDPOINT set (the standard OTEL_* variables configure the exporter:
headers, protocol, service name), `setup()` installs a tracer provider exporting by OTLP/HTTP and
instruments FastAPI, SQLAlchemy (the engines integrations/db/engine.py makes) and httpx; the
flows add their own spans. Without it nothing is
imported or installed: every helper here is then a no-op that costs one boolean test.

One trace follows a partner update end to end: the request's server span; the group commit that
ingested it (a span whose parent is the first request of the group, linked to the others); the
outbox row the verdict queued, which carries the trace context (`payload["_trace"]`, W3C
traceparent); the alert delivery that a flow later runs for that row, continued from it.
"""

from __future__ import annotations

import os
from contextlib import contextmanager, nullcontext
from typing import Any, Iterator, Mapping

TRACE_KEY = "_trace"
_state: dict[str, Any] = {"active": False, "provider": None}


def active() -> bool:
    return _state["active"]


def setup(exporter: Any = None, *, environ: dict[str, str] | None = None) -> bool:
    """Install tracing once per process: with `exporter` (tests: an in-memory one, spans
    exported synchronously) or by OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set. Returns whether
    tracing is on."""
    if _state["active"]:
        return True
    env: Mapping[str, str] = os.environ if environ is None else environ
    if exporter is None and not env.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return False
    from opentelemetry import trace
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    resource = Resource.create({"service.name": env.get("OTEL_SERVICE_NAME", "terrain")})
    provider = TracerProvider(resource=resource)
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    HTTPXClientInstrumentor().instrument(tracer_provider=provider)  # clients made from now on
    _state.update(active=True, provider=provider)
    return True


def shutdown() -> None:
    """Flush and stop (tests; a process exiting flushes by itself)."""
    if not _state["active"]:
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor().uninstrument()
    _state["provider"].shutdown()
    _state.update(active=False, provider=None)


def _tracer():
    return _state["provider"].get_tracer("terrain")


def instrument_engine(engine: Any) -> Any:
    """Spans for the statements of an engine Terrain makes (integrations/db/engine.py)."""
    if not _state["active"]:
        return engine
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.metrics import get_meter

    usage = get_meter("terrain").create_up_down_counter("db.client.connections.usage", unit="connections")
    EngineTracer(_tracer(), engine, usage)
    return engine


def instrument_app(app: Any) -> None:
    """The FastAPI app's server spans (the hot path included: it is inside the app)."""
    if not _state["active"] or getattr(app.state, "traced", False):
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=_state["provider"], excluded_urls="livez,readyz,healthz,metrics", exclude_spans=["receive", "send"]
    )
    app.state.traced = True


def wrap_batcher(batcher: Any) -> None:
    """Carry each request's trace into the group commit that ingests its update (another task)."""
    if not _state["active"]:
        return
    from opentelemetry import context as otel_context

    origins: dict[int, Any] = {}
    submit, ingest = batcher.submit, batcher.ingest

    async def traced_submit(update):
        origins[id(update)] = otel_context.get_current()
        try:
            return await submit(update)
        finally:
            origins.pop(id(update), None)

    def traced_ingest(updates):
        from opentelemetry import trace

        contexts = [origins.get(id(u)) for u in updates]
        links = [trace.Link(trace.get_current_span(c).get_span_context()) for c in contexts[1:] if c is not None]
        with _tracer().start_as_current_span(
            "ingest.group", context=contexts[0], links=links, attributes={"terrain.updates": len(updates)}
        ):
            return ingest(updates)

    batcher.submit, batcher.ingest = traced_submit, traced_ingest


def span(name: str, **attributes: Any):
    """A span of ours (no-op when tracing is off)."""
    if not _state["active"]:
        return nullcontext()
    return _tracer().start_as_current_span(name, attributes={k: v for k, v in attributes.items() if v is not None})


def with_trace(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload of a queued row, with the current trace context when tracing is on."""
    if not _state["active"]:
        return payload
    from opentelemetry.propagate import inject

    carrier: dict[str, str] = {}
    inject(carrier)
    return {**payload, TRACE_KEY: carrier} if carrier else payload


@contextmanager
def continued(payload: dict[str, Any], name: str, **attributes: Any) -> Iterator[None]:
    """A span continuing the trace a queued row carries (a new trace when it carries none)."""
    if not _state["active"]:
        yield
        return
    from opentelemetry.propagate import extract

    parent = extract(payload.get(TRACE_KEY) or {})
    with _tracer().start_as_current_span(name, context=parent, attributes={k: v for k, v in attributes.items() if v is not None}):
        yield
