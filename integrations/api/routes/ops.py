"""Ops: stuck resolutions and partner scorecards."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from domain import values
from domain.errors import InvalidInput
from integrations.api.auth import require_roles
from integrations.api.routes.replies import playbooks_of
from integrations.api.schemas import Kind, OpsItemsOut, ReasonName, ScorecardsOut
from integrations.db import queries

router = APIRouter(tags=["ops"])
Ops = Annotated[Any, Depends(require_roles("ops"))]
_DURATION = re.compile(r"^(\d+)([smhdw]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_DURATION = timedelta(days=36_525)  # a century: anything longer reaches before 1970


def parse_duration(text: str | None) -> timedelta | None:
    """`overdue_for` as seconds ("7200") or with a unit: "90m", "2h", "3d", "1w"; at most a century."""
    if not text:
        return None
    match = _DURATION.match(text.strip())
    if not match:
        raise InvalidInput("overdue_for must be seconds or a number with s/m/h/d/w, e.g. 2h", {"overdue_for": text})
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds > MAX_DURATION.total_seconds():
        raise InvalidInput("overdue_for is longer than a century", {"overdue_for": text})
    return timedelta(seconds=seconds)


@router.get("/v1/ops/stuck", response_model=OpsItemsOut)
def get_stuck(
    _key: Ops,
    request: Request,
    partner: str | None = Query(None, max_length=200),
    kind: Kind | None = Query(None),
    reason: ReasonName | None = Query(None),
    overdue_for: str | None = Query(None, max_length=20, examples=["2h"]),
    owner: str | None = Query(None, max_length=200, description='one person\'s cases (a name, or "me")'),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> dict:
    """Broken or overdue promises not yet addressed and not snoozed: unowned cases first, oldest
    due first; each with its case title, the customer's words, expected vs observed, stuck
    since, owner and the playbook's next step."""
    state = request.app.state
    delta = parse_duration(overdue_for)
    if owner is not None and owner.strip().lower() == "me":
        owner = _key.name or f"{_key.role}:{_key.key_id}"  # a nameless key owns nothing
    with state.engine.connect() as conn:
        items = queries.stuck_promises(
            conn,
            state.clock(),
            partner=partner,
            kind=kind,
            reason=reason,
            overdue_for=delta,
            limit=limit,
            offset=offset,
            owner=owner,
        )
        return {"items": for_people(request, conn, items)}


def for_people(request: Request, conn, items: list[dict]) -> list[dict]:
    return queries.for_people(conn, items, playbooks_of(request).values(), request.app.state.settings.language)


@router.get("/v1/ops/at-risk", response_model=OpsItemsOut)
def get_at_risk(
    _key: Ops,
    request: Request,
    partner: str | None = Query(None, max_length=200),
    kind: Kind | None = Query(None),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> dict:
    """Pending promises at risk before their deadline (a worrying carrier status, or no news past
    half the promised delay), soonest due first."""
    state = request.app.state
    with state.engine.connect() as conn:
        items = queries.at_risk_promises(conn, state.clock(), partner=partner, kind=kind, limit=limit, offset=offset)
        return {"items": for_people(request, conn, items)}


@router.get("/v1/ops/to-check", response_model=OpsItemsOut)
def get_to_check(
    _key: Ops,
    request: Request,
    partner: str | None = Query(None, max_length=200),
    kind: Kind | None = Query(None),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> dict:
    """Promises kept by an update that could not confirm the place or the recipient."""
    with request.app.state.engine.connect() as conn:
        items = queries.to_check_promises(conn, partner=partner, kind=kind, limit=limit, offset=offset)
        return {"items": for_people(request, conn, items)}


@router.get("/v1/ops/scorecards", response_model=ScorecardsOut)
async def get_scorecards(
    _key: Ops, request: Request, since: Annotated[Any, Query(description="RFC 3339 with offset")] = None
) -> dict:
    """Per partner: promises, kept, broken, kept_rate, median time from promise to keep
    (recomputed at most every 30 s)."""
    from pydantic import AwareDatetime, TypeAdapter, ValidationError

    when = None
    if since:
        try:
            when = TypeAdapter(AwareDatetime).validate_python(since)
        except ValidationError as exc:
            raise InvalidInput("since must be an RFC 3339 timestamp with an offset", {"since": since}) from exc
        when = values.aware(when, "since")  # between 1970 and 9998, like every timestamp
    engine = request.app.state.engine

    def load():
        with engine.connect() as conn:
            return queries.scorecards(conn, when)

    cards = await run_in_threadpool(request.app.state.aggregates.get_or_compute, ("scorecards", when), load)
    return {"partners": cards}
