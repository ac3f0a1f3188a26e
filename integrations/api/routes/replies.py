"""Agents' words → promises: extraction, replies, playbooks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.extraction import extract_promises
from integrations.api.auth import require_roles
from integrations.playbooks.loader import load_playbooks
from integrations.services.replies import record_reply

router = APIRouter(tags=["agents"])
Agent = Annotated[Any, Depends(require_roles("agent"))]


class ExtractRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "text": "Pas de souci, vous pouvez demander à rapatrier votre colis au bureau de votre choix dans les 24h.",
        "said_at": "2026-03-02T09:00:00+01:00", "lang": "fr"}]})

    text: str = Field(min_length=1, max_length=10_000)
    said_at: AwareDatetime
    lang: str | None = Field(default=None, pattern="^(fr|en)$")


class ExtractedPromiseOut(BaseModel):
    kind: str
    due_at: datetime
    expect: dict[str, str]
    evidence: str


class ExtractResponse(BaseModel):
    promises: list[ExtractedPromiseOut]


class ReplyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "text": "We're sorry! UPS will re-attempt delivery tomorrow to 12 rue Nationale.",
        "said_at": "2026-03-02T09:00:00Z", "partner": "ups", "reference": "1Z999AA10123456784"}]})

    text: str = Field(min_length=1, max_length=10_000)
    said_at: AwareDatetime
    partner: str | None = Field(default=None, min_length=1, max_length=200)
    reference: str | None = Field(default=None, min_length=1, max_length=200)
    lang: str | None = Field(default=None, pattern="^(fr|en)$")


class RecordedPromiseOut(BaseModel):
    promise_id: str
    kind: str
    partner: str
    reference: str
    due_at: datetime
    expect: dict[str, str]
    verdict: str
    said: str | None


class ReplyResponse(BaseModel):
    promises: list[RecordedPromiseOut]
    incomplete: list[dict[str, Any]] = Field(
        default_factory=list, description="promises the reply makes that lack what is needed to track them")


@router.post("/v1/promises/extract", response_model=ExtractResponse)
def extract(body: ExtractRequest, _key: Agent) -> ExtractResponse:
    """The promises a community manager's reply makes, with deadlines resolved against said_at."""
    found = extract_promises(body.text, body.said_at, body.lang)
    return ExtractResponse(promises=[ExtractedPromiseOut(kind=p.kind, due_at=p.due_at, expect=dict(p.expect),
                                                         evidence=p.evidence) for p in found])


@router.post("/v1/cases/{case_id}/replies", response_model=ReplyResponse, status_code=201)
def reply(case_id: str, body: ReplyRequest, key: Agent, request: Request) -> ReplyResponse:
    """Record the reply on the case timeline, and the promises extracted from it."""
    state = request.app.state
    result = record_reply(state.uow_factory, case_id, body.text, body.said_at, key.actor,
                          partner=body.partner, reference=body.reference, lang=body.lang, clock=state.clock)
    return ReplyResponse(
        promises=[RecordedPromiseOut(
            promise_id=r.promise_id, kind=r.promise.kind.value, partner=r.promise.partner,
            reference=r.promise.reference, due_at=r.promise.due_at, expect=r.promise.expect,
            verdict=r.verdict.value, said=r.promise.said) for r in result.recorded],
        incomplete=result.incomplete)


def playbooks_of(request: Request) -> dict:
    """Loaded once per app, from TERRAIN_PLAYBOOKS_FILE or the packaged file."""
    state = request.app.state
    if getattr(state, "playbooks", None) is None:
        state.playbooks = load_playbooks(state.settings.playbooks_file)
    return state.playbooks


@router.get("/v1/playbooks")
def get_playbooks(_key: Agent, request: Request) -> dict:
    """Typical problems with their standard promises and default deadlines."""
    return {"playbooks": [p.describe() for p in playbooks_of(request).values()]}
