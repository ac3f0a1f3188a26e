"""Use case: the community manager's reply goes on the timeline with the promises it makes.

The promises the extraction is sure of (confidence ≥ the threshold) are recorded at once; the
others are kept on the case as suggestions for the community manager to confirm or dismiss
(integrations/services/suggestions.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from domain.errors import InvalidInput, MissingExpectation, UnknownCase
from domain.extraction import ExtractedPromise, extract_promises
from domain.extraction.deadlines import HolidayCheck
from domain.kinds import validate_expect
from domain.model import EntryType, Promise, Suggestion, TimelineEntry, parse_kind
from integrations.services.clock import Clock, utc_now
from integrations.services.ports import UnitOfWork
from integrations.services.promises import PromiseSpec, RecordedPromise, record_promises


@dataclass(frozen=True, slots=True)
class ReplyResult:
    recorded: list[RecordedPromise]
    # Promises the reply makes that cannot be tracked as said (e.g. a refund with no amount).
    incomplete: list[dict] = field(default_factory=list)
    duplicate: bool = False
    # Promises the reply may make, below the confidence threshold: kept for confirmation.
    suggestions: list[Suggestion] = field(default_factory=list)


def case_defaults(uow: UnitOfWork, case_id: str) -> tuple[str | None, str | None]:
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


def suggestion_detail(suggestion: Suggestion, action: str) -> dict:
    return {
        "action": action,
        "suggestion_id": suggestion.suggestion_id,
        "kind": suggestion.kind,
        "due_at": suggestion.due_at.isoformat(),
        "expect": dict(suggestion.expect),
        "confidence": suggestion.confidence,
        "evidence": suggestion.evidence,
    }


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
    threshold: float = 0.0,
    tz: str | None = None,
    holiday: HolidayCheck | None = None,
) -> ReplyResult:
    """Record a reply, the promises it surely makes, and suggestions for the others, in one transaction.

    `external_id` (the reply's id on its channel) makes replaying the same reply a no-op.
    `threshold`: the confidence from which an extracted promise is recorded without asking.
    `tz` / `holiday`: the brand's time zone and public holidays, for the deadlines.
    """
    if said_at.tzinfo is None:
        raise InvalidInput("said_at must carry a UTC offset", {"field": "said_at"})
    with uow_factory() as uow:
        if uow.cases.get(case_id) is None:
            raise UnknownCase(f"no case {case_id}", {"case_id": case_id})
        if external_id and any(
            e.type is EntryType.REPLY and e.detail.get("external_id") == external_id for e in uow.timeline.for_case(case_id)
        ):
            return ReplyResult(recorded=[], duplicate=True)
        case_partner, case_reference = case_defaults(uow, case_id)
    partner, reference = partner or case_partner, reference or case_reference
    extracted = extract_promises(text, said_at, lang, tz=tz, holiday=holiday)
    sure = [p for p in extracted if p.confidence >= threshold]
    unsure = [p for p in extracted if p.confidence < threshold]
    now = clock()
    suggestions = [_suggestion(case_id, p, said_at, partner, reference, now) for p in unsure]
    specs, incomplete = [], []
    for promise in sure:
        missing = [name for name, value in (("partner", partner), ("reference", reference)) if not value]
        if not missing:
            try:  # a refund promised without its amount cannot be judged: report it, keep the rest
                validate_expect(parse_kind(promise.kind), promise.expect)
            except MissingExpectation as exc:
                missing = list((exc.details or {}).get("missing", []))
        if missing:
            incomplete.append({"kind": promise.kind, "evidence": promise.evidence, "missing": missing})
            continue
        specs.append(
            PromiseSpec(
                kind=promise.kind,
                partner=partner or "",
                reference=reference or "",
                due_at=promise.due_at,
                expect=dict(promise.expect),
                said=promise.evidence,
            )
        )
    entries = [
        TimelineEntry(
            case_id,
            now,
            EntryType.REPLY,
            actor,
            {
                "text": text,
                "said_at": said_at.isoformat(),
                "external_id": external_id,
                "promises_found": len(extracted),
                "incomplete": incomplete,
                "suggested": len(suggestions),
            },
        )
    ]
    entries += [TimelineEntry(case_id, now, EntryType.SUGGESTION, actor, suggestion_detail(s, "suggested")) for s in suggestions]

    def keep_suggestions(uow: UnitOfWork, _recorded: list[Promise]) -> None:
        uow.suggestions.add(suggestions)

    if not specs:  # a reply that promises nothing for sure addresses nothing: it is only history
        with uow_factory() as uow:
            uow.timeline.append(entries)
            uow.suggestions.add(suggestions)
            uow.commit()
        return ReplyResult(recorded=[], incomplete=incomplete, suggestions=suggestions)
    recorded = record_promises(
        uow_factory, case_id, specs, actor, clock, said_at=said_at, extra_timeline=entries, also=keep_suggestions
    )
    return ReplyResult(recorded=recorded, incomplete=incomplete, suggestions=suggestions)


def _suggestion(
    case_id: str, promise: ExtractedPromise, said_at: datetime, partner: str | None, reference: str | None, now: datetime
) -> Suggestion:
    return Suggestion(
        suggestion_id=str(uuid.uuid4()),
        case_id=case_id,
        kind=promise.kind,
        due_at=promise.due_at,
        said_at=said_at,
        confidence=promise.confidence,
        evidence=promise.evidence,
        expect=dict(promise.expect),
        partner=partner,
        reference=reference,
        created_at=now,
    )
