"""Agents' words → promises: extraction, replies, playbooks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.extraction import extract_promises
from integrations.api.auth import require_roles
from integrations.api.schemas import PlaybooksOut
from integrations.playbooks.loader import load_playbooks
from integrations.services.calendar import check_timezone, holiday_check
from integrations.services.replies import record_reply
from integrations.services.suggestions import Correction, confirm_suggestion, dismiss_suggestion

router = APIRouter(tags=["agents"])
Agent = Annotated[Any, Depends(require_roles("agent"))]


class ExtractRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": "Pas de souci, vous pouvez demander à rapatrier votre colis au bureau de votre choix dans les 24h.",
                    "said_at": "2026-03-02T09:00:00+01:00",
                    "lang": "fr",
                }
            ]
        },
    )

    text: str = Field(min_length=1, max_length=10_000)
    said_at: AwareDatetime
    lang: str | None = Field(default=None, pattern="^(fr|en)$")


class ExtractedPromiseOut(BaseModel):
    kind: str
    due_at: datetime
    expect: dict[str, str]
    evidence: str
    confidence: float = Field(description="0..1: how sure the wording makes a reader that this was promised")


class ExtractResponse(BaseModel):
    promises: list[ExtractedPromiseOut]


class ReplyRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": "We're sorry! UPS will re-attempt delivery tomorrow to 12 rue Nationale.",
                    "said_at": "2026-03-02T09:00:00Z",
                    "partner": "ups",
                    "reference": "1Z999AA10123456784",
                }
            ]
        },
    )

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


class SuggestionOut(BaseModel):
    suggestion_id: str
    kind: str
    due_at: datetime
    expect: dict[str, str]
    confidence: float
    evidence: str


class ReplyResponse(BaseModel):
    promises: list[RecordedPromiseOut]
    incomplete: list[dict[str, Any]] = Field(
        default_factory=list, description="promises the reply makes that lack what is needed to track them"
    )
    suggestions: list[SuggestionOut] = Field(
        default_factory=list,
        description="promises the reply may make, below TERRAIN_SUGGESTION_THRESHOLD: "
        "kept on the case until confirmed or dismissed",
    )


class ConfirmRequest(BaseModel):
    """Corrections to the suggested promise; what is left out keeps the suggestion's value."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kind": "refund.issue", "due_at": "2026-03-09T18:00:00+01:00", "expect": {"amount": "10.00", "currency": "USD"}}
            ]
        },
    )

    kind: str | None = Field(default=None, pattern="^(parcel\\.reroute|parcel\\.deliver|refund\\.issue|item\\.replace|callback)$")
    due_at: AwareDatetime | None = None
    expect: dict[str, str] | None = None
    partner: str | None = Field(default=None, min_length=1, max_length=200)
    reference: str | None = Field(default=None, min_length=1, max_length=200)


class DismissedOut(BaseModel):
    suggestion_id: str
    state: str


@router.post("/v1/promises/extract", response_model=ExtractResponse)
def extract(body: ExtractRequest, _key: Agent, request: Request) -> ExtractResponse:
    """The promises a community manager's reply makes, with deadlines resolved against said_at."""
    settings = request.app.state.settings
    found = extract_promises(
        body.text, body.said_at, body.lang, tz=check_timezone(settings.timezone), holiday=holiday_check(settings.country)
    )
    return ExtractResponse(
        promises=[
            ExtractedPromiseOut(kind=p.kind, due_at=p.due_at, expect=dict(p.expect), evidence=p.evidence, confidence=p.confidence)
            for p in found
        ]
    )


@router.post("/v1/cases/{case_id}/replies", response_model=ReplyResponse, status_code=201)
def reply(case_id: str, body: ReplyRequest, key: Agent, request: Request) -> ReplyResponse:
    """Record the reply on the case timeline and the promises surely extracted from it; return the
    unsure ones as suggestions, kept on the case for the community manager to confirm or dismiss."""
    state = request.app.state
    settings = state.settings
    result = record_reply(
        state.uow_factory,
        case_id,
        body.text,
        body.said_at,
        key.actor,
        partner=body.partner,
        reference=body.reference,
        lang=body.lang,
        clock=state.clock,
        threshold=settings.suggestion_threshold,
        tz=check_timezone(settings.timezone),
        holiday=holiday_check(settings.country),
    )
    return ReplyResponse(
        promises=[
            RecordedPromiseOut(
                promise_id=r.promise_id,
                kind=r.promise.kind.value,
                partner=r.promise.partner,
                reference=r.promise.reference,
                due_at=r.promise.due_at,
                expect=r.promise.expect,
                verdict=r.verdict.value,
                said=r.promise.said,
            )
            for r in result.recorded
        ],
        incomplete=result.incomplete,
        suggestions=[
            SuggestionOut(
                suggestion_id=x.suggestion_id,
                kind=x.kind,
                due_at=x.due_at,
                expect=dict(x.expect),
                confidence=x.confidence,
                evidence=x.evidence,
            )
            for x in result.suggestions
        ],
    )


@router.post("/v1/cases/{case_id}/suggestions/{suggestion_id}/confirm", response_model=RecordedPromiseOut, status_code=201)
def confirm(
    case_id: str, suggestion_id: str, key: Agent, request: Request, body: ConfirmRequest | None = None
) -> RecordedPromiseOut:
    """Record a suggested promise, with the fields corrected in the body; once only (else 409)."""
    state = request.app.state
    correction = Correction(**body.model_dump()) if body else None
    r = confirm_suggestion(state.uow_factory, case_id, suggestion_id, f"{key.role}:{key.key_id}", correction, state.clock)
    return RecordedPromiseOut(
        promise_id=r.promise_id,
        kind=r.promise.kind.value,
        partner=r.promise.partner,
        reference=r.promise.reference,
        due_at=r.promise.due_at,
        expect=r.promise.expect,
        verdict=r.verdict.value,
        said=r.promise.said,
    )


@router.post("/v1/cases/{case_id}/suggestions/{suggestion_id}/dismiss", response_model=DismissedOut)
def dismiss(case_id: str, suggestion_id: str, key: Agent, request: Request) -> DismissedOut:
    """Drop a suggested promise: the reply did not make it; once only (else 409)."""
    state = request.app.state
    dismiss_suggestion(state.uow_factory, case_id, suggestion_id, f"{key.role}:{key.key_id}", state.clock)
    return DismissedOut(suggestion_id=suggestion_id, state="dismissed")


def playbooks_of(request: Request) -> dict:
    """Loaded once per app, from TERRAIN_PLAYBOOKS_FILE or the packaged file."""
    state = request.app.state
    if getattr(state, "playbooks", None) is None:
        state.playbooks = load_playbooks(state.settings.playbooks_file)
    return state.playbooks


@router.get("/v1/playbooks", response_model=PlaybooksOut)
def get_playbooks(_key: Agent, request: Request) -> dict:
    """Typical problems with their standard promises and default deadlines."""
    return {"playbooks": [p.describe() for p in playbooks_of(request).values()]}
