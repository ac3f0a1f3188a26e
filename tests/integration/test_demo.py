"""`terrain up --demo` loads the seed stories as live cases, each showing what Terrain does."""

from __future__ import annotations

from datetime import UTC, datetime

from integrations.demo import load_demo
from integrations.services.cases import read_case


def test_the_demo_shows_every_kind_of_outcome_and_loads_once(uow):
    now = datetime.now(UTC)  # the demo's updates are ingested on the real clock, as in `terrain up --demo`
    cases = load_demo(uow, now)
    assert len(cases) == 7 and load_demo(uow, now) == []
    views = [read_case(uow, case_id) for case_id in cases]
    statuses = {v.case.status.value for v in views}
    assert {"reopened", "resolved", "in_progress"} <= statuses
    promises = [p for v in views for p in v.promises]
    assert any(p.parent_id for p in promises)  # a replacement handed to the carrier
    assert any(p.outcome.at_risk and p.outcome.at_risk.cause == "attempt_failed" for p in promises)
