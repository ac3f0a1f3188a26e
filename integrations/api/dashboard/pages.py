"""Dashboard pages: stuck resolutions, a case, partner scorecards, the live feed of reopens."""

from __future__ import annotations

import functools
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from domain.errors import DomainError, InvalidInput
from integrations.api.auth import authenticate_request, lookup
from integrations.api.dashboard import charts
from integrations.api.dashboard.sessions import close_session, open_session
from integrations.api.routes.cases import case_document
from integrations.api.routes.ops import parse_duration
from integrations.db import queries
from integrations.services.cases import read_case
from integrations.services.suggestions import Correction, confirm_suggestion, dismiss_suggestion

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)
static = StaticFiles(directory=HERE / "static")
SORTS = {"due": "due_at", "partner": "partner", "kind": "kind", "reason": "reason"}
PAGE_SIZE = 100
KINDS = ["parcel.reroute", "parcel.deliver", "refund.issue", "item.replace", "callback"]
REASONS = ["deadline_missed", "wrong_location", "wrong_recipient", "parcel_failed", "refund_failed",
           "amount_short", "partner_failed"]


class NotOps(Exception):
    def __init__(self, logged_in: bool) -> None:
        self.logged_in = logged_in


async def require_ops(request: Request):
    # A thread, not the event loop: a cache miss reads the api_keys table.
    key = await run_in_threadpool(authenticate_request, request)
    if key is None or key.role != "ops":
        raise NotOps(logged_in=key is not None)
    return key


def safe_next(target: str | None) -> str:
    """Only a path on this site: never `//host`, `/\\host` or a scheme (open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or any(
            ch in target for ch in "\r\n\\"):
        return "/"
    return target


def show(value: Any) -> str:
    """A timeline detail value in words: nested evidence flattened, nothing empty, no Python repr."""
    if isinstance(value, dict):
        return ", ".join(f"{k}: {show(v)}" for k, v in value.items() if v not in (None, "", [], {}))
    if isinstance(value, list):
        return "; ".join(show(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and ISO_TIME.match(value):
        return value[:16].replace("T", " ") + (" UTC" if value.endswith(("+00:00", "Z")) else value[-6:])
    return str(value) if not isinstance(value, (int, float)) else json.dumps(value)


ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)$")
HIDDEN_DETAIL = {"event_id", "external_id", "partner", "reference"}


def details(detail: dict[str, Any]) -> list[tuple[str, str]]:
    """A timeline entry's detail as (label, text) pairs for people: ids shortened, nothing empty."""
    out = []
    for key, value in (detail or {}).items():
        if value in (None, "", [], {}) or key in HIDDEN_DETAIL:
            continue
        if key == "promise_id":
            value = str(value)[:8]
        elif key == "evidence" and isinstance(value, list):
            value = [{k: v for k, v in item.items() if k not in ("promise_id", "evidence")} for item in value]
        elif key == "evidence" and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k not in HIDDEN_DETAIL}
        out.append((key.replace("_", " "), show(value)))
    return out


templates.env.filters["show"] = show
templates.env.filters["details"] = details


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"active": name.split(".")[0], **context}, status_code=status)


def guarded(handler):
    """Send the not-logged-in to /login and the not-ops to a 403 page."""
    @functools.wraps(handler)
    async def wrapper(request: Request, *args, **kwargs):
        try:
            await require_ops(request)
        except NotOps as refusal:
            if refusal.logged_in:
                return page(request, "forbidden.html", {}, status=403)
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(here, safe='/')}", status_code=303)
        return await handler(request, *args, **kwargs)

    return wrapper


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return page(request, "login.html", {"next": safe_next(next), "error": None})


@router.post("/login")
async def login(request: Request, token: str = Form(...), next: str = Form("/")) -> Response:
    key = await run_in_threadpool(lookup, request, token.strip())
    if key is None or key.role != "ops":
        message = "This is not an ops token." if key is None else f"This is an {key.role} token, not an ops token."
        return page(request, "login.html", {"next": safe_next(next), "error": message}, status=401)
    response = RedirectResponse(safe_next(next), status_code=303)
    open_session(response, token.strip(), secure=request.url.scheme == "https")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    close_session(response, secure=request.url.scheme == "https")
    return response


@router.get("/", response_class=HTMLResponse)
@router.get("/stuck", response_class=HTMLResponse)
@guarded
async def stuck(request: Request) -> Response:
    """Broken or overdue promises not yet addressed: filter, sort, open the case."""
    q = request.query_params
    filters = {"partner": (q.get("partner") or "").strip()[:200] or None, "kind": q.get("kind") or None,
               "reason": q.get("reason") or None}
    sort = q.get("sort") if q.get("sort") in SORTS else "due"
    age, error = (q.get("age") or "").strip(), None
    try:
        overdue = parse_duration(age or None)
    except DomainError:
        overdue, error = None, f"“{age}” is not a duration: write e.g. 90m, 2h or 3d."
    number = _page_number(q.get("page"))
    state = request.app.state

    def load():
        with state.engine.connect() as conn:
            return queries.stuck_promises(conn, state.clock(), overdue_for=overdue, order=SORTS[sort],
                                          limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE, **filters)

    items = await run_in_threadpool(load)
    more, items = len(items) > PAGE_SIZE, items[:PAGE_SIZE]
    for item in items:
        item["age"] = humanize(item["overdue_seconds"]) if item["overdue_seconds"] else "not yet due"
    params = {**{k: v for k, v in filters.items() if v}, **({"age": age} if age and not error else {})}

    def link(**change) -> str:
        merged = {**params, "sort": sort, "page": number, **change}
        merged = {k: v for k, v in merged.items() if v and not (k == "sort" and v == "due") and
                  not (k == "page" and v == 1)}
        return "/" + (f"?{urlencode(merged)}" if merged else "")

    context = {"items": items, "filters": filters, "age": age, "error": error, "sort": sort, "kinds": KINDS,
               "reasons": REASONS, "page_number": number, "more": more, "link": link,
               "first_index": (number - 1) * PAGE_SIZE + 1}
    if request.headers.get("HX-Request"):
        return page(request, "_stuck_rows.html", context)
    return page(request, "stuck.html", context)


def _page_number(text: str | None) -> int:
    try:
        return max(1, min(int(text or 1), 1000))
    except ValueError:
        return 1


@router.get("/cases/{case_id}", response_class=HTMLResponse)
@guarded
async def case_page(request: Request, case_id: str) -> Response:
    try:
        view = await run_in_threadpool(read_case, request.app.state.uow_factory, case_id)
    except DomainError:
        return page(request, "not_found.html", {"case_id": case_id}, status=404)
    return page(request, "case.html", {"case": case_document(view), "kinds": KINDS})


def _correction(kind: str, due_at: str, expect: str) -> Correction:
    """The confirm form's fields: empty keeps the suggestion's value; bad text is a DomainError."""
    try:
        due = datetime.fromisoformat(due_at.strip()) if due_at.strip() else None
    except ValueError as exc:
        raise InvalidInput("due must be a date and time like 2026-03-03T18:00+01:00", {"due_at": due_at}) from exc
    if due is not None and due.tzinfo is None:
        raise InvalidInput("due must carry a UTC offset, e.g. +01:00", {"due_at": due_at})
    try:
        parsed = json.loads(expect) if expect.strip() else None
    except ValueError as exc:
        raise InvalidInput("expect must be JSON, e.g. {\"amount\": \"10.00\", \"currency\": \"USD\"}",
                           {"expect": expect}) from exc
    if parsed is not None and not (isinstance(parsed, dict) and all(isinstance(v, str) for v in parsed.values())):
        raise InvalidInput("expect must map names to text", {"expect": expect})
    if kind and kind not in KINDS:
        raise InvalidInput(f"unknown kind {kind!r}", {"kind": kind})
    return Correction(kind=kind or None, due_at=due, expect=parsed)


async def _settle(request: Request, case_id: str, act) -> Response:
    key = await require_ops(request)
    try:
        await run_in_threadpool(act, f"{key.role}:{key.key_id}")
    except DomainError as refusal:
        try:
            view = await run_in_threadpool(read_case, request.app.state.uow_factory, case_id)
        except DomainError:
            return page(request, "not_found.html", {"case_id": case_id}, status=404)
        status = 404 if refusal.code.startswith("unknown") else 409 if "settled" in refusal.code else 422
        return page(request, "case.html", {"case": case_document(view), "kinds": KINDS, "error": refusal.message},
                    status=status)
    return RedirectResponse(f"/cases/{quote(case_id, safe='')}", status_code=303)


@router.post("/cases/{case_id}/suggestions/{suggestion_id}/confirm")
@guarded
async def confirm_page(request: Request, case_id: str, suggestion_id: str, kind: str = Form(""),
                       due_at: str = Form(""), expect: str = Form("")) -> Response:
    """Confirm a suggested promise from the case page, with what the form corrects."""
    state = request.app.state

    def act(actor: str) -> None:
        confirm_suggestion(state.uow_factory, case_id, suggestion_id, actor, _correction(kind, due_at, expect),
                           state.clock)

    return await _settle(request, case_id, act)


@router.post("/cases/{case_id}/suggestions/{suggestion_id}/dismiss")
@guarded
async def dismiss_page(request: Request, case_id: str, suggestion_id: str) -> Response:
    state = request.app.state
    return await _settle(request, case_id,
                         lambda actor: dismiss_suggestion(state.uow_factory, case_id, suggestion_id, actor, state.clock))


@router.get("/scorecards", response_class=HTMLResponse)
@guarded
async def scorecards_page(request: Request) -> Response:
    state = request.app.state
    try:
        weeks = max(1, min(int(request.query_params.get("weeks") or 12), 104))
    except ValueError:
        weeks = 12
    # Whole days, so that the 30 s aggregate cache is shared by everyone looking at the same period.
    today = state.clock().replace(hour=0, minute=0, second=0, microsecond=0)
    since = today - timedelta(weeks=weeks)

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
