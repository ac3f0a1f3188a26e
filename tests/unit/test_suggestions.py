"""Suggest, then confirm, on the in-memory fakes: what a reply records, what it suggests, and that
a confirm is all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.model import EntryType, SuggestionState
from integrations.services.intake import open_complaint
from integrations.services.replies import record_reply
from integrations.services.suggestions import (
    Correction,
    SuggestionSettled,
    UnknownSuggestion,
    confirm_suggestion,
    dismiss_suggestion,
)
from tests.builders import complaint

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SURE_AND_UNSURE = "We'll refund the $9.99 fee today. We've received your DM and will respond there shortly."


def case(uow):
    return open_complaint(uow, complaint("no answer", T0, tracking_numbers=["1Z9"]), "agent:a", lambda: T0).case_id


@pytest.mark.parametrize("threshold,recorded,suggested", [(0.0, 2, 0), (0.8, 1, 1), (1.0, 0, 2)])
def test_the_threshold_splits_recorded_from_suggested(uow, store, threshold, recorded, suggested):
    case_id = case(uow)
    result = record_reply(uow, case_id, SURE_AND_UNSURE, T0, "agent:a", partner="ups", threshold=threshold, clock=lambda: T0)
    assert (len(result.recorded), len(result.suggestions)) == (recorded, suggested)
    assert len(store.promises) == recorded and len(store.suggestions) == suggested
    kinds = [e.detail["kind"] for e in store.timeline if e.type is EntryType.SUGGESTION]
    assert len(kinds) == suggested


def test_a_confirm_that_loses_the_race_records_nothing(uow, store, monkeypatch):
    case_id = case(uow)
    [suggestion] = record_reply(
        uow, case_id, SURE_AND_UNSURE, T0, "agent:a", partner="ups", threshold=0.8, clock=lambda: T0
    ).suggestions
    before = dict(store.promises)
    # Another community manager dismisses it between our read and our write.
    from tests.fakes import FakeSuggestions

    real_settle = FakeSuggestions.settle

    def settled_meanwhile(self, *args, **kwargs):
        real_settle(self, case_id, suggestion.suggestion_id, SuggestionState.DISMISSED, T0, "agent:b")
        return False

    monkeypatch.setattr(FakeSuggestions, "settle", settled_meanwhile)
    with pytest.raises(SuggestionSettled):
        confirm_suggestion(uow, case_id, suggestion.suggestion_id, "agent:a", clock=lambda: T0)
    assert store.promises == before  # the promise was rolled back with the failed settle


def test_confirm_with_corrections_then_twice(uow, store):
    case_id = case(uow)
    [suggestion] = record_reply(
        uow,
        case_id,
        "We've received your DM and will respond there shortly.",
        T0,
        "agent:a",
        partner="ups",
        threshold=0.8,
        clock=lambda: T0,
    ).suggestions
    due = T0 + timedelta(hours=4)
    recorded = confirm_suggestion(
        uow, case_id, suggestion.suggestion_id, "agent:b", Correction(due_at=due, reference="1Z-other"), clock=lambda: T0
    )
    assert (recorded.promise.due_at, recorded.promise.reference, recorded.promise.partner) == (due, "1Z-other", "ups")
    assert store.suggestions[suggestion.suggestion_id].state is SuggestionState.CONFIRMED
    assert store.suggestions[suggestion.suggestion_id].promise_id == recorded.promise_id
    with pytest.raises(SuggestionSettled):
        confirm_suggestion(uow, case_id, suggestion.suggestion_id, "agent:b", clock=lambda: T0)
    with pytest.raises(SuggestionSettled):
        dismiss_suggestion(uow, case_id, suggestion.suggestion_id, "agent:b", clock=lambda: T0)
    with pytest.raises(UnknownSuggestion):
        dismiss_suggestion(uow, case_id, "nope", "agent:b", clock=lambda: T0)
    assert len(store.promises) == 1
