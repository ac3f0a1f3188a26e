"""Request and response bodies of the v1 contract, with OpenAPI examples."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from domain.model import STATUSES, CaseStatus, HandedTo, PromiseKind, Reason, Verdict

if TYPE_CHECKING:  # made from the domain's vocabularies at run time: plain strings to the type checker
    Status: TypeAlias = str
    Kind: TypeAlias = str
    CaseStatusName: TypeAlias = str
    VerdictName: TypeAlias = str
    ReasonName: TypeAlias = str
else:  # enums in the OpenAPI document
    Status = Literal[tuple(sorted(STATUSES))]
    Kind = Literal[tuple(k.value for k in PromiseKind)]
    CaseStatusName = Literal[tuple(s.value for s in CaseStatus)]
    VerdictName = Literal[tuple(v.value for v in Verdict)]
    ReasonName = Literal[tuple(r.value for r in Reason)]
Text200 = Field(min_length=1, max_length=200)
MAX_BATCH = 1000  # updates per batch, and per transaction
# A reference as every other field takes it: 1 to 200 characters, no NUL (PostgreSQL stores none).
TrackingNumber = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00]+$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ComplaintIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "channel": "twitter",
                    "external_id": "1187459930",
                    "author": "@tgouritin",
                    "text": "@lisalaposte mon colis est au centre de tri, jamais ouvert !",
                    "posted_at": "2026-03-02T09:00:00+01:00",
                    "order_ref": "vinyl-texas",
                    "tracking_numbers": ["6A12345678901"],
                }
            ]
        },
    )

    channel: str = Field(min_length=1, max_length=100)
    external_id: str = Field(min_length=1, max_length=200)
    author: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=20_000)
    posted_at: AwareDatetime
    customer_ref: str | None = Field(default=None, min_length=1, max_length=200)
    order_ref: str | None = Field(default=None, min_length=1, max_length=200)
    tracking_numbers: list[TrackingNumber] = Field(default_factory=list, max_length=50)


class ErrorBody(BaseModel):
    code: str = Field(description="stable, machine-readable: unauthorized, forbidden, not_found, invalid_input, ...")
    message: str
    details: Any = None


class ErrorOut(BaseModel):
    """Every error answer of the API."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"error": {"code": "unauthorized", "message": "a Bearer token is required", "details": None}}]
        }
    )

    error: ErrorBody


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


# Declared on every route (app.include_router): the error envelope and when it comes.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _error("malformed JSON or a refused domain operation"),
    401: _error("no token, or an unknown or revoked one"),
    403: _error("the token's role may not do this"),
    404: _error("no such case, promise, suggestion or playbook"),
    409: _error("conflicts with the current state"),
    413: _error("the body is over 5 MiB"),
    422: _error("the request does not match the schema"),
    503: _error("the database is unavailable: retry after Retry-After seconds"),
}


class HealthOut(BaseModel):
    status: Literal["ok"]


class ReadyOut(BaseModel):
    status: Literal["ready"]


class ComplaintOut(BaseModel):
    case_id: str
    status: CaseStatusName
    linked_to: str | None = None


class PromiseIn(Strict):
    """A promise as said, or a playbook's standard promises (`playbook` instead of `kind`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "parcel.reroute",
                    "partner": "laposte",
                    "reference": "6A12345678901",
                    "due_at": "2026-03-03T09:00:00+01:00",
                    "expect": {"location": "Bureau de poste Lille Vauban"},
                    "said": "vous pouvez demander à rapatrier votre colis au bureau de votre choix dans les 24h",
                },
                {
                    "kind": "refund.issue",
                    "partner": "stripe",
                    "reference": "ch_3Nx",
                    "due_at": "2026-03-09T18:00:00Z",
                    "expect": {"amount": "89.90", "currency": "EUR"},
                },
                {"playbook": "parcel_stuck_at_depot", "partner": "laposte", "reference": "6A12345678901"},
            ]
        },
    )

    kind: Kind | None = None
    playbook: str | None = Field(default=None, min_length=1, max_length=100)
    partner: str = Text200
    reference: str = Text200
    due_at: AwareDatetime | None = None
    expect: dict[str, str] = Field(default_factory=dict)
    said: str | None = Field(default=None, max_length=5000)


class PromiseCreated(BaseModel):
    promise_id: str
    verdict: VerdictName


class PlaybookPromisesCreated(BaseModel):
    promises: list[PromiseCreated]


class CaseClosedOut(BaseModel):
    case_id: str
    status: CaseStatusName


class ComplaintView(BaseModel):
    channel: str
    external_id: str
    author: str
    text: str
    posted_at: datetime
    customer_ref: str | None = None
    order_ref: str | None = None


class PromiseView(BaseModel):
    promise_id: str
    kind: Kind
    partner: str
    reference: str
    due_at: datetime
    expect: dict[str, str]
    said: str | None = None
    verdict: VerdictName
    reason: ReasonName | None = None
    fulfilled_at: datetime | None = None
    evidence: dict[str, Any] | None = None
    unverified: list[str] = Field(
        default_factory=list, description='kept, but these could not be verified: "place", "recipient" (ops check them)'
    )
    at_risk: dict[str, Any] | None = Field(default=None, description="pending and at risk: {cause, since, evidence}")
    steps: list[dict[str, Any]] = Field(
        default_factory=list,
        description="each partner's step, in order: a handoff (`handoff` on an update) adds the step that carries the promise on",
    )
    where: str | None = Field(default=None, description="where the promise is, step by step")
    blocking_step: dict[str, Any] | None = Field(default=None, description="the step it waits on or that broke it")
    plan: list[dict[str, Any]] | None = Field(
        default=None, description="a playbook's later steps: role, kind, deadline in hours from when the promise was made"
    )


class TimelineEntryView(BaseModel):
    at: datetime
    type: str
    actor: str
    detail: dict[str, Any]


class SuggestionView(BaseModel):
    suggestion_id: str
    kind: str
    due_at: datetime
    expect: dict[str, str]
    confidence: float
    evidence: str
    partner: str | None = None
    reference: str | None = None


class CaseView(BaseModel):
    case_id: str
    status: CaseStatusName
    reopen_count: int
    linked_to: str | None = None
    complaints: list[ComplaintView]
    promises: list[PromiseView]
    timeline: list[TimelineEntryView]
    suggestions: list[SuggestionView] = Field(
        default_factory=list, description="open suggestions: promises a reply may have made, to confirm or dismiss"
    )


class UpdateIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "event_id": "evt_0001",
                    "reference": "1Z999AA10123456784",
                    "status": "delivered",
                    "occurred_at": "2026-03-03T14:05:00+01:00",
                    "address": "45 avenue de Dunkerque, Lomme",
                    "signed_by": "ROLAND",
                }
            ]
        },
    )

    event_id: str = Text200
    reference: str = Text200
    status: Status
    occurred_at: AwareDatetime
    location: str | None = Field(default=None, max_length=500)
    address: str | None = Field(default=None, max_length=500)
    signed_by: str | None = Field(default=None, max_length=200)
    amount: str | None = Field(default=None, max_length=40, pattern=r"^\d+(\.\d+)?$", description='decimal string, e.g. "89.90"')
    currency: str | None = Field(default=None, pattern="^[A-Za-z]{3}$")
    detail: str | None = Field(default=None, max_length=2000)
    # v1.1 (all optional): see "Field truth, v1.1"
    postal_code: str | None = Field(default=None, max_length=20)
    city: str | None = Field(default=None, max_length=200)
    country: str | None = Field(default=None, pattern="^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2")
    pickup_point_id: str | None = Field(default=None, max_length=100)
    handed_to: Literal[tuple(h.value for h in HandedTo)] | None = None  # type: ignore[valid-type]
    carrier_code: str | None = Field(default=None, max_length=50, description="the carrier's own event code")
    handoff: HandoffIn | None = Field(
        default=None, description="our part is done; it continues with this partner's reference (a follow-on step is created)"
    )


class HandoffIn(Strict):
    partner: str = Text200
    reference: str = Text200


class UpdateBatchIn(Strict):
    updates: list[UpdateIn] = Field(min_length=1, max_length=MAX_BATCH)


class IngestOut(BaseModel):
    accepted: int
    duplicates: int
    matched: int


class StepView(BaseModel):
    """One of a partner's own steps: what it must do, by when, how it is judged so far."""

    promise_id: str
    kind: Kind
    reference: str
    due_at: datetime
    expect: dict[str, Any]
    verdict: VerdictName
    reason: ReasonName | None = None
    fulfilled_at: datetime | None = None
    step_of: str | None = Field(default=None, description="the promise this step carries on (a handoff to this partner)")


class StepsOut(BaseModel):
    partner: str
    steps: list[StepView]


class AssignedOut(BaseModel):
    case_id: str
    owner: str | None


class SnoozeOut(BaseModel):
    promise_id: str
    snoozed_until: datetime | None


class NoteOut(BaseModel):
    case_id: str
    at: datetime
    actor: str
    text: str


class ResentOut(BaseModel):
    promise_id: str
    partner: str
    state: Literal["pending"]


class NextStepOut(BaseModel):
    promises: list[PromiseCreated]


class OpsItemsOut(BaseModel):
    """Rows of an ops list (their fields are those of the dashboard's tables)."""

    items: list[dict[str, Any]]


class ScorecardOut(BaseModel):
    partner: str
    promises: int
    kept: int
    broken: int
    pending: int
    kept_rate: float | None
    median_seconds_to_keep: float | None
    broken_by_reason: dict[str, int]


class ScorecardsOut(BaseModel):
    partners: list[ScorecardOut]


class PlaybooksOut(BaseModel):
    playbooks: list[dict[str, Any]]
