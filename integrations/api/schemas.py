"""Request and response bodies of the v1 contract, with OpenAPI examples."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.model import STATUSES, HandedTo, PromiseKind

Status = Literal[tuple(sorted(STATUSES))]  # type: ignore[valid-type]
Kind = Literal[tuple(k.value for k in PromiseKind)]  # type: ignore[valid-type]
Text200 = Field(min_length=1, max_length=200)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ComplaintIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "channel": "twitter", "external_id": "1187459930", "author": "@tgouritin",
        "text": "@lisalaposte mon colis est au centre de tri, jamais ouvert !",
        "posted_at": "2026-03-02T09:00:00+01:00", "order_ref": "vinyl-texas",
        "tracking_numbers": ["6A12345678901"]}]})

    channel: str = Field(min_length=1, max_length=100)
    external_id: str = Field(min_length=1, max_length=200)
    author: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=20_000)
    posted_at: AwareDatetime
    customer_ref: str | None = Field(default=None, min_length=1, max_length=200)
    order_ref: str | None = Field(default=None, min_length=1, max_length=200)
    tracking_numbers: list[str] = Field(default_factory=list, max_length=50)


class ComplaintOut(BaseModel):
    case_id: str
    status: str
    linked_to: str | None = None


class PromiseIn(Strict):
    """A promise as said, or a playbook's standard promises (`playbook` instead of `kind`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"kind": "parcel.reroute", "partner": "laposte", "reference": "6A12345678901",
         "due_at": "2026-03-03T09:00:00+01:00", "expect": {"location": "Bureau de poste Lille Vauban"},
         "said": "vous pouvez demander à rapatrier votre colis au bureau de votre choix dans les 24h"},
        {"kind": "refund.issue", "partner": "stripe", "reference": "ch_3Nx", "due_at": "2026-03-09T18:00:00Z",
         "expect": {"amount": "89.90", "currency": "EUR"}},
        {"playbook": "parcel_stuck_at_depot", "partner": "laposte", "reference": "6A12345678901"}]})

    kind: Kind | None = None
    playbook: str | None = Field(default=None, min_length=1, max_length=100)
    partner: str = Text200
    reference: str = Text200
    due_at: AwareDatetime | None = None
    expect: dict[str, str] = Field(default_factory=dict)
    said: str | None = Field(default=None, max_length=5000)


class PromiseCreated(BaseModel):
    promise_id: str
    verdict: str


class PlaybookPromisesCreated(BaseModel):
    promises: list[PromiseCreated]


class CaseClosedOut(BaseModel):
    case_id: str
    status: str


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
    kind: str
    partner: str
    reference: str
    due_at: datetime
    expect: dict[str, str]
    said: str | None = None
    verdict: str
    reason: str | None = None
    fulfilled_at: datetime | None = None
    evidence: dict[str, Any] | None = None
    unverified: list[str] = Field(default_factory=list, description="kept, but these could not be verified: "
                                  "\"place\", \"recipient\" (ops check them)")
    at_risk: dict[str, Any] | None = Field(default=None, description="pending and at risk: {cause, since, evidence}")


class TimelineEntryView(BaseModel):
    at: datetime
    type: str
    actor: str
    detail: dict[str, Any]


class CaseView(BaseModel):
    case_id: str
    status: str
    reopen_count: int
    linked_to: str | None = None
    complaints: list[ComplaintView]
    promises: list[PromiseView]
    timeline: list[TimelineEntryView]


class UpdateIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "event_id": "evt_0001", "reference": "1Z999AA10123456784", "status": "delivered",
        "occurred_at": "2026-03-03T14:05:00+01:00", "address": "45 avenue de Dunkerque, Lomme",
        "signed_by": "ROLAND"}]})

    event_id: str = Text200
    reference: str = Text200
    status: Status
    occurred_at: AwareDatetime
    location: str | None = Field(default=None, max_length=500)
    address: str | None = Field(default=None, max_length=500)
    signed_by: str | None = Field(default=None, max_length=200)
    amount: str | None = Field(default=None, max_length=40, pattern=r"^\d+(\.\d+)?$",
                               description="decimal string, e.g. \"89.90\"")
    currency: str | None = Field(default=None, pattern="^[A-Za-z]{3}$")
    detail: str | None = Field(default=None, max_length=2000)
    # v1.1 (all optional): see "Field truth, v1.1"
    postal_code: str | None = Field(default=None, max_length=20)
    city: str | None = Field(default=None, max_length=200)
    country: str | None = Field(default=None, pattern="^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2")
    pickup_point_id: str | None = Field(default=None, max_length=100)
    handed_to: Literal[tuple(h.value for h in HandedTo)] | None = None  # type: ignore[valid-type]
    carrier_code: str | None = Field(default=None, max_length=50, description="the carrier's own event code")
    handoff: HandoffIn | None = Field(default=None, description="our part is done; it continues with this "
                                      "partner's reference (a follow-on step is created)")


class HandoffIn(Strict):
    partner: str = Text200
    reference: str = Text200


class UpdateBatchIn(Strict):
    updates: list[UpdateIn] = Field(min_length=1, max_length=1000)


class IngestOut(BaseModel):
    accepted: int
    duplicates: int
    matched: int
