"""The FastAPI application: agents, partners, ops, webhooks, dashboard, health and metrics."""

from __future__ import annotations

from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI
from sqlalchemy import Engine

from integrations import logging_setup, tracing
from integrations.api import dashboard, errors
from integrations.api.auth import KeyCache
from integrations.api.batcher import UpdateBatcher
from integrations.api.dashboard.security import SecurityHeaders
from integrations.api.hot_path import PATH as HOT_PATH
from integrations.api.hot_path import UpdatesFastPath
from integrations.api.ingesting import ingest
from integrations.api.limits import BodySizeLimit
from integrations.api.observability import RequestContext, RequestTiming
from integrations.api.read_cache import TtlCache
from integrations.api.routes import actions, cases, health, ops, partners, replies, updates, webhooks
from integrations.api.schemas import ERROR_RESPONSES
from integrations.db.engine import engine_for
from integrations.db.unit_of_work import uow_factory
from integrations.services.clock import Clock, utc_now
from integrations.settings import Settings, get_settings

DESCRIPTION = """Terrain checks on the ground what customer service promised online.

Authenticate with `Authorization: Bearer <token>` (`terrain keys create`). Errors are
`{"error": {"code", "message", "details"}}`. Timestamps are RFC 3339 with an offset."""


class TerrainAPI(FastAPI):
    """FastAPI, with partner updates answered in front of the middleware stack when tracing is
    off (integrations/api/hot_path.py: the stack's work for them is done there). With tracing
    on, the hot path stays inside the stack, under the server span."""

    edge: UpdatesFastPath | None = None

    async def __call__(self, scope, receive, send) -> None:
        if self.edge is not None and scope["type"] == "http" and scope["path"] == HOT_PATH and scope["method"] == "POST":
            await self.edge(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    async def whole_stack(self, scope, receive, send) -> None:
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None, *, engine: Engine | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = engine or engine_for(settings.sqlalchemy_url, pre_ping=False)
    clock = clock or utc_now
    factory = uow_factory(engine)
    batcher = UpdateBatcher(
        partial(ingest, factory, clock=clock),
        concurrent_flushes=settings.ingest_concurrent_commits,
        linger_seconds=settings.ingest_linger_ms / 1000,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        await batcher.start()
        try:
            yield
        finally:
            await batcher.stop()

    # /docs is the dashboard's own page (Swagger UI served from here, no CDN); no ReDoc (CDN only).
    app = TerrainAPI(title="Terrain", version="1.0", description=DESCRIPTION, lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings, app.state.engine, app.state.clock = settings, engine, clock
    app.state.uow_factory, app.state.batcher, app.state.key_cache = factory, batcher, KeyCache()
    app.state.aggregates = TtlCache(ttl=30.0)
    errors.install(app)
    for module in (cases, actions, updates, webhooks, partners, ops, replies):
        app.include_router(module.router, responses=ERROR_RESPONSES)
    app.include_router(health.router)
    app.include_router(dashboard.router)
    app.include_router(dashboard.docs_router)
    app.mount("/static", dashboard.static, name="static")

    app.add_middleware(UpdatesFastPath)  # innermost: the limit and timing apply to it too
    app.add_middleware(RequestTiming)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(SecurityHeaders)  # every answer carries them, refusals included
    app.add_middleware(RequestContext, access_log=settings.access_log)  # the request id is on every line and every answer
    tracing.wrap_batcher(batcher)  # both no-ops unless tracing.setup() ran
    tracing.instrument_app(app)  # outermost when on: the server span covers everything
    if not tracing.active():  # in front of the stack, doing its work for the requests it answers
        app.edge = UpdatesFastPath(app.whole_stack, edge=True, state=app.state, access_log=settings.access_log)
    return app


def app_from_env() -> FastAPI:
    """Factory for uvicorn (`--factory`): settings from the environment, logs configured."""
    logging_setup.configure()
    tracing.setup()
    return create_app()
