"""The seed stories (../shared/seeds), narrated at the service level on a real database."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from integrations.db import tables
from integrations.services.cases import close_case, read_case
from integrations.services.ingest import ItemResult, ingest_updates
from integrations.services.intake import open_complaint
from integrations.services.promises import record_promises
from integrations.services.sweep import sweep_deadlines
from tests.builders import complaint, hours, spec, update

AGENT = "agent:cm"


def outbox_keys(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(tables.outbox.c.key).order_by(tables.outbox.c.id)).scalars())


def timeline_types(view) -> list[str]:
    return [e.type.value for e in view.timeline]


def test_la_poste_reroute_left_at_sorting_centre_past_24h(uow, db, clock):
    """@lisalaposte promised a reroute to the chosen post office within 24 h; a week later the
    parcel is still at the sorting centre. The sweep breaks the promise and reopens the case."""
    t0 = clock.now
    case = open_complaint(
        uow,
        complaint("Mon colis est au centre de tri, jamais ouvert !", t0, author="@tgouritin", order_ref="vinyl-texas"),
        AGENT,
        clock,
    )
    assert case.created and case.status.value == "open"
    [promise] = record_promises(
        uow,
        case.case_id,
        [
            spec(
                "parcel.reroute",
                "laposte",
                "6A123",
                t0 + hours(24),
                said="vous pouvez demander à rapatrier votre colis au bureau de votre choix dans les 24h",
                location="Bureau de poste Lille Vauban",
            )
        ],
        AGENT,
        clock,
    )
    assert promise.verdict.value == "pending"
    clock.advance(hours=2)
    results = ingest_updates(
        uow, [update("laposte", "6A123", "in_transit", clock.now, location="Centre de tri Lille Lesquin")], clock
    )
    assert results == [ItemResult.MATCHED]
    assert read_case(uow, case.case_id).case.status.value == "in_progress"

    clock.advance(hours=23)  # 25 h after the promise: deadline passed
    report = sweep_deadlines(uow, clock)
    assert report.promises_broken == 1 and report.cases_reopened == 1
    view = read_case(uow, case.case_id)
    assert view.case.status.value == "reopened" and view.case.reopen_count == 1
    assert view.promises[0].outcome.reason.value == "deadline_missed"
    assert outbox_keys(db) == [f"{promise.promise_id}:broken"]
    # A second sweep finds nothing more to do and queues nothing twice.
    assert sweep_deadlines(uow, clock).cases_checked == 0
    assert len(outbox_keys(db)) == 1
    # The parcel finally reaches the office the next Saturday: kept, but late.
    clock.advance(days=6)
    ingest_updates(
        uow, [update("laposte", "6A123", "available_for_pickup", clock.now, location="Lille Vauban bureau de poste")], clock
    )
    view = read_case(uow, case.case_id)
    p = view.promises[0]
    assert (p.outcome.verdict.value, p.outcome.reason.value) == ("broken", "deadline_missed")
    assert p.outcome.fulfilled_at == clock.now
    assert view.case.status.value == "resolved"  # kept late: nothing left unaddressed
    assert timeline_types(view).count("field_update") == 2


def test_ups_delivered_signed_by_roland_at_the_wrong_address(uow, db, clock):
    """UPS promised delivery the next day at the new address; the driver left the parcel at
    another address, signed by "ROLAND". The contradiction reopens the case at once."""
    t0 = clock.now
    case = open_complaint(
        uow, complaint("Le livreur a oublié de déposer le colis au point relais", t0, author="@tgouritin"), AGENT, clock
    )
    [promise] = record_promises(
        uow,
        case.case_id,
        [
            spec(
                "parcel.deliver",
                "ups",
                "1Z999AA10123456784",
                t0 + hours(36),
                said="livraison dès le lendemain",
                address="12 rue Nationale, 59000 Lille",
                recipient="Thomas Gouritin",
            )
        ],
        AGENT,
        clock,
    )
    clock.advance(hours=26)
    ingest_updates(
        uow,
        [
            update(
                "ups",
                "1Z999AA10123456784",
                "delivered",
                clock.now,
                address="45 avenue de Dunkerque, 59160 Lomme",
                signed_by="ROLAND",
            )
        ],
        clock,
    )
    view = read_case(uow, case.case_id)
    outcome = view.promises[0].outcome
    assert (outcome.verdict.value, outcome.reason.value) == ("broken", "wrong_location")
    assert outcome.evidence.signed_by == "ROLAND"
    assert view.case.status.value == "reopened"
    [status_entry] = [e for e in view.timeline if e.type.value == "status" and e.detail["to"] == "reopened"]
    assert status_entry.detail["reason"] == "wrong_location"
    assert status_entry.detail["evidence"][0]["evidence"]["signed_by"] == "ROLAND"
    assert outbox_keys(db) == [f"{promise.promise_id}:broken"]


def test_private_outlet_two_lost_parcels_then_a_late_short_refund(uow, db, clock):
    """Private Outlet: the order never arrives, the replacement is lost too, and the refund
    comes weeks late and short of the amount promised."""
    t0 = clock.now
    case = open_complaint(
        uow, complaint("Commande du 14 décembre jamais reçue", t0, channel="facebook", order_ref="PO-1412"), AGENT, clock
    )
    [first] = record_promises(
        uow,
        case.case_id,
        [spec("parcel.deliver", "colissimo", "PO-PARCEL-1", t0 + hours(72), recipient="Arnaud R")],
        AGENT,
        clock,
    )
    clock.advance(hours=48)
    ingest_updates(uow, [update("colissimo", "PO-PARCEL-1", "lost", clock.now)], clock)
    assert read_case(uow, case.case_id).case.status.value == "reopened"

    [second] = record_promises(
        uow,
        case.case_id,
        [spec("parcel.deliver", "colissimo", "PO-PARCEL-2", clock.now + hours(72), recipient="Arnaud R")],
        AGENT,
        clock,
    )
    assert read_case(uow, case.case_id).case.status.value == "in_progress"  # addressed
    clock.advance(hours=60)
    ingest_updates(uow, [update("colissimo", "PO-PARCEL-2", "returned_to_sender", clock.now)], clock)
    view = read_case(uow, case.case_id)
    assert view.case.status.value == "reopened" and view.case.reopen_count == 2
    assert {p.outcome.reason.value for p in view.promises} == {"parcel_failed"}

    [refund] = record_promises(
        uow,
        case.case_id,
        [spec("refund.issue", "stripe", "ch_PO1412", clock.now + hours(5 * 24), amount="89.90", currency="EUR")],
        AGENT,
        clock,
    )
    clock.advance(days=6)
    assert sweep_deadlines(uow, clock).promises_broken == 1
    clock.advance(days=14)
    ingest_updates(uow, [update("stripe", "ch_PO1412", "refund_succeeded", clock.now, amount="59.90", currency="eur")], clock)
    view = read_case(uow, case.case_id)
    refund_outcome = next(p for p in view.promises if p.promise_id == refund.promise_id).outcome
    assert (refund_outcome.verdict.value, refund_outcome.reason.value) == ("broken", "amount_short")
    assert refund_outcome.evidence.amount == Decimal("59.90")
    assert view.case.status.value == "reopened" and view.case.reopen_count == 3
    keys = outbox_keys(db)
    # lost, returned, deadline: one alert each; "short" is the same broken refund with a new reason,
    # on the timeline but not alerted twice
    assert len(keys) == len(set(keys)) == 3


def test_userfly_refund_confirmed(uow, db, clock):
    """Userfly: the customer cancelled in time, tweeted, and the refund came through."""
    t0 = clock.now
    case = open_complaint(
        uow, complaint("J'ai résilié à temps, ni facture ni remboursement", t0, customer_ref="yrahoui"), AGENT, clock
    )
    [refund] = record_promises(
        uow,
        case.case_id,
        [spec("refund.issue", "stripe", "ch_userfly", t0 + hours(24), amount="19.00", currency="USD")],
        AGENT,
        clock,
    )
    clock.advance(hours=3)
    results = ingest_updates(
        uow,
        [
            update("stripe", "ch_userfly", "refund_pending", clock.now - hours(1), amount="19.00", currency="USD"),
            update("stripe", "ch_userfly", "refund_succeeded", clock.now, amount="19.00", currency="usd"),
        ],
        clock,
    )
    assert results == [ItemResult.MATCHED, ItemResult.MATCHED]
    view = read_case(uow, case.case_id)
    assert view.promises[0].outcome.verdict.value == "kept"
    assert view.case.status.value == "resolved"
    assert outbox_keys(db) == []


def test_fnac_in_store_replacement_refused_then_done(uow, db, clock):
    """FNAC des Ternes: the exchange is refused in store, the community managers step in,
    and the store finally hands over a replacement before the deadline."""
    t0 = clock.now
    case = open_complaint(
        uow,
        complaint("Ordinateur neuf endommagé, vendeur malpoli, échange refusé", t0, channel="facebook", author="Claire Maoui"),
        AGENT,
        clock,
    )
    [replace] = record_promises(
        uow,
        case.case_id,
        [spec("item.replace", "fnac-ternes", "FNAC-TERNES-0528", t0 + hours(48), location="FNAC Ternes")],
        AGENT,
        clock,
    )
    clock.advance(hours=2)
    ingest_updates(
        uow, [update("fnac-ternes", "FNAC-TERNES-0528", "failed", clock.now, detail="échange refusé en magasin")], clock
    )
    view = read_case(uow, case.case_id)
    assert view.promises[0].outcome.reason.value == "partner_failed"
    assert view.case.status.value == "reopened"
    clock.advance(hours=20)
    ingest_updates(uow, [update("fnac-ternes", "FNAC-TERNES-0528", "done", clock.now)], clock)
    view = read_case(uow, case.case_id)
    assert view.promises[0].outcome.verdict.value == "kept"
    assert view.case.status.value == "resolved" and view.case.reopen_count == 1
    assert outbox_keys(db) == [f"{replace.promise_id}:broken"]


def test_mortons_promise_kept_within_three_hours(uow, db, clock):
    """Morton's: a tweet at the airport, a promise to be there on landing, kept within 3 h."""
    t0 = clock.now
    case = open_complaint(
        uow, complaint("Can you meet me at Newark with a porterhouse?", t0, author="@petershankman"), AGENT, clock
    )
    record_promises(uow, case.case_id, [spec("callback", "mortons-hackensack", "NWK-ARRIVAL", t0 + hours(3))], AGENT, clock)
    clock.advance(hours=2, minutes=30)
    ingest_updates(uow, [update("mortons-hackensack", "NWK-ARRIVAL", "done", clock.now)], clock)
    assert read_case(uow, case.case_id).promises[0].outcome.verdict.value == "kept"
    clock.advance(hours=1)
    assert sweep_deadlines(uow, clock).cases_checked == 0
    assert read_case(uow, case.case_id).case.status.value == "resolved"
    closed = close_case(uow, case.case_id, AGENT, clock)
    assert closed.status.value == "closed"
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.timeline)).scalar() >= 5
