"""Dashboard pages: stuck resolutions, a case, partner scorecards, the live feed of reopens."""

from __future__ import annotations

import functools
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from domain.errors import Conflict, DomainError, InvalidInput, NotFound
from domain.ops import case_title, expected_view, next_step, observed_view
from integrations.api.auth import bearer_token, lookup
from integrations.api.dashboard import charts
from integrations.api.dashboard.sessions import (
    LOGIN_COOKIE,
    Session,
    client_address,
    close_session,
    is_https,
    limiter_of,
    login_form_token,
    open_session,
    read_session,
    remember_login_form_token,
    same_origin,
    tokens_match,
)
from integrations.api.routes.actions import owner_name
from integrations.api.routes.cases import case_document
from integrations.api.routes.ops import parse_duration
from integrations.api.routes.replies import playbooks_of
from integrations.db import queries
from integrations.db.credentials import ApiKey
from integrations.localtime import local
from integrations.services.cases import close_case, read_case
from integrations.services.ops_actions import (
    acknowledge_promise,
    add_note,
    assign_case,
    record_next_step,
    resend_request,
    unsnooze_promise,
)
from integrations.services.suggestions import Correction, confirm_suggestion, dismiss_suggestion

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)
static = StaticFiles(directory=HERE / "static")
SORTS = {"due": "due_at", "partner": "partner", "kind": "kind", "reason": "reason"}
PAGE_SIZE = 100
KINDS = ["parcel.reroute", "parcel.deliver", "refund.issue", "item.replace", "callback"]
REASONS = [
    "deadline_missed",
    "wrong_location",
    "wrong_recipient",
    "parcel_failed",
    "refund_failed",
    "amount_short",
    "partner_failed",
]


SNOOZES = [("2h", "2 hours"), ("24h", "24 hours"), ("3d", "3 days"), ("7d", "a week")]
DASHBOARD_ROLES = ("agent", "ops")
LOGIN_REFUSED = "This token does not open the dashboard."  # neutral: never which role, nor whether it exists
HOP_COOKIE = "terrain_hop"


async def visitor(request: Request) -> tuple[ApiKey | None, Session | None]:
    """Who is asking: a Bearer token (API clients, no CSRF exposure) or the session cookie.
    A thread, not the event loop: both read the database (a token only on a cache miss)."""
    token = bearer_token(request)
    if token:
        return await run_in_threadpool(lookup, request, token), None
    session = await run_in_threadpool(read_session, request)
    return (session.key if session else None), session


def safe_next(target: str | None) -> str:
    """Only a path on this site: never `//host`, `/\\host` or a scheme (open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or any(ch in target for ch in "\r\n\\"):
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
        return local(value, DISPLAY["timezone"])
    return str(value) if not isinstance(value, (int, float)) else json.dumps(value)


DISPLAY = {"timezone": "Europe/Paris"}  # TERRAIN_TIMEZONE, set by page() from the app's settings
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)$")
HIDDEN_DETAIL = {"event_id", "external_id", "partner", "reference", "key", "targets", "title", "attempt"}


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
        elif key == "attempts" and isinstance(value, list):  # one alert, its tries: "3 (failed, failed, sent)"
            value = f"{len(value)} ({', '.join(str(a.get('outcome')) for a in value)})"
        elif key == "error" and (detail or {}).get("attempts"):
            continue  # each try's error is on the alert's attempts
        out.append((key.replace("_", " "), show(value)))
    return out


templates.env.filters["show"] = show
templates.env.filters["details"] = details


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """A template with what every page shows: who is logged in, and the form token of the session."""
    state = request.state
    tz = request.app.state.settings.timezone
    DISPLAY["timezone"] = tz
    common = {
        "active": name.split(".")[0],
        "user": getattr(state, "user", None),
        "csrf": getattr(state, "csrf", ""),
        "when": lambda moment: local(moment, tz),
        "zone": tz,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    return templates.TemplateResponse(request, name, {**common, **context}, status_code=status)


def guarded(*roles: str):
    """Dashboard pages: the not-logged-in go to /login, other roles get a 403 page, and a POST
    with the session cookie must carry the session's form token and come from this site."""
    roles = roles or DASHBOARD_ROLES

    def decorate(handler):
        @functools.wraps(handler)
        async def wrapper(request: Request, *args, **kwargs):
            key, session = await visitor(request)
            if key is None:
                if from_another_site(request):
                    return refresh_from_here(request)
                return to_login(request)
            request.state.user = key if key.role in DASHBOARD_ROLES else None
            request.state.csrf = session.csrf if session else ""
            if key.role not in roles:
                return page(request, "forbidden.html", {"roles": roles}, status=403)
            if request.method == "POST" and session is not None and not await genuine_post(request, session):
                return page(request, "forbidden.html", {"forged": True}, status=403)
            response = await handler(request, *args, **kwargs)
            if HOP_COOKIE in request.cookies:  # the reload worked: the next link from elsewhere may hop again
                response.delete_cookie(HOP_COOKIE, httponly=True, samesite="lax", secure=is_https(request), path="/")
            return response

        return wrapper

    return decorate


def to_login(request: Request) -> Response:
    """To the login page, then back here. An htmx request (the live feed polling after a logout)
    sends the whole page there rather than swapping the login form into a fragment."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.headers.get("HX-Request"):
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        if current.path and current.netloc == request.headers.get("host", ""):
            here = current.path + (f"?{current.query}" if current.query else "")
        return Response(status_code=204, headers={"HX-Redirect": f"/login?next={quote(safe_next(here), safe='/')}"})
    return RedirectResponse(f"/login?next={quote(here, safe='/')}", status_code=303)


async def genuine_post(request: Request, session: Session) -> bool:
    """A dashboard form posted from this site: its Origin/Referer (when sent) and its token."""
    if not same_origin(request):
        return False
    form = await request.form()  # Starlette keeps the parsed form: the handler reads it again for free
    return tokens_match(form.get("csrf"), session.csrf)


def from_another_site(request: Request) -> bool:
    """A page opened from a link elsewhere (a mail, a chat): the Strict cookie was not sent."""
    return (
        request.method == "GET"
        and request.headers.get("sec-fetch-site") == "cross-site"
        and request.headers.get("sec-fetch-mode") == "navigate"
        and HOP_COOKIE not in request.cookies
    )


def refresh_from_here(request: Request) -> HTMLResponse:
    """Reload the same address from this site, so that the browser sends the session cookie.
    The short Lax marker cookie stops a second round if the browser still sends none."""
    response = page(request, "refresh.html", {}, status=200)
    response.set_cookie(HOP_COOKIE, "1", max_age=30, httponly=True, samesite="lax", secure=is_https(request), path="/")
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/favicon.ico")
async def favicon() -> Response:
    """Browsers ask for it at the root whatever the page says."""
    return FileResponse(
        HERE / "static" / "favicon.svg", media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
    )


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "/") -> Response:
    session = await run_in_threadpool(read_session, request)
    if session is not None and session.key.role in DASHBOARD_ROLES:
        return RedirectResponse(safe_next(next), status_code=303)
    return login_page(request, next, None)


def login_page(request: Request, next: str | None, error: str | None, status: int = 200) -> Response:
    token = login_form_token(request)
    response = page(request, "login.html", {"next": safe_next(next), "error": error, "login_csrf": token}, status=status)
    remember_login_form_token(request, response, token)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/login")
async def login(request: Request, token: str = Form(""), next: str = Form("/"), csrf: str = Form("")) -> Response:
    limiter, address = limiter_of(request), client_address(request)
    wait = limiter.blocked(address)
    if wait:
        response = login_page(request, next, "Too many failed attempts: try again in a minute.", status=429)
        response.headers["Retry-After"] = str(max(1, round(wait)))
        return response
    if not same_origin(request) or not tokens_match(csrf, request.cookies.get(LOGIN_COOKIE, "")):
        return login_page(request, next, "This form has expired: please log in again.", status=403)
    token = token.strip()
    key = await run_in_threadpool(lookup, request, token) if 0 < len(token) <= 200 else None
    if key is None or key.role not in DASHBOARD_ROLES:
        limiter.failed(address)
        return login_page(request, next, LOGIN_REFUSED, status=401)
    response = RedirectResponse(safe_next(next), status_code=303)
    await run_in_threadpool(open_session, request, response, key)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session server-side: its cookie, even copied elsewhere, opens nothing any more."""
    session = await run_in_threadpool(read_session, request)
    if session is not None and not await genuine_post(request, session):
        request.state.user, request.state.csrf = session.key, session.csrf
        return page(request, "forbidden.html", {"forged": True}, status=403)
    response = RedirectResponse("/login", status_code=303)
    await run_in_threadpool(close_session, request, response)
    return response


@router.get("/", response_class=HTMLResponse)
@router.get("/stuck", response_class=HTMLResponse)
@guarded()
async def stuck(request: Request) -> Response:
    """Broken or overdue promises not yet addressed: filter, sort, open the case."""
    q = request.query_params
    filters = {
        "partner": (q.get("partner") or "").strip()[:200] or None,
        "kind": q.get("kind") or None,
        "reason": q.get("reason") or None,
    }
    sort = q.get("sort") if q.get("sort") in SORTS else "due"
    age, error = (q.get("age") or "").strip(), None
    try:
        overdue = parse_duration(age or None)
    except DomainError:
        overdue, error = None, f"“{age}” is not a duration: write e.g. 90m, 2h or 3d."
    number = _page_number(q.get("page"))
    state = request.app.state
    books, language = playbooks_of(request).values(), state.settings.language
    mine = (q.get("owner") or "").strip()[:200] or None

    def load():
        with state.engine.connect() as conn:
            now = state.clock()
            items = queries.stuck_promises(
                conn,
                now,
                overdue_for=overdue,
                order=SORTS[sort],
                owner=mine,
                limit=PAGE_SIZE + 1,
                offset=(number - 1) * PAGE_SIZE,
                **filters,
            )
            snoozed = queries.snoozed_promises(conn, now, limit=PAGE_SIZE) if number == 1 else []
            return (
                queries.for_people(conn, items, books, language),
                queries.for_people(conn, snoozed, books, language),
                queries.people(conn),
                now,
            )

    items, snoozed, people, now = await run_in_threadpool(load)
    more, items = len(items) > PAGE_SIZE, items[:PAGE_SIZE]
    for item in items:
        item["age"] = humanize((now - datetime.fromisoformat(item["stuck_since"])).total_seconds())
    filters = {**filters, "owner": mine}
    params = {**{k: v for k, v in filters.items() if v}, **({"age": age} if age and not error else {})}

    def link(**change) -> str:
        merged = {**params, "sort": sort, "page": number, **change}
        merged = {k: v for k, v in merged.items() if v and not (k == "sort" and v == "due") and not (k == "page" and v == 1)}
        return "/" + (f"?{urlencode(merged)}" if merged else "")

    context = {
        "items": items,
        "filters": filters,
        "age": age,
        "error": error,
        "sort": sort,
        "kinds": KINDS,
        "reasons": REASONS,
        "page_number": number,
        "more": more,
        "link": link,
        "first_index": (number - 1) * PAGE_SIZE + 1,
        "snoozed": snoozed,
        "people": people,
        "snooze_choices": SNOOZES,
    }
    if request.headers.get("HX-Request"):
        return page(request, "_stuck_rows.html", context)
    return page(request, "stuck.html", context)


def _page_number(text: str | None) -> int:
    try:
        return max(1, min(int(text or 1), 1000))
    except ValueError:
        return 1


@router.get("/cases/{case_id}", response_class=HTMLResponse)
@guarded()
async def case_page(request: Request, case_id: str) -> Response:
    try:
        view = await run_in_threadpool(read_case, request.app.state.uow_factory, case_id)
    except DomainError:
        return page(request, "not_found.html", {"case_id": case_id}, status=404)
    return page(request, "case.html", await case_context(request, view))


async def case_context(request: Request, view, **extra) -> dict[str, Any]:
    """The case page: its title and owner, and for each promise what was expected next to what
    was observed, whether it is stuck (or snoozed) and the playbook's next step."""
    state = request.app.state
    now = state.clock()
    books, language = list(playbooks_of(request).values()), state.settings.language
    case = view.case
    first_ref = view.promises[0].reference if view.promises else None
    author = view.complaints[-1].author if view.complaints else None
    ops_view = {}
    for p in view.promises:
        verdict, reason = p.outcome.verdict.value, p.outcome.reason.value if p.outcome.reason else None
        stuck = (
            not p.addressed
            and case.status.value != "closed"
            and ((verdict == "broken" and p.outcome.fulfilled_at is None) or (verdict == "pending" and p.due_at < now))
        )
        step = next_step(p.kind.value, reason or "deadline_missed", books, language) if stuck else None
        evidence = p.outcome.evidence or (p.outcome.at_risk.evidence if p.outcome.at_risk else None)
        ops_view[p.promise_id] = {
            "stuck": stuck,
            "snoozed_until": p.snoozed_until if p.snoozed_until and p.snoozed_until > now else None,
            "expected": expected_view(p.kind.value, p.expect),
            "observed": observed_view(evidence.evidence() if evidence else None, None),
            "next_step": step.detail() if step else None,
        }

    def load_people():
        with state.engine.connect() as conn:
            return queries.people(conn)

    return {
        "case": case_document(view),
        "kinds": KINDS,
        "owner": case.owner,
        "ops": ops_view,
        "title": case_title(author, case.customer_ref, case.order_ref, first_ref),
        "people": await run_in_threadpool(load_people),
        "snooze_choices": SNOOZES,
        **extra,
    }


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
        raise InvalidInput('expect must be JSON, e.g. {"amount": "10.00", "currency": "USD"}', {"expect": expect}) from exc
    if parsed is not None and not (isinstance(parsed, dict) and all(isinstance(v, str) for v in parsed.values())):
        raise InvalidInput("expect must map names to text", {"expect": expect})
    if kind and kind not in KINDS:
        raise InvalidInput(f"unknown kind {kind!r}", {"kind": kind})
    return Correction(kind=kind or None, due_at=due, expect=parsed)


async def _settle(request: Request, case_id: str, act) -> Response:
    key = request.state.user  # set by guarded(): an agent or ops, CSRF already checked
    try:
        await run_in_threadpool(act, key.actor)
    except DomainError as refusal:
        try:
            view = await run_in_threadpool(read_case, request.app.state.uow_factory, case_id)
        except DomainError:
            return page(request, "not_found.html", {"case_id": case_id}, status=404)
        status = 404 if refusal.code.startswith("unknown") else 409 if "settled" in refusal.code else 422
        return page(request, "case.html", await case_context(request, view, error=refusal.message), status=status)
    return RedirectResponse(f"/cases/{quote(case_id, safe='')}", status_code=303)


@router.post("/cases/{case_id}/suggestions/{suggestion_id}/confirm")
@guarded()
async def confirm_page(
    request: Request, case_id: str, suggestion_id: str, kind: str = Form(""), due_at: str = Form(""), expect: str = Form("")
) -> Response:
    """Confirm a suggested promise from the case page, with what the form corrects."""
    state = request.app.state

    def act(actor: str) -> None:
        confirm_suggestion(state.uow_factory, case_id, suggestion_id, actor, _correction(kind, due_at, expect), state.clock)

    return await _settle(request, case_id, act)


@router.post("/cases/{case_id}/suggestions/{suggestion_id}/dismiss")
@guarded()
async def dismiss_page(request: Request, case_id: str, suggestion_id: str) -> Response:
    state = request.app.state
    return await _settle(
        request, case_id, lambda actor: dismiss_suggestion(state.uow_factory, case_id, suggestion_id, actor, state.clock)
    )


@router.get("/scorecards", response_class=HTMLResponse)
@guarded("ops")
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
    return page(request, "scorecards.html", {"cards": cards, "chart": charts.kept_rate_charts(trend), "weeks": weeks})


@router.get("/warnings", response_class=HTMLResponse)
@guarded()
async def warnings_page(request: Request) -> Response:
    """Early warnings (promises at risk before their deadline) and keeps that ops should verify."""
    state = request.app.state
    partner = (request.query_params.get("partner") or "").strip()[:200] or None

    books, language = playbooks_of(request).values(), state.settings.language

    def load():
        with state.engine.connect() as conn:
            return (
                queries.for_people(
                    conn, queries.at_risk_promises(conn, state.clock(), partner=partner, limit=PAGE_SIZE), books, language
                ),
                queries.for_people(conn, queries.to_check_promises(conn, partner=partner, limit=PAGE_SIZE)),
                queries.people(conn),
            )

    at_risk, to_check, people = await run_in_threadpool(load)
    for item in at_risk:
        item["due_in"] = f"in {humanize(item['due_in_seconds'])}" if item["due_in_seconds"] > 0 else "overdue"
    return page(
        request,
        "warnings.html",
        {"at_risk": at_risk, "to_check": to_check, "partner": partner, "people": people, "snooze_choices": SNOOZES},
    )


@router.get("/feed", response_class=HTMLResponse)
@guarded()
async def feed(request: Request) -> Response:
    engine = request.app.state.engine

    def load():
        with engine.connect() as conn:
            reopens = queries.recent_reopens(conn)
            facts = queries.case_facts(conn, {r["case_id"] for r in reopens})
        for r in reopens:  # who and which order, not an id of ours
            f = facts.get(r["case_id"], {})
            r["case_title"] = case_title(f.get("author"), f.get("customer_ref"), f.get("order_ref"), None)
        return reopens

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


# Actions from the stuck list and the case page: each redirects back to where it was made
# (`next`, a path on this site) or shows the case page with the refusal.


async def _act(request: Request, case_id: str, act, back: str) -> Response:
    key = request.state.user  # guarded(): an agent or ops, CSRF checked
    try:
        await run_in_threadpool(act, key)
    except DomainError as refusal:
        try:
            view = await run_in_threadpool(read_case, request.app.state.uow_factory, case_id)
        except DomainError:
            return page(request, "not_found.html", {"case_id": case_id}, status=404)
        status = 404 if isinstance(refusal, NotFound) else 409 if isinstance(refusal, Conflict) else 422
        return page(request, "case.html", await case_context(request, view, error=refusal.message), status=status)
    target = safe_next(back) if back else f"/cases/{quote(case_id, safe='')}"
    return RedirectResponse(target, status_code=303)


@router.post("/cases/{case_id}/assign")
@guarded()
async def assign_page(request: Request, case_id: str, owner: str = Form(""), next: str = Form("")) -> Response:
    """Take the case ("me"), give it to a person, or to nobody (empty)."""
    state = request.app.state
    return await _act(
        request,
        case_id,
        lambda key: assign_case(state.uow_factory, case_id, owner_name(key, owner.strip() or None), key.actor, state.clock),
        next,
    )


@router.post("/promises/{promise_id}/acknowledge")
@guarded()
async def acknowledge_page(
    request: Request, promise_id: str, case_id: str = Form(""), note: str = Form(""), snooze: str = Form(""), next: str = Form("")
) -> Response:
    state = request.app.state

    def act(key):
        delta = parse_duration(snooze.strip() or None)
        until = state.clock() + delta if delta else None
        acknowledge_promise(state.uow_factory, promise_id, note or None, until, key.actor, state.clock)

    return await _act(request, case_id, act, next)


@router.post("/promises/{promise_id}/unsnooze")
@guarded()
async def unsnooze_page(request: Request, promise_id: str, case_id: str = Form(""), next: str = Form("")) -> Response:
    state = request.app.state
    return await _act(request, case_id, lambda key: unsnooze_promise(state.uow_factory, promise_id, key.actor, state.clock), next)


@router.post("/promises/{promise_id}/next-step")
@guarded()
async def next_step_page(request: Request, promise_id: str, case_id: str = Form(""), next: str = Form("")) -> Response:
    """Record the new promise the playbook suggests, in one click."""
    state = request.app.state
    books = list(playbooks_of(request).values())
    return await _act(
        request, case_id, lambda key: record_next_step(state.uow_factory, promise_id, books, key.actor, state.clock), next
    )


@router.post("/promises/{promise_id}/resend")
@guarded()
async def resend_page(request: Request, promise_id: str, case_id: str = Form(""), next: str = Form("")) -> Response:
    state = request.app.state
    return await _act(request, case_id, lambda key: resend_request(state.uow_factory, promise_id, key.actor, state.clock), next)


@router.post("/cases/{case_id}/notes")
@guarded()
async def note_page(request: Request, case_id: str, text: str = Form(""), next: str = Form("")) -> Response:
    state = request.app.state
    return await _act(request, case_id, lambda key: add_note(state.uow_factory, case_id, text, key.actor, state.clock), next)


@router.post("/cases/{case_id}/close")
@guarded()
async def close_page(request: Request, case_id: str, next: str = Form("")) -> Response:
    state = request.app.state
    return await _act(request, case_id, lambda key: close_case(state.uow_factory, case_id, key.actor, state.clock), next)
