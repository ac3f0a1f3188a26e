"""Use cases: the community manager confirms a suggested promise (perhaps corrected), which records
it, or dismisses it. Either happens once: a second confirm or dismiss is a Conflict."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Mapping

from domain.errors import Conflict, InvalidInput, NotFound
from domain.model import EntryType, Promise, Suggestion, SuggestionState, TimelineEntry
from integrations.services.clock import Clock, utc_now
from integrations.services.ports import UnitOfWork
from integrations.services.promises import PromiseSpec, RecordedPromise, record_promises
from integrations.services.replies import suggestion_detail


class UnknownSuggestion(NotFound):
    code = "unknown_suggestion"


class SuggestionSettled(Conflict):
    code = "suggestion_settled"


@dataclass(frozen=True, slots=True)
class Correction:
    """What the community manager changes before confirming; None keeps the suggestion's value."""

    kind: str | None = None
    due_at: datetime | None = None
    expect: Mapping[str, Any] | None = None
    partner: str | None = None
    reference: str | None = None


def open_suggestions(uow_factory: Callable[[], UnitOfWork], case_id: str) -> list[Suggestion]:
    with uow_factory() as uow:
        return uow.suggestions.for_case(case_id, SuggestionState.OPEN)


def _open(uow: UnitOfWork, case_id: str, suggestion_id: str) -> Suggestion:
    found = uow.suggestions.get(case_id, suggestion_id)
    if found is None:
        raise UnknownSuggestion(
            f"no suggestion {suggestion_id} on case {case_id}", {"case_id": case_id, "suggestion_id": suggestion_id}
        )
    if found.state is not SuggestionState.OPEN:
        raise SuggestionSettled(
            f"suggestion {suggestion_id} is already {found.state.value}",
            {"suggestion_id": suggestion_id, "state": found.state.value},
        )
    return found


def confirm_suggestion(
    uow_factory: Callable[[], UnitOfWork],
    case_id: str,
    suggestion_id: str,
    actor: str,
    correction: Correction | None = None,
    clock: Clock = utc_now,
) -> RecordedPromise:
    """Record the suggested promise (with the corrections) and close the suggestion, atomically."""
    correction = correction or Correction()
    with uow_factory() as uow:
        suggestion = _open(uow, case_id, suggestion_id)
    partner = correction.partner or suggestion.partner
    reference = correction.reference or suggestion.reference
    missing = [name for name, value in (("partner", partner), ("reference", reference)) if not value]
    if missing:
        raise InvalidInput(
            "the case implies no partner/reference: give them to confirm", {"missing": missing, "suggestion_id": suggestion_id}
        )
    spec = PromiseSpec(
        kind=correction.kind or suggestion.kind,
        partner=partner or "",
        reference=reference or "",
        due_at=correction.due_at or suggestion.due_at,
        expect=dict(correction.expect if correction.expect is not None else suggestion.expect),
        said=suggestion.evidence,
    )
    corrected = {
        name: value
        for name, value in (
            ("kind", correction.kind),
            ("due_at", correction.due_at.isoformat() if correction.due_at else None),
            ("expect", dict(correction.expect) if correction.expect is not None else None),
            ("partner", correction.partner),
            ("reference", correction.reference),
        )
        if value is not None
    }

    def settle(uow: UnitOfWork, promises: list[Promise]) -> None:
        promise_id = promises[0].promise_id
        if not uow.suggestions.settle(case_id, suggestion_id, SuggestionState.CONFIRMED, clock(), actor, promise_id):
            raise SuggestionSettled(f"suggestion {suggestion_id} was settled meanwhile", {"suggestion_id": suggestion_id})
        uow.timeline.append(
            [
                TimelineEntry(
                    case_id,
                    clock(),
                    EntryType.SUGGESTION,
                    actor,
                    {**suggestion_detail(suggestion, "confirmed"), "promise_id": promise_id, "corrected": corrected},
                )
            ]
        )

    return record_promises(uow_factory, case_id, [spec], actor, clock, said_at=suggestion.said_at, also=settle)[0]


def dismiss_suggestion(
    uow_factory: Callable[[], UnitOfWork], case_id: str, suggestion_id: str, actor: str, clock: Clock = utc_now
) -> Suggestion:
    with uow_factory() as uow:
        suggestion = _open(uow, case_id, suggestion_id)
        now = clock()
        if not uow.suggestions.settle(case_id, suggestion_id, SuggestionState.DISMISSED, now, actor):
            raise SuggestionSettled(f"suggestion {suggestion_id} was settled meanwhile", {"suggestion_id": suggestion_id})
        uow.timeline.append(
            [TimelineEntry(case_id, now, EntryType.SUGGESTION, actor, suggestion_detail(suggestion, "dismissed"))]
        )
        uow.commit()
    return suggestion
