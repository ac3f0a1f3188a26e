"""`terrain up --demo`: the seed stories (../shared/seeds) as live cases.

Times are relative to now, so the demo moves on its own: La Poste's reroute falls due two
minutes after start and the sweep breaks it in front of you. Loading twice changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Callable

from domain.model import Complaint, FieldUpdate
from integrations.services.ingest import ingest_updates
from integrations.services.intake import open_complaint
from integrations.services.ports import UnitOfWork
from integrations.services.promises import PromiseSpec, record_promises

ACTOR = "agent:demo"


def _story(uow, external_id, channel, author, text, at, promises, updates, **refs) -> str | None:
    result = open_complaint(
        uow,
        Complaint.create(
            {"channel": channel, "external_id": external_id, "author": author, "text": text, "posted_at": at, **refs}
        ),
        ACTOR,
        lambda: at,
    )
    if not result.created:
        return None  # already loaded
    record_promises(uow, result.case_id, promises, ACTOR, lambda: at)
    if updates:
        ingest_updates(uow, updates)
    return result.case_id


def load_demo(uow: Callable[[], UnitOfWork], now: datetime | None = None) -> list[str]:
    now = now or datetime.now(UTC)
    h = lambda n: timedelta(hours=n)  # noqa: E731
    u = lambda partner, ref, status, at, eid, **f: FieldUpdate.create(  # noqa: E731
        partner, {"event_id": eid, "reference": ref, "status": status, "occurred_at": at, **f}
    )
    loaded = [
        _story(
            uow,
            "demo-laposte",
            "twitter",
            "@tgouritin",
            "@lisalaposte colis déposé dans un centre de tri PLUS PROCHE mais JAMAIS OUVERT. "
            "Une semaine de perdue pour mon vinyle.",
            now - h(23),
            [
                PromiseSpec(
                    "parcel.reroute",
                    "laposte",
                    "6A-DEMO-VINYL",
                    now + timedelta(minutes=2),
                    {"location": "Bureau de poste Lille Vauban"},
                    "vous pouvez demander à rapatrier votre colis au bureau de votre choix dans les 24h",
                )
            ],
            [u("laposte", "6A-DEMO-VINYL", "in_transit", now - h(20), "demo-lp-1", location="Centre de tri Lille Lesquin")],
            order_ref="DEMO-VINYL-TX",
        ),
        _story(
            uow,
            "demo-ups",
            "twitter",
            "@tgouritin",
            "@UPSHelp le livreur a oublié de déposer le colis au point relais Kiala",
            now - h(30),
            [
                PromiseSpec(
                    "parcel.deliver",
                    "ups",
                    "1Z-DEMO-BLUESPILLS",
                    now + h(6),
                    {"address": "12 rue Nationale, Lille", "recipient": "Thomas Gouritin"},
                    "livraison dès le lendemain à votre nouvelle adresse",
                )
            ],
            [
                u(
                    "ups",
                    "1Z-DEMO-BLUESPILLS",
                    "delivered",
                    now - h(2),
                    "demo-ups-1",
                    address="45 avenue de Dunkerque, Lomme",
                    signed_by="ROLAND",
                )
            ],
        ),
        _story(
            uow,
            "demo-userfly",
            "twitter",
            "@yrahoui",
            "J'ai résilié à temps mon abonnement Userfly, ni facture ni remboursement malgré mes demandes",
            now - h(10),
            [
                PromiseSpec(
                    "refund.issue",
                    "stripe",
                    "ch_DEMO_USERFLY",
                    now + h(38),
                    {"amount": "19.00", "currency": "USD"},
                    "you have just been refunded",
                )
            ],
            [u("stripe", "ch_DEMO_USERFLY", "refund_succeeded", now - h(8), "demo-st-1", amount="19.00", currency="USD")],
        ),
        _story(
            uow,
            "demo-fnac",
            "facebook",
            "Claire Maoui",
            "Ordinateur neuf endommagé, vendeur malpoli, échange refusé à la FNAC des Ternes. Je dois rendre un projet demain !",
            now - h(5),
            [
                PromiseSpec(
                    "item.replace",
                    "fnac-ternes",
                    "FNAC-DEMO-0528",
                    now + h(43),
                    {"location": "FNAC Ternes"},
                    "le magasin procède à l'échange de votre ordinateur sous 48h",
                )
            ],
            [u("fnac-ternes", "FNAC-DEMO-0528", "failed", now - h(4), "demo-fnac-1", detail="échange refusé en magasin")],
        ),
        _story(
            uow,
            "demo-privateoutlet",
            "facebook",
            "arnaudrofidal",
            "Commande du 14 décembre jamais reçue, le deuxième colis non plus, et le remboursement tarde",
            now - h(72),
            [
                PromiseSpec(
                    "parcel.deliver",
                    "colissimo",
                    "PO-DEMO-2",
                    now - h(70) + h(72),
                    {"recipient": "Arnaud R"},
                    "nous vous renvoyons un colis sous 3 jours",
                ),
                PromiseSpec(
                    "refund.issue",
                    "stripe",
                    "ch_DEMO_PO",
                    now + h(48),
                    {"amount": "89.90", "currency": "EUR"},
                    "remboursement sous 5 jours ouvrés",
                ),
            ],
            [u("colissimo", "PO-DEMO-2", "lost", now - h(12), "demo-po-1")],
            order_ref="PO-DEMO-1412",
        ),
        # A replacement handed by the warehouse to Colissimo (a step per partner), whose delivery
        # attempt failed: at risk before its deadline.
        _story(
            uow,
            "demo-po-replacement",
            "twitter",
            "@arnaudrofidal",
            "@PrivateOutlet vous m'aviez promis un renvoi, le livreur n'est même pas passé",
            now - h(30),
            [
                PromiseSpec(
                    "item.replace",
                    "privateoutlet-entrepot",
                    "PO-DEMO-RMA",
                    now + h(42),
                    {"address": "8 rue Paul Bert, 69100 Villeurbanne", "recipient": "Arnaud R"},
                    "un nouvel article part de l'entrepôt et vous sera livré sous 3 jours",
                )
            ],
            [
                u(
                    "privateoutlet-entrepot",
                    "PO-DEMO-RMA",
                    "done",
                    now - h(26),
                    "demo-po-ship",
                    handoff={"partner": "colissimo", "reference": "6A-DEMO-RMA"},
                    detail="expédié avec Colissimo",
                ),
                u(
                    "colissimo",
                    "6A-DEMO-RMA",
                    "attempt_failed",
                    now - h(3),
                    "demo-po-nd1",
                    carrier_code="ND1",
                    detail="Destinataire absent, avis de passage",
                ),
            ],
            order_ref="PO-DEMO-RMA",
        ),
        _story(
            uow,
            "demo-mortons",
            "twitter",
            "@petershankman",
            "Hey @Mortons - can you meet me at newark airport with a porterhouse when I land in two hours?",
            now - h(3),
            [PromiseSpec("callback", "mortons-hackensack", "NWK-DEMO", now, {}, "we'll be there")],
            [u("mortons-hackensack", "NWK-DEMO", "done", now - h(1), "demo-mo-1")],
        ),
    ]
    return [case_id for case_id in loaded if case_id]
