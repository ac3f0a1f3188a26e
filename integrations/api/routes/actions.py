"""What agents and ops do about a stuck promise: take or assign the case, acknowledge or snooze,
add a note, re-send the partner request, record the new promise the playbook suggests. Every
action goes on the case timeline under the person's name."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import AwareDatetime, Field

from domain.errors import InvalidInput
from integrations.api.auth import require_roles
from integrations.api.routes.replies import playbooks_of
from integrations.api.schemas import (
    AssignedOut,
    NextStepOut,
    NoteOut,
    PromiseCreated,
    ResentOut,
    SnoozeOut,
    Strict,
)
from integrations.services.ops_actions import (
    NOTE_MAX,
    acknowledge_promise,
    add_note,
    assign_case,
    record_next_step,
    resend_request,
    unsnooze_promise,
)

router = APIRouter(tags=["ops workflow"])
Person = Annotated[Any, Depends(require_roles("agent", "ops"))]


class AssignIn(Strict):
    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [{"owner": "me"}, {"owner": "Claire Martin"}]}}

    owner: str | None = Field(description="a person's name (an agent or ops key's), \"me\", or null for nobody", max_length=200)


class AcknowledgeIn(Strict):
    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [{"note": "UPS investigating, answer promised tomorrow", "snooze_until": "2026-03-04T09:00:00+01:00"}]
        },
    }

    note: str | None = Field(default=None, max_length=NOTE_MAX)
    snooze_until: AwareDatetime | None = None


class NoteIn(Strict):
    text: str = Field(min_length=1, max_length=NOTE_MAX)


def owner_name(key, owner: str | None) -> str | None:
    if owner is None:
        return None
    owner = " ".join(owner.split())
    if owner.lower() == "me":
        if not key.name:
            raise InvalidInput("this key has no name: create keys with --name to take cases", {"owner": "me"})
        return key.name
    if not owner:
        raise InvalidInput('owner must be a name, "me" or null', {"owner": owner})
    return owner


@router.post("/v1/cases/{case_id}/assign", response_model=AssignedOut)
def post_assign(case_id: str, body: AssignIn, key: Person, request: Request) -> dict:
    """Take the case (`"me"`), give it to someone (their name), or to nobody (`null`)."""
    state = request.app.state
    case = assign_case(state.uow_factory, case_id, owner_name(key, body.owner), key.actor, state.clock)
    return {"case_id": case.case_id, "owner": case.owner}


@router.post("/v1/promises/{promise_id}/acknowledge", response_model=SnoozeOut)
def post_acknowledge(promise_id: str, body: AcknowledgeIn, key: Person, request: Request) -> dict:
    """Acknowledge a stuck promise with a note; with `snooze_until` it leaves the stuck list
    until then (ownership and acknowledgement alone do not hide it)."""
    state = request.app.state
    promise = acknowledge_promise(state.uow_factory, promise_id, body.note, body.snooze_until, key.actor, state.clock)
    return {
        "promise_id": promise.promise_id,
        "snoozed_until": promise.snoozed_until.isoformat() if promise.snoozed_until else None,
    }


@router.post("/v1/promises/{promise_id}/unsnooze", response_model=SnoozeOut)
def post_unsnooze(promise_id: str, key: Person, request: Request) -> dict:
    """End a snooze now: the promise is back on the stuck list."""
    state = request.app.state
    promise = unsnooze_promise(state.uow_factory, promise_id, key.actor, state.clock)
    return {"promise_id": promise.promise_id, "snoozed_until": None}


@router.post("/v1/cases/{case_id}/notes", status_code=201, response_model=NoteOut)
def post_note(case_id: str, body: NoteIn, key: Person, request: Request) -> dict:
    state = request.app.state
    entry = add_note(state.uow_factory, case_id, body.text, key.actor, state.clock)
    return {"case_id": case_id, "at": entry.at.isoformat(), "actor": entry.actor, "text": entry.detail["text"]}


@router.post("/v1/promises/{promise_id}/resend", status_code=202, response_model=ResentOut)
def post_resend(promise_id: str, key: Person, request: Request) -> dict:
    """Queue the promise's partner request again; the partner-request worker sends it."""
    state = request.app.state
    promise = resend_request(state.uow_factory, promise_id, key.actor, state.clock)
    return {"promise_id": promise.promise_id, "partner": promise.partner, "state": "pending"}


@router.post("/v1/promises/{promise_id}/next-step", status_code=201, response_model=NextStepOut)
def post_next_step(promise_id: str, key: Person, request: Request) -> dict:
    """Record the new promise(s) of the playbook that fits this stuck promise's kind and reason,
    due from now, same partner, reference and expectations: it is addressed and leaves the list."""
    state = request.app.state
    recorded = record_next_step(state.uow_factory, promise_id, playbooks_of(request).values(), key.actor, state.clock)
    return {"promises": [PromiseCreated(promise_id=r.promise_id, verdict=r.verdict.value).model_dump() for r in recorded]}
