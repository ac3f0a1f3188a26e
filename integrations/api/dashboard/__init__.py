"""The ops dashboard: server-rendered pages (Jinja2), a little htmx, charts as inline SVG."""

from integrations.api.dashboard.docs import router as docs_router
from integrations.api.dashboard.pages import router, static

__all__ = ["docs_router", "router", "static"]
