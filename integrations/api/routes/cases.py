"""Agents: complaints, promises, closing, and reading a case with its timeline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from domain.errors import InvalidInput, UnknownPlaybook
from domain.model import Complaint, Promise, Verdict
from domain.playbooks import expand
from domain.steps import chains, overall
from integrations.api.auth import require_roles
from integrations.api.routes.replies import playbooks_of
from integrations.api.schemas import (
    CaseClosedOut,
    CaseView,
    ComplaintIn,
    ComplaintOut,
    PlaybookPromisesCreated,
    PromiseCreated,
    PromiseIn,
)
from integrations.services.cases import close_case, read_case
from integrations.services.intake import open_complaint
from integrations.services.promises import PromiseSpec, record_promises

router = APIRouter(tags=["agents"])
Agent = Annotated[Any, Depends(require_roles("agent"))]
Reader = Annotated[Any, Depends(require_roles("agent", "ops"))]


def actor(key) -> str:
    """The timeline's actor: the person's name when the key has one (`agent:Claire Martin`), else its id."""
    return key.actor


@router.post(
    "/v1/complaints",
    response_model=ComplaintOut,
    status_code=201,
    responses={200: {"model": ComplaintOut, "description": "already known, or joined an open case"}},
)
def post_complaint(body: ComplaintIn, key: Agent, request: Request, response: Response) -> ComplaintOut:
    """A social post becomes a case; the same post again, or one about an open case, joins it."""
    state = request.app.state
    result = open_complaint(state.uow_factory, Complaint.create(body.model_dump()), actor(key), state.clock)
    if not result.created:
        response.status_code = 200
    return ComplaintOut(case_id=result.case_id, status=result.status.value, linked_to=result.linked_to)


@router.post("/v1/cases/{case_id}/promises", status_code=201, response_model=PromiseCreated | PlaybookPromisesCreated)
def post_promise(case_id: str, body: PromiseIn, key: Agent, request: Request):
    """Record a promise (judged at once against updates already stored), or a playbook's."""
    state = request.app.state
    if body.playbook:
        specs = playbook_specs(request, body, state.clock())
    else:
        if body.kind is None or body.due_at is None:
            raise InvalidInput(
                "a promise needs kind and due_at (or a playbook)",
                {"missing": [n for n in ("kind", "due_at") if getattr(body, n) is None]},
            )
        specs = [
            PromiseSpec(
                kind=body.kind,
                partner=body.partner,
                reference=body.reference,
                due_at=body.due_at,
                expect=body.expect,
                said=body.said,
            )
        ]
    recorded = record_promises(state.uow_factory, case_id, specs, actor(key), state.clock)
    created = [PromiseCreated(promise_id=r.promise_id, verdict=r.verdict.value) for r in recorded]
    return PlaybookPromisesCreated(promises=created) if body.playbook else created[0]


def playbook_specs(request: Request, body: PromiseIn, now) -> list[PromiseSpec]:
    playbook = playbooks_of(request).get(body.playbook or "")
    if playbook is None:
        raise UnknownPlaybook(
            f"no playbook {body.playbook!r}", {"playbook": body.playbook, "known": sorted(playbooks_of(request))}
        )
    return [PromiseSpec(**spec) for spec in expand(playbook, body.partner, body.reference, now, body.expect)]


@router.post("/v1/cases/{case_id}/close", response_model=CaseClosedOut)
def post_close(case_id: str, key: Agent, request: Request) -> CaseClosedOut:
    case = close_case(request.app.state.uow_factory, case_id, actor(key), request.app.state.clock)
    return CaseClosedOut(case_id=case.case_id, status=case.status.value)


@router.get("/v1/cases/{case_id}", response_model=CaseView, response_model_exclude_none=False)
def get_case(case_id: str, _key: Reader, request: Request) -> dict:
    return case_document(read_case(request.app.state.uow_factory, case_id))


def step_document(p: Promise) -> dict:
    return {
        "promise_id": p.promise_id,
        "kind": p.kind.value,
        "partner": p.partner,
        "reference": p.reference,
        "due_at": p.due_at,
        "verdict": p.outcome.verdict.value,
        "reason": p.outcome.reason.value if p.outcome.reason else None,
        "fulfilled_at": p.outcome.fulfilled_at,
        "evidence": p.outcome.evidence.evidence() if p.outcome.evidence else None,
        "unverified": list(p.outcome.unverified),
        "at_risk": p.outcome.at_risk.detail() if p.outcome.at_risk else None,
    }


def promise_document(steps: list[Promise]) -> dict:
    """A promise as the customer sees it (verdict across its steps) with each step it went through."""
    root, whole = steps[0], overall(steps)
    last = steps[-1]
    document = {
        **step_document(root),
        "expect": root.expect,
        "said": root.said,
        "verdict": whole.verdict.value,
        "reason": whole.reason.value if whole.reason else None,
        # kept when its last step is: the time and evidence are the last step's
        "fulfilled_at": last.outcome.fulfilled_at if whole.verdict is not Verdict.PENDING else None,
        "steps": [step_document(s) for s in steps],
        "where": whole.where,
    }
    if whole.blocking_step is not None and len(steps) > 1:
        b = whole.blocking_step
        document["blocking_step"] = {
            "promise_id": b.promise_id,
            "partner": b.partner,
            "reference": b.reference,
            "kind": b.kind.value,
        }
    if whole.broken_step is not None:
        document["evidence"] = step_document(whole.broken_step)["evidence"]
        document["fulfilled_at"] = whole.broken_step.outcome.fulfilled_at
    elif len(steps) > 1:
        if whole.verdict is Verdict.KEPT:
            document["evidence"] = step_document(last)["evidence"]
        document["at_risk"] = next((s.outcome.at_risk.detail() for s in steps if s.outcome.at_risk), None)
        document["unverified"] = list(last.outcome.unverified) if whole.verdict is Verdict.KEPT else []
    if root.plan:
        document["plan"] = [step.detail() for step in root.plan]
    return document


def case_document(view) -> dict:
    """The contract's case shape (also used by the dashboard)."""
    case = view.case
    return {
        "case_id": case.case_id,
        "status": case.status.value,
        "reopen_count": case.reopen_count,
        "linked_to": case.linked_to,
        "complaints": [
            {
                "channel": c.channel,
                "external_id": c.external_id,
                "author": c.author,
                "text": c.text,
                "posted_at": c.posted_at,
                "customer_ref": c.customer_ref,
                "order_ref": c.order_ref,
            }
            for c in view.complaints
        ],
        "promises": [promise_document(steps) for steps in chains(view.promises).values()],
        "timeline": [{"at": e.at, "type": e.type.value, "actor": e.actor, "detail": e.detail} for e in view.timeline],
        "suggestions": [
            {
                "suggestion_id": s.suggestion_id,
                "kind": s.kind,
                "due_at": s.due_at,
                "expect": dict(s.expect),
                "confidence": s.confidence,
                "evidence": s.evidence,
                "partner": s.partner,
                "reference": s.reference,
            }
            for s in view.suggestions
        ],
    }
