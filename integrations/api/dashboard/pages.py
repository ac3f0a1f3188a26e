"""Dashboard pages: stuck resolutions, a case, partner scorecards, the live feed of reopens."""

from __future__ import annotations

import functools
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from domain.errors import DomainError
from integrations.api.auth import authenticate_request, lookup
from integrations.api.dashboard import charts
from integrations.api.dashboard.sessions import close_session, open_session
from integrations.api.routes.cases import case_document
from integrations.api.routes.ops import parse_duration
from integrations.db import queries
from integrations.services.cases import read_case

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)
static = StaticFiles(directory=HERE / "static")
SORTS = {"due": "due_at", "partner": "partner", "kind": "kind", "reason": "reason"}
KINDS = ["parcel.reroute", "parcel.deliver", "refund.issue", "item.replace", "callback"]
REASONS = ["deadline_missed", "wrong_location", "wrong_recipient", "parcel_failed", "refund_failed",
           "amount_short", "partner_failed"]


class NotOps(Exception):
    def __init__(self, logged_in: bool) -> None:
        self.logged_in = logged_in


def require_ops(request: Request):
    key = authenticate_request(request)
    if key is None or key.role != "ops":
        raise NotOps(logged_in=key is not None)
    return key


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"active": name.split(".")[0], **context}, status_code=status)


def guarded(handler):
    """Send the not-logged-in to /login and the not-ops to a 403 page."""
    @functools.wraps(handler)
    async def wrapper(request: Request, *args, **kwargs):
        try:
            require_ops(request)
        except NotOps as refusal:
            if refusal.logged_in:
                return page(request, "forbidden.html", {}, status=403)
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return await handler(request, *args, **kwargs)

    return wrapper


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return page(request, "login.html", {"next": next if next.startswith("/") else "/", "error": None})


@router.post("/login")
async def login(request: Request, token: str = Form(...), next: str = Form("/")) -> Response:
    key = await run_in_threadpool(lookup, request, token.strip())
    if key is None or key.role != "ops":
        return page(request, "login.html", {"next": next, "error": "This is not an ops token."}, status=401)
    response = RedirectResponse(next if next.startswith("/") and not next.startswith("//") else "/", status_code=303)
    open_session(response, token.strip(), secure=request.url.scheme == "https")
    return response


@router.post("/logout")
async def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    close_session(response)
    return response


@router.get("/", response_class=HTMLResponse)
@guarded
async def stuck(request: Request) -> Response:
    """Broken or overdue promises not yet addressed: filter, sort, open the case."""
    q = request.query_params
    filters = {"partner": q.get("partner") or None, "kind": q.get("kind") or None, "reason": q.get("reason") or None}
    sort = q.get("sort") if q.get("sort") in SORTS else "due"
    try:
        overdue = parse_duration(q.get("age") or None)
    except DomainError:
        overdue = None
    state = request.app.state

    def load():
        with state.engine.connect() as conn:
            return queries.stuck_promises(conn, state.clock(), overdue_for=overdue, limit=200, **filters)

    items = await run_in_threadpool(load)
    key = SORTS[sort]
    items.sort(key=lambda item: (item.get(key) or "", item["due_at"]))
    for item in items:
        item["age"] = humanize(item["overdue_seconds"])
    context = {"items": items, "filters": filters, "age": q.get("age") or "", "sort": sort, "kinds": KINDS,
               "reasons": REASONS}
    if request.headers.get("HX-Request"):
        return page(request, "_stuck_rows.html", context)
    return page(request, "stuck.html", context)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
@guarded
async def case_page(request: Request, case_id: str) -> Response:
    try:
        view = await run_in_threadpool(read_case, request.app.state.uow_factory, case_id)
    except DomainError:
        return page(request, "not_found.html", {"case_id": case_id}, status=404)
    return page(request, "case.html", {"case": case_document(view)})


@router.get("/scorecards", response_class=HTMLResponse)
@guarded
async def scorecards_page(request: Request) -> Response:
    state = request.app.state
    weeks = int(request.query_params.get("weeks", "12") or 12)
    # Whole days, so that the 30 s aggregate cache is shared by everyone looking at the same period.
    today = state.clock().replace(hour=0, minute=0, second=0, microsecond=0)
    since = today - timedelta(weeks=max(1, min(weeks, 104)))

    def load():
        with state.engine.connect() as conn:
            return queries.scorecards(conn, since), queries.weekly_kept_rate(conn, since)

    cards, trend = await run_in_threadpool(state.aggregates.get_or_compute, ("scorecards-page", since), load)
    cards = [dict(card) for card in cards]
    for card in cards:
        card["median"] = humanize(card["median_seconds_to_keep"]) if card["median_seconds_to_keep"] else "—"
    return page(request, "scorecards.html", {"cards": cards, "chart": charts.kept_rate_chart(trend), "weeks": weeks})


@router.get("/feed", response_class=HTMLResponse)
@guarded
async def feed(request: Request) -> Response:
    engine = request.app.state.engine

    def load():
        with engine.connect() as conn:
            return queries.recent_reopens(conn)

    context = {"reopens": await run_in_threadpool(load)}
    if request.headers.get("HX-Request"):
        return page(request, "_feed_rows.html", context)
    return page(request, "feed.html", context)


def humanize(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"
