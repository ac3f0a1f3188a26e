"""Use case: the community manager's reply goes on the timeline with the promises it makes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from domain.errors import InvalidInput, MissingExpectation, UnknownCase
from domain.extraction import extract_promises
from domain.kinds import validate_expect
from domain.model import EntryType, TimelineEntry, parse_kind
from integrations.services.clock import Clock, utc_now
from integrations.services.ports import UnitOfWork
from integrations.services.promises import PromiseSpec, RecordedPromise, record_promises


@dataclass(frozen=True, slots=True)
class ReplyResult:
    recorded: list[RecordedPromise]
    # Promises the reply makes that cannot be tracked as said (e.g. a refund with no amount).
    incomplete: list[dict] = field(default_factory=list)
    duplicate: bool = False


def _defaults(uow: UnitOfWork, case_id: str) -> tuple[str | None, str | None]:
    """Partner and reference the case already implies: its latest promise, else its complaints."""
    promises = uow.promises.for_cases([case_id])
    if promises:
        return promises[-1].partner, promises[-1].reference
    for complaint in uow.complaints.for_case(case_id):
        if complaint.tracking_numbers:
            return None, complaint.tracking_numbers[0]
        if complaint.order_ref:
            return None, complaint.order_ref
    return None, None


def record_reply(
    uow_factory: Callable[[], UnitOfWork],
    case_id: str,
    text: str,
    said_at: datetime,
    actor: str,
    *,
    partner: str | None = None,
    reference: str | None = None,
    lang: str | None = None,
    external_id: str | None = None,
    clock: Clock = utc_now,
) -> ReplyResult:
    """Record a reply and its extracted promises in one transaction.

    `external_id` (the reply's id on its channel) makes replaying the same reply a no-op.
    """
    if said_at.tzinfo is None:
        raise InvalidInput("said_at must carry a UTC offset", {"field": "said_at"})
    with uow_factory() as uow:
        if uow.cases.get(case_id) is None:
            raise UnknownCase(f"no case {case_id}", {"case_id": case_id})
        if external_id and any(e.type is EntryType.REPLY and e.detail.get("external_id") == external_id
                               for e in uow.timeline.for_case(case_id)):
            return ReplyResult(recorded=[], duplicate=True)
        case_partner, case_reference = _defaults(uow, case_id)
    partner, reference = partner or case_partner, reference or case_reference
    extracted = extract_promises(text, said_at, lang)
    specs, incomplete = [], []
    for promise in extracted:
        missing = [name for name, value in (("partner", partner), ("reference", reference)) if not value]
        if not missing:
            try:  # a refund promised without its amount cannot be judged: report it, keep the rest
                validate_expect(parse_kind(promise.kind), promise.expect)
            except MissingExpectation as exc:
                missing = list((exc.details or {}).get("missing", []))
        if missing:
            incomplete.append({"kind": promise.kind, "evidence": promise.evidence, "missing": missing})
            continue
        specs.append(PromiseSpec(kind=promise.kind, partner=partner or "", reference=reference or "",
                                 due_at=promise.due_at, expect=dict(promise.expect), said=promise.evidence))
    reply_entry = TimelineEntry(case_id, clock(), EntryType.REPLY, actor, {
        "text": text, "said_at": said_at.isoformat(), "external_id": external_id,
        "promises_found": len(extracted), "incomplete": incomplete})
    if not specs:  # a reply that promises nothing addresses nothing: it is only history
        with uow_factory() as uow:
            uow.timeline.append([reply_entry])
            uow.commit()
        return ReplyResult(recorded=[], incomplete=incomplete)
    recorded = record_promises(uow_factory, case_id, specs, actor, clock, said_at=said_at,
                               extra_timeline=[reply_entry])
    return ReplyResult(recorded=recorded, incomplete=incomplete)
