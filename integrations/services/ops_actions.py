"""Use cases of the ops views: take or assign a case, acknowledge or snooze a stuck promise, add
a note, re-send a partner request, record the new promise the playbook suggests. Each one is on
the case timeline under the person's name."""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Iterable

from domain import values
from domain.errors import AlreadyAnswered, CaseClosed, InvalidInput, UnknownCase, UnknownPromise
from domain.model import Case, CaseStatus, EntryType, Promise, TimelineEntry
from domain.ops import next_step
from domain.playbooks import Playbook, expand
from integrations.services.clock import Clock, utc_now
from integrations.services.ports import UnitOfWork
from integrations.services.promises import PromiseSpec, RecordedPromise, record_promises

NOTE_MAX = 5000


def _open_case(uow: UnitOfWork, case_id: str) -> Case:
    case = uow.cases.lock([case_id]).get(case_id)
    if case is None:
        raise UnknownCase(f"no case {case_id}", {"case_id": case_id})
    if case.status is CaseStatus.CLOSED:
        raise CaseClosed(f"case {case_id} is closed", {"case_id": case_id})
    return case


def _promise(uow: UnitOfWork, promise_id: str) -> Promise:
    promise = uow.promises.get(promise_id)
    if promise is None:
        raise UnknownPromise(f"no promise {promise_id}", {"promise_id": promise_id})
    return promise


def assign_case(
    uow_factory: Callable[[], UnitOfWork], case_id: str, owner: str | None, actor: str, clock: Clock = utc_now
) -> Case:
    """Give the case to a person known to Terrain (an agent or ops key's name), or to nobody."""
    now = clock()
    with uow_factory() as uow:
        case = _open_case(uow, case_id)
        if owner is not None:
            person = uow.people.person(owner)
            if person is None:
                raise InvalidInput(f"nobody called {owner!r} can take cases (an agent or ops key's name)", {"owner": owner})
            owner = person.name
        if case.owner != owner:
            uow.cases.assign(case_id, owner, now)
            uow.timeline.append(
                [TimelineEntry(case_id, now, EntryType.OWNER, actor, {"owner": owner, "previous_owner": case.owner})]
            )
            case.owner = owner
        uow.commit()
        return case


def acknowledge_promise(
    uow_factory: Callable[[], UnitOfWork],
    promise_id: str,
    note: str | None,
    snooze_until: datetime | None,
    actor: str,
    clock: Clock = utc_now,
) -> Promise:
    """Say the stuck promise is being looked at, with a note; snoozed, it leaves the stuck list
    until `snooze_until`. Without a snooze, a running snooze is left as it is."""
    now = clock()
    text = values.text(note, "note", max_len=NOTE_MAX)
    if snooze_until is not None:
        snooze_until = values.aware(snooze_until, "snooze_until")
        if snooze_until <= now:
            raise InvalidInput("snooze_until must be in the future", {"snooze_until": snooze_until.isoformat()})
    with uow_factory() as uow:
        promise = _promise(uow, promise_id)
        _open_case(uow, promise.case_id)
        uow.promises.acknowledge(promise_id, actor, now, snooze_until, keep_snooze=snooze_until is None)
        detail = {"promise_id": promise_id, "note": text, "snoozed_until": snooze_until.isoformat() if snooze_until else None}
        uow.timeline.append(
            [
                TimelineEntry(
                    promise.case_id, now, EntryType.ACKNOWLEDGED, actor, {k: v for k, v in detail.items() if v is not None}
                )
            ]
        )
        uow.commit()
    if snooze_until is not None:
        promise.snoozed_until = snooze_until
    return promise


def unsnooze_promise(uow_factory: Callable[[], UnitOfWork], promise_id: str, actor: str, clock: Clock = utc_now) -> Promise:
    """Back on the stuck list now."""
    now = clock()
    with uow_factory() as uow:
        promise = _promise(uow, promise_id)
        _open_case(uow, promise.case_id)
        uow.promises.acknowledge(promise_id, actor, now, None)
        uow.timeline.append(
            [TimelineEntry(promise.case_id, now, EntryType.ACKNOWLEDGED, actor, {"promise_id": promise_id, "unsnoozed": True})]
        )
        uow.commit()
    promise.snoozed_until = None
    return promise


def add_note(uow_factory: Callable[[], UnitOfWork], case_id: str, text: str, actor: str, clock: Clock = utc_now) -> TimelineEntry:
    note = values.text(text, "text", required=True, max_len=NOTE_MAX)
    now = clock()
    with uow_factory() as uow:
        if uow.cases.get(case_id) is None:
            raise UnknownCase(f"no case {case_id}", {"case_id": case_id})
        entry = TimelineEntry(case_id, now, EntryType.NOTE, actor, {"text": note})
        uow.timeline.append([entry])
        uow.commit()
    return entry


def resend_request(uow_factory: Callable[[], UnitOfWork], promise_id: str, actor: str, clock: Clock = utc_now) -> Promise:
    """Queue the promise's partner request again, to be sent at once by the partner-request
    worker (same idempotency key: a partner that got it already answers as before)."""
    now = clock()
    with uow_factory() as uow:
        promise = _promise(uow, promise_id)
        _open_case(uow, promise.case_id)
        uow.outbound.requeue(promise, now)
        uow.timeline.append(
            [
                TimelineEntry(
                    promise.case_id, now, EntryType.OUTBOUND_REQUEST, actor, {"promise_id": promise_id, "outcome": "requeued"}
                )
            ]
        )
        uow.commit()
    return promise


def record_next_step(
    uow_factory: Callable[[], UnitOfWork], promise_id: str, playbooks: Iterable[Playbook], actor: str, clock: Clock = utc_now
) -> list[RecordedPromise]:
    """The new promise the playbook fitting the stuck promise's kind and reason suggests, due
    from now, for the same partner, reference and expectations (place, recipient, amount)."""
    books = list(playbooks)
    with uow_factory() as uow:
        promise = _promise(uow, promise_id)
    if promise.addressed:  # a second click, or someone else answered it meanwhile
        raise AlreadyAnswered("a newer promise already answers this one", {"promise_id": promise_id})
    reason = promise.outcome.reason.value if promise.outcome.reason else None
    step = next_step(promise.kind.value, reason, books)
    if step is None:
        raise InvalidInput(
            f"no playbook says what to do for {promise.kind.value} / {reason}", {"kind": promise.kind.value, "reason": reason}
        )
    playbook = next(b for b in books if b.name == step.playbook)
    specs = [
        PromiseSpec(**spec, replaces=promise.promise_id)
        for spec in expand(playbook, promise.partner, promise.reference, clock(), promise.expect)
    ]
    return record_promises(uow_factory, promise.case_id, specs, actor, clock)
