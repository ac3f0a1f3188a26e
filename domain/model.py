"""Terrain's vocabulary: complaints, cases, promises, field updates and verdicts.

Plain dataclasses, free of any persistence concern; adapters map rows to and from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Mapping, Sequence

from domain import values
from domain.errors import DueBeforeSaid, InvalidInput, UnknownPromiseKind, UnknownStatus


class PromiseKind(StrEnum):
    PARCEL_REROUTE = "parcel.reroute"
    PARCEL_DELIVER = "parcel.deliver"
    REFUND_ISSUE = "refund.issue"
    ITEM_REPLACE = "item.replace"
    CALLBACK = "callback"


class Verdict(StrEnum):
    PENDING = "pending"
    KEPT = "kept"
    BROKEN = "broken"


class Reason(StrEnum):
    DEADLINE_MISSED = "deadline_missed"
    WRONG_LOCATION = "wrong_location"
    WRONG_RECIPIENT = "wrong_recipient"
    PARCEL_FAILED = "parcel_failed"
    REFUND_FAILED = "refund_failed"
    AMOUNT_SHORT = "amount_short"
    PARTNER_FAILED = "partner_failed"


class CaseStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    REOPENED = "reopened"
    RESOLVED = "resolved"
    CLOSED = "closed"


PARCEL_STATUSES = frozenset(
    {
        "pre_transit",
        "in_transit",
        "out_for_delivery",
        "available_for_pickup",
        "delivered",
        "attempt_failed",
        "exception",
        "returned_to_sender",
        "lost",
        # v1.1: what real carriers say and v1 could not
        "held_at_depot",
        "customs_hold",
        "damaged",
        "refused",
        "address_issue",
    }
)
REFUND_STATUSES = frozenset(
    {
        "refund_pending",
        "refund_succeeded",
        "refund_failed",
        "refund_canceled",
        "refund_reversed",
    }
)
STEP_STATUSES = frozenset({"in_progress", "done", "failed"})
STATUSES = PARCEL_STATUSES | REFUND_STATUSES | STEP_STATUSES


class HandedTo(StrEnum):
    """To whom a carrier says it handed the parcel (v1.1)."""

    ADDRESSEE = "addressee"
    NEIGHBOUR = "neighbour"
    SAFE_PLACE = "safe_place"
    PICKUP_POINT = "pickup_point"
    MAILBOX = "mailbox"
    RECEPTION = "reception"
    OTHER = "other"


HANDED_TO = frozenset(h.value for h in HandedTo)


def parse_kind(kind: str) -> PromiseKind:
    try:
        return PromiseKind(kind)
    except ValueError:
        raise UnknownPromiseKind(
            f"unknown promise kind {kind!r}",
            {"kind": kind, "allowed": [k.value for k in PromiseKind]},
        ) from None


# Optional text fields of an update, as quoted in evidence (amount and handoff are added apart).
EVIDENCE_TEXT_FIELDS = (
    "location",
    "address",
    "signed_by",
    "currency",
    "detail",
    "postal_code",
    "city",
    "country",
    "pickup_point_id",
    "handed_to",
    "carrier_code",
)


@dataclass(frozen=True, slots=True)
class FieldUpdate:
    """What a partner reports from the field, normalised. `(partner, event_id)` is unique."""

    partner: str
    event_id: str
    reference: str
    status: str
    occurred_at: datetime
    location: str | None = None
    address: str | None = None
    signed_by: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    detail: str | None = None
    # v1.1 (all optional): place evidence, to whom it was handed, the carrier's own event code,
    # and a handoff ("our part is done; it continues with this partner's reference").
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    pickup_point_id: str | None = None
    handed_to: str | None = None
    carrier_code: str | None = None
    handoff_partner: str | None = None
    handoff_reference: str | None = None

    @property
    def order_key(self) -> tuple[datetime, str]:
        """Updates are applied in occurred_at order, then event_id, whatever the arrival order."""
        return (self.occurred_at, self.event_id)

    @classmethod
    def create(cls, partner: str, data: Mapping[str, Any]) -> FieldUpdate:
        """Validate raw input; raises a typed error and builds nothing when it is bad."""
        status = data.get("status")
        if status not in STATUSES:
            raise UnknownStatus(f"unknown status {status!r}", {"status": status, "allowed": sorted(STATUSES)})
        occurred_at = data.get("occurred_at")
        if not isinstance(occurred_at, datetime):
            raise InvalidInput("occurred_at must be an RFC 3339 timestamp", {"field": "occurred_at"})
        detail = data.get("detail")
        handoff = data.get("handoff")
        if handoff is not None and not isinstance(handoff, Mapping):
            raise InvalidInput("handoff must be an object {partner, reference}", {"field": "handoff"})
        handoff_partner = values.text((handoff or {}).get("partner"), "handoff.partner", max_len=200)
        handoff_reference = values.text((handoff or {}).get("reference"), "handoff.reference", max_len=200)
        if (handoff_partner is None) != (handoff_reference is None):
            raise InvalidInput("handoff needs both partner and reference", {"field": "handoff"})
        return cls(
            partner=values.text(partner, "partner", required=True, max_len=200) or "",
            event_id=values.text(data.get("event_id"), "event_id", required=True, max_len=200) or "",
            reference=values.text(data.get("reference"), "reference", required=True, max_len=200) or "",
            status=status,
            occurred_at=values.aware(occurred_at, "occurred_at"),
            location=values.text(data.get("location"), "location", max_len=500),
            address=values.text(data.get("address"), "address", max_len=500),
            signed_by=values.text(data.get("signed_by"), "signed_by", max_len=200),
            amount=values.amount(data.get("amount")),
            currency=values.currency(data.get("currency")),
            detail=values.text(detail if detail is None or isinstance(detail, str) else str(detail), "detail", max_len=2000),
            postal_code=values.text(data.get("postal_code"), "postal_code", max_len=20),
            city=values.text(data.get("city"), "city", max_len=200),
            country=values.country(data.get("country")),
            pickup_point_id=values.text(data.get("pickup_point_id"), "pickup_point_id", max_len=100),
            handed_to=values.one_of(data.get("handed_to"), HANDED_TO, "handed_to"),
            carrier_code=values.text(data.get("carrier_code"), "carrier_code", max_len=50),
            handoff_partner=handoff_partner,
            handoff_reference=handoff_reference,
        )

    def evidence(self) -> dict[str, Any]:
        """The update as it is quoted on a timeline or in an alert."""
        out: dict[str, Any] = {
            "event_id": self.event_id,
            "partner": self.partner,
            "reference": self.reference,
            "status": self.status,
            "occurred_at": self.occurred_at.isoformat(),
        }
        for key in EVIDENCE_TEXT_FIELDS:
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.amount is not None:
            out["amount"] = str(self.amount)
        if self.handoff_partner is not None:
            out["handoff"] = {"partner": self.handoff_partner, "reference": self.handoff_reference}
        return out


@dataclass(frozen=True, slots=True)
class AtRisk:
    """An early warning on a pending promise: a worrying status, or the carrier's silence."""

    cause: str  # the update's status ("attempt_failed", "customs_hold"…) or "silence"
    since: datetime
    evidence: FieldUpdate | None = None

    def detail(self) -> dict[str, Any]:
        return {
            "cause": self.cause,
            "since": self.since.isoformat(),
            "evidence": self.evidence.evidence() if self.evidence else None,
        }


@dataclass(frozen=True, slots=True)
class Outcome:
    """A promise's verdict, as decided by the rules from the field updates and the clock."""

    verdict: Verdict = Verdict.PENDING
    reason: Reason | None = None
    fulfilled_at: datetime | None = None
    evidence: FieldUpdate | None = None
    # Kept, but the keeping update could not confirm these ("place", "recipient"): ops check them.
    unverified: tuple[str, ...] = ()
    at_risk: AtRisk | None = None

    @property
    def unaddressed_break(self) -> bool:
        """Broken and not kept late: something an agent must answer."""
        return self.verdict is Verdict.BROKEN and self.fulfilled_at is None


@dataclass(frozen=True, slots=True)
class PlannedStep:
    """A later step of a playbook's plan: who carries it (a role, "carrier"…), its kind and its
    deadline counted from when the promise was made."""

    role: str
    kind: PromiseKind
    due_in_hours: float

    def detail(self) -> dict[str, Any]:
        return {"role": self.role, "kind": self.kind.value, "due_in_hours": self.due_in_hours}


@dataclass(slots=True)
class Promise:
    promise_id: str
    case_id: str
    kind: PromiseKind
    partner: str
    reference: str
    due_at: datetime
    expect: dict[str, str]
    said: str | None = None
    created_at: datetime | None = None
    outcome: Outcome = field(default_factory=Outcome)
    # A broken promise is addressed once a newer promise is recorded on its case.
    addressed: bool = False
    # End-to-end steps: a follow-on step (created by a handoff) names the promise it carries on;
    # a promise made from a playbook plan holds the steps still to come.
    parent_id: str | None = None
    plan: tuple[PlannedStep, ...] = ()
    # Ops: a stuck promise acknowledged and hidden from the stuck list until this time.
    snoozed_until: datetime | None = None
    # The stuck promise this one answers (the playbook's next step): what the field said before
    # it was made was about that one, so it is judged only on what the field says after.
    replaces: str | None = None

    @property
    def root_id(self) -> str:
        return self.parent_id or self.promise_id

    @classmethod
    def create(
        cls,
        *,
        promise_id: str,
        case_id: str,
        kind: str,
        partner: str,
        reference: str,
        due_at: datetime,
        expect: Mapping[str, Any] | None,
        said: str | None,
        created_at: datetime,
        plan: Sequence[PlannedStep] = (),
        replaces: str | None = None,
    ) -> Promise:
        from domain.kinds import validate_expect  # the kinds' modules import this one

        parsed = parse_kind(kind)
        due = values.aware(due_at, "due_at")
        if due < created_at:
            raise DueBeforeSaid(
                "due_at is before the promise was made", {"due_at": due.isoformat(), "said_at": created_at.isoformat()}
            )
        return cls(
            promise_id=promise_id,
            case_id=case_id,
            kind=parsed,
            partner=values.text(partner, "partner", required=True, max_len=200) or "",
            reference=values.text(reference, "reference", required=True, max_len=200) or "",
            due_at=due,
            expect=validate_expect(parsed, expect),
            said=values.text(said, "said", max_len=5000),
            created_at=created_at,
            plan=tuple(plan),
            replaces=replaces,
        )


@dataclass(frozen=True, slots=True)
class Complaint:
    channel: str
    external_id: str
    author: str
    text: str
    posted_at: datetime
    customer_ref: str | None = None
    order_ref: str | None = None
    tracking_numbers: tuple[str, ...] = ()

    @classmethod
    def create(cls, data: Mapping[str, Any]) -> Complaint:
        posted_at = data.get("posted_at")
        if not isinstance(posted_at, datetime):
            raise InvalidInput("posted_at must be an RFC 3339 timestamp", {"field": "posted_at"})
        numbers = data.get("tracking_numbers") or []
        if not isinstance(numbers, (list, tuple)) or not all(isinstance(n, str) for n in numbers):
            raise InvalidInput("tracking_numbers must be a list of strings", {"field": "tracking_numbers"})
        return cls(
            channel=values.text(data.get("channel"), "channel", required=True, max_len=100) or "",
            external_id=values.text(data.get("external_id"), "external_id", required=True, max_len=200) or "",
            author=values.text(data.get("author"), "author", required=True, max_len=200) or "",
            text=values.text(data.get("text"), "text", required=True, max_len=20_000) or "",
            posted_at=values.aware(posted_at, "posted_at"),
            customer_ref=values.text(data.get("customer_ref"), "customer_ref", max_len=200),
            order_ref=values.text(data.get("order_ref"), "order_ref", max_len=200),
            tracking_numbers=tuple(n.strip() for n in numbers if n.strip()),
        )


@dataclass(slots=True)
class Case:
    case_id: str
    status: CaseStatus = CaseStatus.OPEN
    reopen_count: int = 0
    customer_ref: str | None = None
    order_ref: str | None = None
    linked_to: str | None = None
    created_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    status_changed_at: datetime | None = None
    # The customer complained again about a resolved case and no promise answered it yet.
    disputed: bool = False
    # The person who took the case (an agent or ops key's name); None: nobody yet.
    owner: str | None = None


class EntryType(StrEnum):
    COMPLAINT = "complaint"
    REPLY = "reply"
    PROMISE = "promise"
    FIELD_UPDATE = "field_update"
    VERDICT = "verdict"
    AT_RISK = "at_risk"
    STEP = "step"  # a follow-on step created by a handoff
    STATUS = "status"
    OUTBOUND_REQUEST = "outbound_request"
    ALERT = "alert"
    ESCALATION = "escalation"
    SUGGESTION = "suggestion"
    # What people do from the ops views (under their name).
    OWNER = "owner"
    ACKNOWLEDGED = "acknowledged"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of a case's append-only history: what happened, who did it, the evidence."""

    case_id: str
    at: datetime
    type: EntryType
    actor: str
    detail: dict[str, Any]


class SuggestionState(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A promise the extraction was not sure a reply made: the community manager confirms
    (perhaps correcting it) or dismisses it. `partner`/`reference` are the case's defaults."""

    suggestion_id: str
    case_id: str
    kind: str
    due_at: datetime
    said_at: datetime
    confidence: float
    evidence: str
    expect: dict[str, str] = field(default_factory=dict)
    partner: str | None = None
    reference: str | None = None
    state: SuggestionState = SuggestionState.OPEN
    created_at: datetime | None = None
    settled_at: datetime | None = None
    settled_by: str | None = None
    promise_id: str | None = None


@dataclass(frozen=True, slots=True)
class Alert:
    """An alert to deliver to the community managers; `key` makes it at-most-once queued."""

    key: str
    case_id: str
    promise_id: str | None
    kind: str
    payload: dict[str, Any]
