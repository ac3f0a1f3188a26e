"""What ops and community managers are shown about a stuck promise: a case title people can
say aloud, what was expected next to what the field observed, since when it is stuck, and the
next step the playbooks give for its kind and reason. Pure: the playbooks come in as data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping

from domain.model import TimelineEntry
from domain.playbooks import Playbook

ANY_REASON = "*"


@dataclass(frozen=True, slots=True)
class NextStep:
    """What to do now (in the brand's language), and the playbook whose promises answer it."""

    playbook: str
    text: str
    due_in: str  # "24 h", "2 business days": the new promise's delay, for buttons and alerts

    def detail(self) -> dict[str, str]:
        return {"playbook": self.playbook, "text": self.text, "due_in": self.due_in}


def next_step(kind: str, reason: str | None, playbooks: Iterable[Playbook], language: str = "en") -> NextStep | None:
    """The playbook that fits (kind, reason): an exact fit wins over a fit for any reason of the
    kind; None when no playbook says what to do."""
    exact = fallback = None
    for playbook in playbooks:
        for fit_kind, fit_reason in playbook.fits:
            if fit_kind != kind:
                continue
            if fit_reason == (reason or "deadline_missed") and exact is None:
                exact = playbook
            elif fit_reason == ANY_REASON and fallback is None:
                fallback = playbook
    chosen = exact or fallback
    if chosen is None:
        return None
    text = chosen.next_step.get(language) or chosen.next_step.get("en") or chosen.title
    first = chosen.promises[0]
    if first.due_in_business_days is not None:
        days = first.due_in_business_days
        unit = (
            ("jour ouvré" if days == 1 else "jours ouvrés")
            if language == "fr"
            else ("business day" if days == 1 else "business days")
        )
        due_in = f"{days} {unit}"
    else:
        due_in = f"{first.due_in_hours} h"
    return NextStep(chosen.name, text, due_in)


def stuck_since(verdict: str, reason: str | None, due_at: datetime, verdict_at: datetime | None) -> datetime:
    """When it broke (the verdict) or, for a promise merely overdue, when its deadline passed."""
    if verdict == "broken" and verdict_at is not None and reason != "deadline_missed":
        return verdict_at
    return due_at


def case_title(author: str | None, customer_ref: str | None, order_ref: str | None, reference: str | None) -> str:
    """ "@tgouritin · order 4471 · 1Z999": who complained and what about, never an id of ours."""
    who = author or customer_ref or "customer"
    parts = [who]
    if order_ref:
        parts.append(f"order {order_ref}")
    if reference and reference != order_ref:
        parts.append(reference)
    return " · ".join(parts)


def _join(*values: Any) -> str | None:
    text = ", ".join(str(v) for v in values if v not in (None, ""))
    return text or None


def expected_view(kind: str, expect: Mapping[str, Any]) -> dict[str, str]:
    """What was promised, by field: place, recipient, amount (only those the promise names)."""
    out = {}
    place = _join(
        expect.get("location") or expect.get("address"),
        expect.get("pickup_point_id"),
        expect.get("postal_code"),
        expect.get("country"),
    )
    if place:
        out["place"] = place
    if expect.get("recipient"):
        out["recipient"] = str(expect["recipient"])
    if expect.get("amount"):
        out["amount"] = f"{expect['amount']} {expect.get('currency') or ''}".strip()
    return out


def observed_view(evidence: Mapping[str, Any] | None, last_update: Mapping[str, Any] | None) -> dict[str, str]:
    """What the field said: the contradicting evidence when there is one, else the last known
    status, with the carrier's place, the signer or the amount and when (RFC 3339)."""
    seen = evidence or last_update
    if not seen:
        return {}
    out = {"status": str(seen.get("status")), "at": str(seen.get("occurred_at"))}
    if seen.get("partner"):
        out["partner"] = str(seen["partner"])
    place = _join(
        *dict.fromkeys(seen.get(k) for k in ("address", "location", "pickup_point_id", "postal_code", "city", "country"))
    )
    if place:
        out["place"] = place
    person = seen.get("signed_by") or seen.get("handed_to")
    if person:
        out["recipient"] = str(person)
    if seen.get("amount"):
        out["amount"] = f"{seen['amount']} {seen.get('currency') or ''}".strip()
    if seen.get("carrier_code"):
        out["carrier_code"] = str(seen["carrier_code"])
    return out


def merge_alert(previous: dict[str, Any] | None, entry: TimelineEntry) -> dict[str, Any]:
    """An alert's timeline detail after one more attempt: the latest outcome on top, every
    attempt (when, outcome, error) listed under `attempts`."""
    attempt = {
        "attempt": entry.detail.get("attempt"),
        "at": entry.at.isoformat(),
        "outcome": entry.detail.get("outcome"),
        **({"error": entry.detail["error"]} if entry.detail.get("error") else {}),
    }
    attempts = [*((previous or {}).get("attempts") or []), attempt]
    return {**entry.detail, "attempts": attempts}
