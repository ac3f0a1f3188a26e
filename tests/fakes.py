"""In-memory implementations of the service-layer ports, for fast unit tests of the use cases."""

from __future__ import annotations

import copy
import dataclasses
from collections import defaultdict

from domain.model import SuggestionState
from domain.ops import merge_alert
from domain.verdicts import silence_check_at
from integrations.services import ports


class FakeStore:
    """What a database would hold; a FakeUnitOfWork copies it in and commits it back."""

    def __init__(self) -> None:
        self.cases: dict = {}
        self.complaints: dict = {}  # (channel, external_id) -> (case_id, complaint)
        self.promises: dict = {}
        self.risk_check_at: dict = {}  # promise_id -> when its silence check is due
        self.updates: dict = {}  # (partner, event_id) -> update
        self.timeline: list = []
        self.outbox: dict = {}
        self.outbound: dict = {}
        self.queue: dict = {}  # (queue name, item id) -> state, attempts, next_attempt_at
        self.partners: dict = {}  # name -> ports.PartnerEndpoint
        self.suggestions: dict = {}  # suggestion_id -> Suggestion
        self.received_at: dict = {}  # (partner, event_id) -> when it was stored
        self.locked_refs: list = []  # the references each lock_references call took, sorted
        self.locked_shared: list = []  # those of them it took shared
        self.acknowledged: dict = {}  # promise_id -> (by, at)
        self.people: dict = {}  # name -> ports.Person
        self.commits = 0


class FakeCases(ports.CaseRepository):
    def __init__(self, s):
        self.s = s

    def add(self, case):
        self.s.cases[case.case_id] = case

    def get(self, case_id):
        return self.s.cases.get(case_id)

    def lock(self, case_ids):
        return {i: self.s.cases[i] for i in sorted(set(case_ids)) if i in self.s.cases}

    def save(self, cases):
        for case in cases:
            self.s.cases[case.case_id] = case

    def latest_by_refs(self, customer_ref, order_ref):
        found = [
            c
            for c in self.s.cases.values()
            if (customer_ref and c.customer_ref == customer_ref) or (order_ref and c.order_ref == order_ref)
        ]
        found.sort(key=lambda c: (c.status.value != "closed", c.created_at))
        return found[-1] if found else None

    def lock_resolved_before(self, before, limit):
        return [c for c in self.s.cases.values() if c.status.value == "resolved" and c.resolved_at and c.resolved_at < before][
            :limit
        ]

    def assign(self, case_id, owner, at):
        self.s.cases[case_id] = dataclasses.replace(self.s.cases[case_id], owner=owner)

    def reopened_to_escalate(self, now, older_than, reopen_count, limit=200):
        return [
            c
            for c in self.s.cases.values()
            if c.status.value == "reopened"
            and (c.reopen_count >= reopen_count or (c.status_changed_at and c.status_changed_at <= now - older_than))
        ][:limit]


class FakeComplaints(ports.ComplaintRepository):
    def __init__(self, s):
        self.s = s

    def case_id_for(self, channel, external_id):
        hit = self.s.complaints.get((channel, external_id))
        return hit[0] if hit else None

    def add(self, case_id, complaint, received_at):
        key = (complaint.channel, complaint.external_id)
        if key in self.s.complaints:
            return False
        self.s.complaints[key] = (case_id, complaint)
        return True

    def for_case(self, case_id):
        return [c for cid, c in self.s.complaints.values() if cid == case_id]


class FakePromises(ports.PromiseRepository):
    def __init__(self, s):
        self.s = s

    def add(self, promise):
        self.s.promises[promise.promise_id] = promise
        check_at = silence_check_at(promise)
        if check_at is not None:
            self.s.risk_check_at[promise.promise_id] = check_at

    def get(self, promise_id):
        return self.s.promises.get(promise_id)

    def for_references(self, refs):
        refs = set(refs)
        return [
            p
            for p in self.s.promises.values()
            if (p.partner, p.reference) in refs and self.s.cases[p.case_id].status.value != "closed"
        ]

    def for_cases(self, case_ids):
        ids = set(case_ids)
        return [p for p in self.s.promises.values() if p.case_id in ids]

    def mark_addressed(self, case_id):
        for p in self.s.promises.values():
            if p.case_id == case_id:
                p.addressed = True

    def save_outcomes(self, promises, now):
        for p in promises:
            self.s.promises[p.promise_id] = p

    def acknowledge(self, promise_id, by, at, snoozed_until, *, keep_snooze=False):
        self.s.acknowledged[promise_id] = (by, at)
        if not keep_snooze:
            self.s.promises[promise_id].snoozed_until = snoozed_until

    def overdue_case_ids(self, now, limit):
        pending = [p for p in self.s.promises.values() if p.outcome.verdict.value == "pending"]
        due = [p.case_id for p in sorted(pending, key=lambda p: p.due_at) if p.due_at < now]
        checks = [
            p.case_id
            for p in sorted(pending, key=lambda p: self.s.risk_check_at.get(p.promise_id) or now)
            if p.promise_id in self.s.risk_check_at and self.s.risk_check_at[p.promise_id] <= now
        ]
        return list(dict.fromkeys(due + checks))[:limit]

    def risk_checked(self, case_ids, now):
        for p in self.s.promises.values():
            check_at = self.s.risk_check_at.get(p.promise_id)
            if p.case_id in case_ids and check_at is not None and check_at <= now:
                del self.s.risk_check_at[p.promise_id]


class FakeUpdates(ports.UpdateRepository):
    def __init__(self, s):
        self.s = s

    def store(self, updates, received_at, *, lock=(), lock_shared=()):
        if lock or lock_shared:
            self.lock_references(lock, shared=lock_shared)
        open_promises = FakePromises(self.s).for_references({(u.partner, u.reference) for u in updates})
        watched = frozenset((p.partner, p.reference) for p in open_promises)
        return ports.Stored(new=self._add_new(updates, received_at), watched=watched)

    def _add_new(self, updates, received_at):
        out = []
        for u in updates:
            key = (u.partner, u.event_id)
            out.append(key not in self.s.updates)
            self.s.updates.setdefault(key, u)
            self.s.received_at.setdefault(key, received_at)
        return out

    def lock_references(self, refs, *, shared=()):
        self.s.locked_refs.append(sorted(set(refs) | set(shared)))
        self.s.locked_shared.append(sorted(set(shared) - set(refs)))

    def for_references(self, refs):
        refs, out = set(refs), defaultdict(list)
        for u in self.s.updates.values():
            if (u.partner, u.reference) in refs:
                out[(u.partner, u.reference)].append(u)
        return out


class FakeTimeline(ports.TimelineRepository):
    def __init__(self, s):
        self.s = s

    def append(self, entries):
        self.s.timeline.extend(entries)

    def for_case(self, case_id):
        return [e for e in self.s.timeline if e.case_id == case_id]

    def record_alert_attempt(self, entry):
        for index, old in enumerate(self.s.timeline):
            if old.case_id == entry.case_id and old.type == entry.type and old.detail.get("key") == entry.detail.get("key"):
                self.s.timeline[index] = dataclasses.replace(old, detail=merge_alert(old.detail, entry))
                return
        self.s.timeline.append(dataclasses.replace(entry, detail=merge_alert(None, entry)))


class FakeSuggestions(ports.SuggestionRepository):
    def __init__(self, s):
        self.s = s

    def add(self, suggestions):
        for suggestion in suggestions:
            self.s.suggestions[suggestion.suggestion_id] = suggestion

    def get(self, case_id, suggestion_id):
        found = self.s.suggestions.get(suggestion_id)
        return found if found and found.case_id == case_id else None

    def for_case(self, case_id, state=None):
        return [x for x in self.s.suggestions.values() if x.case_id == case_id and (state is None or x.state == state)]

    def settle(self, case_id, suggestion_id, state, at, by, promise_id=None):
        found = self.get(case_id, suggestion_id)
        if found is None or found.state is not SuggestionState.OPEN:
            return False
        self.s.suggestions[suggestion_id] = dataclasses.replace(
            found, state=state, settled_at=at, settled_by=by, promise_id=promise_id
        )
        return True


class FakeWorkQueue:
    """Claims, leases and fencing by attempt number, as integrations/db/outbox_store.py does."""

    name = ""

    def __init__(self, s):
        self.s = s

    def _queue(self, item_id, now):
        self.s.queue[(self.name, item_id)] = {"state": "pending", "attempts": 0, "next_attempt_at": now}

    def _row(self, item_id):
        return self.s.queue[(self.name, item_id)]

    def claim(self, now, limit, lease):
        due = sorted(
            (
                (row["next_attempt_at"], item_id)
                for (name, item_id), row in self.s.queue.items()
                if name == self.name and row["state"] == "pending" and row["next_attempt_at"] <= now
            )
        )[:limit]
        claimed = []
        for _, item_id in due:
            row = self._row(item_id)
            row["attempts"] += 1
            row["next_attempt_at"] = now + lease
            claimed.append({**self._describe(item_id), **row})
        return claimed

    def renew(self, item_id, attempts, until):
        row = self._row(item_id)
        if row["state"] != "pending" or row["attempts"] != attempts:
            return False
        row["next_attempt_at"] = until
        return True

    def finish(self, item_id, *, state, now, attempts, next_attempt_at=None, error=None, response=None):
        row = self._row(item_id)
        if row["state"] != "pending" or row["attempts"] != attempts:
            return False
        row.update(state=state, last_error=error, **({"next_attempt_at": next_attempt_at} if next_attempt_at else {}))
        return True

    def has_due(self, now):
        return any(
            name == self.name and row["state"] == "pending" and row["next_attempt_at"] <= now
            for (name, _), row in self.s.queue.items()
        )


class FakeOutbox(FakeWorkQueue, ports.OutboxRepository):
    name = "outbox"

    def add(self, alerts, now):
        fresh = [a for a in alerts if a.key not in self.s.outbox]
        for a in fresh:
            self.s.outbox[a.key] = a
            self._queue(a.key, now)
        return {a.key for a in fresh}

    def _describe(self, key):
        a = self.s.outbox[key]
        return {"id": key, "key": key, "case_id": a.case_id, "promise_id": a.promise_id, "kind": a.kind, "payload": a.payload}


class FakeOutbound(FakeWorkQueue, ports.OutboundRepository):
    name = "outbound"

    def add(self, promises, now):
        for p in promises:
            if p.promise_id not in self.s.outbound:
                self.s.outbound[p.promise_id] = p
                self._queue(p.promise_id, now)

    def requeue(self, promise, now):
        self.s.outbound[promise.promise_id] = promise
        self._queue(promise.promise_id, now)

    def _describe(self, promise_id):
        p = self.s.outbound[promise_id]
        return {"promise_id": promise_id, "case_id": p.case_id, "partner": p.partner}


class FakePartners(ports.PartnerDirectory):
    def __init__(self, s):
        self.s = s

    def endpoint(self, name):
        return self.s.partners.get(name)


class FakePeople(ports.PeopleDirectory):
    def __init__(self, s):
        self.s = s

    def person(self, name):
        return self.s.people.get(name)


class FakeUnitOfWork(ports.UnitOfWork):
    """Works on a deep copy of the store; commit() publishes it, anything else discards it."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def __enter__(self):
        self._begin()
        return self

    def __exit__(self, *exc):
        pass

    def _begin(self):
        self.work = copy.deepcopy(self.store)
        s = self.work
        self.cases, self.complaints, self.promises = FakeCases(s), FakeComplaints(s), FakePromises(s)
        self.updates, self.timeline = FakeUpdates(s), FakeTimeline(s)
        self.suggestions = FakeSuggestions(s)
        self.outbox, self.outbound, self.partners = FakeOutbox(s), FakeOutbound(s), FakePartners(s)
        self.people = FakePeople(s)

    def commit(self):
        self.work.commits = self.store.commits + 1
        self.store.__dict__.update(copy.deepcopy(self.work).__dict__)

    def rollback(self):
        self._begin()


class FakeCarrierPollStore(ports.CarrierPollStore):
    """Carrier accounts and poll times beside a FakeStore's promises."""

    def __init__(self, s: FakeStore, accounts=()) -> None:
        self.s = s
        self.accounts_by_partner = {a.partner: a for a in accounts}
        self.polls: dict = {}  # (partner, reference) -> (last_polled_at, outcome)
        self.passes: list = []

    def accounts(self, partner=None):
        return [a for p, a in sorted(self.accounts_by_partner.items()) if partner in (None, p)]

    def due_references(self, partner, polled_before, limit):
        due: dict = {}
        for p in self.s.promises.values():
            if p.partner != partner or p.outcome.verdict.value != "pending" or self.s.cases[p.case_id].status.value == "closed":
                continue
            last = self.polls.get((partner, p.reference), (None, None))[0]
            if last is None or last <= polled_before:
                earlier = due.get(p.reference)
                due[p.reference] = (min(earlier[0], p.due_at) if earlier else p.due_at), last
        never = sorted((due_at, ref) for ref, (due_at, last) in due.items() if last is None)
        polled = sorted((last, due_at, ref) for ref, (due_at, last) in due.items() if last is not None)
        return ([ref for _, ref in never] + [ref for *_, ref in polled])[:limit]

    def record_polls(self, partner, outcomes, polled_at):
        for ref, outcome in outcomes.items():
            self.polls[(partner, ref)] = (polled_at, outcome)

    def record_pass(self, partner, at, *, error, new_errors, failures, backoff_until):
        import dataclasses

        self.passes.append(
            {
                "partner": partner,
                "at": at,
                "error": error,
                "new_errors": new_errors,
                "failures": failures,
                "backoff_until": backoff_until,
            }
        )
        account = self.accounts_by_partner[partner]
        self.accounts_by_partner[partner] = dataclasses.replace(
            account, last_pass_at=at, failures=failures, backoff_until=backoff_until
        )


class FakeGateway(ports.CarrierGateway):
    """Answers a carrier request with `answer(request) -> (status, headers, body)`, in memory."""

    def __init__(self, answer) -> None:
        self.answer = answer
        self.requests: list = []

    def send(self, request):
        self.requests.append(request)
        status, headers, body = self.answer(request)
        if status is None:
            raise ports.CarrierUnreachable("connection refused")
        return ports.CarrierReply(status, {k.lower(): v for k, v in headers.items()}, body)
