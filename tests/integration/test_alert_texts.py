"""The alert text as delivered (apprise json:// to a real local HTTP receiver), in English and in
French, for each alert kind: case title, customer's words, "promised … by <local time>" next to
"field: … (partner, place, signer, local time)", the next step and the link; the owner's own
alert target gets it too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.db import credentials
from integrations.db.unit_of_work import uow_factory
from integrations.notify.apprise_notifier import AppriseNotifier
from integrations.services.ingest import ingest_updates
from integrations.services.intake import open_complaint
from integrations.services.ops_actions import assign_case
from integrations.services.outbox import claim_alerts, deliver_alert, queue_escalations
from integrations.services.promises import record_promises
from integrations.settings import Settings
from tests.builders import complaint, spec, update
from tests.integration.receivers import HttpReceiver

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 10:00 in Paris (CET)


class Clock:
    def __init__(self) -> None:
        self.now = AT

    def __call__(self) -> datetime:
        return self.now


def deliver(db, config, kind, now):
    delivered = 0
    for alert in claim_alerts(uow_factory(db), now, limit=100):
        if alert["kind"] == kind:
            assert deliver_alert(uow_factory(db), config, AppriseNotifier(), alert, now) == "sent"
            delivered += 1
    assert delivered == 1


def texts(receiver) -> list[str]:
    return [f"{b['title']}\n{b['message']}" for b in receiver.json_bodies()]


def delivered_to_the_wrong_person(db, clock, owner_url=None):
    uow = uow_factory(db)
    case = open_complaint(
        uow,
        complaint("Le livreur a laissé mon colis à un inconnu !", AT, author="@tgouritin", order_ref="CMD-77"),
        "agent:t",
        clock,
    )
    if owner_url:
        credentials.create_key(db, "agent", None, AT, name="Claire Martin", alert_url=owner_url)
        assign_case(uow, case.case_id, "Claire Martin", "agent:Claire Martin", clock)
    record_promises(
        uow,
        case.case_id,
        [spec("parcel.deliver", "ups", "1Z999", AT + timedelta(days=1), said="livraison demain", recipient="Claire Martin")],
        "agent:t",
        clock,
    )
    clock.now = AT + timedelta(hours=3)
    ingest_updates(
        uow,
        [
            update(
                "ups",
                "1Z999",
                "delivered",
                AT + timedelta(hours=3),
                signed_by="J. PETIT",
                location="Lyon 2e",
                address="3 place Bellecour",
            )
        ],
        clock,
    )
    return case.case_id


EXPECTED_BROKEN = {
    "en": [
        "[Terrain] Promise broken: @tgouritin · order CMD-77 · 1Z999 (wrong recipient)",
        "Owner: Claire Martin",
        "“Le livreur a laissé mon colis à un inconnu !” (@tgouritin, twitter, 2026-03-02 10:00 CET)",
        "Promised: “livraison demain” — recipient Claire Martin by 2026-03-03 10:00 CET (ups 1Z999)",
        "Field: delivered (ups, place 3 place Bellecour, Lyon 2e, signed by J. PETIT, 2026-03-02 13:00 CET)",
        "Next step: Open an investigation with the carrier (who signed, where), call the customer back",
        "Open the case: http://terrain.test/cases/",
    ],
    "fr": [
        "[Terrain] Promesse non tenue: @tgouritin · order CMD-77 · 1Z999 (mauvais destinataire)",
        "Responsable: Claire Martin",
        "“Le livreur a laissé mon colis à un inconnu !” (@tgouritin, twitter, 02/03/2026 10:00 CET)",
        "Promis: “livraison demain” — destinataire Claire Martin pour le 03/03/2026 10:00 CET (ups 1Z999)",
        "Terrain: delivered (ups, lieu 3 place Bellecour, Lyon 2e, signé par J. PETIT, 02/03/2026 13:00 CET)",
        "Prochaine étape: Ouvrir une enquête auprès du transporteur (qui a signé, où)",
        "Ouvrir le dossier: http://terrain.test/cases/",
    ],
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_promise_broken_reaches_the_routes_and_the_owner(db, language):
    with HttpReceiver() as desk, HttpReceiver() as claire:
        config = Settings(
            _env_file=None, alert_urls=f"json://127.0.0.1:{desk.port}/desk", language=language, public_url="http://terrain.test"
        )
        clock = Clock()
        delivered_to_the_wrong_person(db, clock, owner_url=f"json://127.0.0.1:{claire.port}/claire")
        deliver(db, config, "promise_broken", clock.now)
        [text], [same] = texts(desk), texts(claire)
    assert text == same
    for needle in EXPECTED_BROKEN[language]:
        assert needle in text, (needle, text)
    assert "+00:00" not in text and "UTC" not in text


@pytest.mark.parametrize(
    "language, needles",
    [
        (
            "en",
            [
                "[Terrain] Promise at risk: @vinyl · 6A1 (held_at_depot, by 2026-03-03 10:00 CET)",
                "At risk: “au bureau de Lille Vauban sous 24h” by 2026-03-03 10:00 CET — because held_at_depot",
                "Owner: nobody yet: take it",
                "Field: held_at_depot (laposte, place Lesquin PFC, 2026-03-02 12:00 CET)",
                "Next step: Ask the carrier to move the parcel",
            ],
        ),
        (
            "fr",
            [
                "[Terrain] Promesse menacée: @vinyl · 6A1 (held_at_depot, pour le 03/03/2026 10:00 CET)",
                "Menacé: “au bureau de Lille Vauban sous 24h” pour le 03/03/2026 10:00 CET — car held_at_depot",
                "Responsable: personne : à prendre",
                "Terrain: held_at_depot (laposte, lieu Lesquin PFC, 02/03/2026 12:00 CET)",
                "Prochaine étape: Demander au transporteur de rapatrier le colis",
            ],
        ),
    ],
)
def test_promise_at_risk_says_what_is_at_risk_and_by_when(db, language, needles):
    uow, clock = uow_factory(db), Clock()
    case = open_complaint(uow, complaint("Colis bloqué au centre de tri", AT, author="@vinyl"), "agent:t", clock)
    record_promises(
        uow,
        case.case_id,
        [
            spec(
                "parcel.reroute",
                "laposte",
                "6A1",
                AT + timedelta(days=1),
                said="au bureau de Lille Vauban sous 24h",
                location="Lille Vauban",
            )
        ],
        "agent:t",
        clock,
    )
    clock.now = AT + timedelta(hours=3)
    ingest_updates(uow, [update("laposte", "6A1", "held_at_depot", AT + timedelta(hours=2), location="Lesquin PFC")], clock)
    with HttpReceiver() as desk:
        config = Settings(_env_file=None, alert_urls=f"json://127.0.0.1:{desk.port}/d", language=language)
        deliver(db, config, "promise_at_risk", clock.now)
        [text] = texts(desk)
    for needle in needles:
        assert needle in text, (needle, text)


@pytest.mark.parametrize(
    "language, needles",
    [
        (
            "en",
            [
                "[Terrain] ESCALATION: @tgouritin · order CMD-77 · 1Z999",
                "Why: reopened 1 time(s).",
                "Customer said:",
                "Promised: “livraison demain” — recipient Claire Martin by 2026-03-03 10:00 CET",
                "Field: delivered (ups, place 3 place Bellecour, Lyon 2e, signed by J. PETIT, 2026-03-02 13:00 CET)",
                "Next step: Open an investigation",
            ],
        ),
        (
            "fr",
            [
                "[Terrain] ESCALADE: @tgouritin · order CMD-77 · 1Z999",
                "Pourquoi: rouvert 1 fois.",
                "Le client a écrit:",
                "Promis: “livraison demain” — destinataire Claire Martin pour le 03/03/2026 10:00 CET",
                "Terrain: delivered (ups, lieu 3 place Bellecour, Lyon 2e, signé par J. PETIT, 02/03/2026 13:00 CET)",
                "Prochaine étape: Ouvrir une enquête",
            ],
        ),
    ],
)
def test_escalation_names_the_broken_promise_and_what_to_do(db, language, needles):
    clock = Clock()
    delivered_to_the_wrong_person(db, clock)
    with HttpReceiver() as ops:
        config = Settings(
            _env_file=None, escalation_urls=f"json://127.0.0.1:{ops.port}/ops", language=language, escalate_on_reopen_count=1
        )
        assert queue_escalations(uow_factory(db), config, clock.now) == 1
        deliver(db, config, "escalation", clock.now)
        [text] = texts(ops)
    for needle in needles:
        assert needle in text, (needle, text)


@pytest.mark.parametrize(
    "language, needles",
    [
        (
            "en",
            [
                "[Terrain] Customer disputes the resolution: @lea · order CMD-9 · ch_1",
                "“toujours rien reçu sur mon compte”",
                "Promised: amount 19.00 EUR by 2026-03-07 10:00 CET (stripe ch_1)",
                "Field: refund_succeeded (stripe, amount 19.00 EUR, 2026-03-03 10:00 CET)",
                "Next step: Check the refund with the payment provider",
            ],
        ),
        (
            "fr",
            [
                "[Terrain] Le client conteste la résolution: @lea · order CMD-9 · ch_1",
                "“toujours rien reçu sur mon compte”",
                "Promis: montant 19.00 EUR pour le 07/03/2026 10:00 CET (stripe ch_1)",
                "Terrain: refund_succeeded (stripe, montant 19.00 EUR, 03/03/2026 10:00 CET)",
                "Prochaine étape: Vérifier le remboursement",
            ],
        ),
    ],
)
def test_customer_disputes_quotes_the_new_words_and_the_last_status(db, language, needles):
    uow, clock = uow_factory(db), Clock()
    case = open_complaint(uow, complaint("remboursement ?", AT, author="@lea", order_ref="CMD-9"), "agent:t", clock)
    record_promises(
        uow,
        case.case_id,
        [spec("refund.issue", "stripe", "ch_1", AT + timedelta(days=5), amount="19.00", currency="EUR")],
        "agent:t",
        clock,
    )
    ingest_updates(
        uow, [update("stripe", "ch_1", "refund_succeeded", AT + timedelta(days=1), amount="19.00", currency="EUR")], clock
    )
    clock.now = AT + timedelta(days=2)
    open_complaint(
        uow, complaint("toujours rien reçu sur mon compte", clock.now, author="@lea", order_ref="CMD-9"), "agent:t", clock
    )
    with HttpReceiver() as desk:
        config = Settings(_env_file=None, alert_urls=f"json://127.0.0.1:{desk.port}/d", language=language)
        deliver(db, config, "customer_disputes", clock.now)
        [text] = texts(desk)
    for needle in needles:
        assert needle in text, (needle, text)
