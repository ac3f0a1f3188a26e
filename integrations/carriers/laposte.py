"""La Poste Suivi v2 (La Poste letters, Colissimo and Chronopost shipments): a pull adapter.

Request: `GET {api-url}/suivi/v2/idships/{id}?lang=fr_FR` with header `X-Okapi-Key` (api-url
is `https://api.laposte.fr` in production). Answer: `{"returnCode": 200, "shipment": {"idShip",
"product", "event": [{"code", "label", "date"}…], "timeline": […], "contextData": {…}}}`
(a list of such objects when several ids are asked at once: both are read). An error answers
`{"returnCode": 4xx, "returnMessage": …}`: 404 ("numéro inconnu") and 400 ("numéro … pas
valide") → TrackingNotFound: the carrier does not know the number and never will under that
spelling; 401/403, 429, 5xx → the CarrierHTTPError family (integrations/carriers/pull.py).

Event codes: La Poste's published list (developer.laposte.fr, API Suivi v2, "Liste des codes
événements"; the same 23 codes appear in every client of the API), each mapped to a status:

- DR1 (Déclaratif réceptionné (label created)) → pre_transit
- DR2 (Problème lors de la préparation) → exception
- PC1, PC2 (Pris en charge (dans le pays d'expédition)) → in_transit
- ET1, ET2, ET3, ET4 → in_transit (En cours de traitement (pays d'expédition / de destination /
  de transit))
- EP1 (En attente de présentation) → in_transit
- DO1, DO2 (Entrée en douane, sortie de douane (routine for any import)) → in_transit
- DO3 (Retenu en douane) → customs_hold
- ID0 (Informations douane (duties or documents asked of the addressee)) → customs_hold
- PB1 (Problème en cours) → exception (damaged when the label says so)
- PB2 (Problème résolu) → in_transit
- MD2 (Mis en distribution) → out_for_delivery
- ND1 → attempt_failed; address_issue when the label names the address; refused when it names a
  refusal; damaged when it names damage (Non distribuable)
- AG1 (En attente d'être retiré au guichet) → available_for_pickup
- RE1 (Retourné à l'expéditeur) → returned_to_sender (refused when the label names a refusal)
- DI0 (Distribué en lot) → delivered
- DI1 (Distribué) → delivered
- DI2 (Distribué à l'expéditeur) → returned_to_sender
- DI3 (Retardé) → exception

A code outside the list (La Poste adds some) is not guessed: the event gives `exception` with
its code and label as evidence, so that ops see it and nothing is silently read as progress.

Place and person evidence: La Poste's events carry no place. `contextData.arrivalCountry` (the
country the parcel is delivered in; without it, the country of the furthest `timeline` step
reached) gives `country` on events from distribution on (MD2, ND1,
AG1, DI0, DI1, ET3, DO*, ID0); `originCountry` on DR1/PC*/ET2. `contextData.removalPoint` (a
pickup point chosen by the addressee: `{"name", "type", "id"|"siteCode"}`) gives
`pickup_point_id` and `location` on AG1 and deliveries, with `handed_to: pickup_point`. The
label gives `handed_to` when it names the receiver ("dans votre boîte aux lettres" → mailbox,
"chez votre voisin" → neighbour, "au gardien" → reception, "en point de retrait"/"bureau de
poste" → pickup_point); "Votre colis est livré." names no one and leaves it out.

Time: La Poste sends `date` with its offset ("2023-03-09T09:38:00+01:00"); a date without one
is Paris time (Europe/Paris, DST included).

Event ids: `laposte:<idShip>:<code>:<UTC time>` (`#2`… for a repeated code at the same second),
so polling the same history twice stores nothing twice.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

import httpx

from integrations.carriers.common import (
    PARIS,
    EventIds,
    country_code,
    fold,
    handed_to_from,
    json_body,
    local_time,
    triage,
)
from integrations.carriers.pull import TrackingNotFound
from integrations.webhooks.base import (
    MAX_DETAIL,
    MAX_PLACE,
    NormalizedUpdate,
    PayloadError,
    identifier,
    make_update,
    text,
)

CODES: dict[str, str] = {
    "DR1": "pre_transit",
    "DR2": "exception",
    "PC1": "in_transit",
    "PC2": "in_transit",
    "ET1": "in_transit",
    "ET2": "in_transit",
    "ET3": "in_transit",
    "ET4": "in_transit",
    "EP1": "in_transit",
    "DO1": "in_transit",
    "DO2": "in_transit",
    "DO3": "customs_hold",
    "ID0": "customs_hold",
    "PB1": "exception",
    "PB2": "in_transit",
    "MD2": "out_for_delivery",
    "ND1": "attempt_failed",
    "AG1": "available_for_pickup",
    "RE1": "returned_to_sender",
    "DI0": "delivered",
    "DI1": "delivered",
    "DI2": "returned_to_sender",
    "DI3": "exception",
}
# Codes after which the parcel is in the destination country / at its origin.
DESTINATION_CODES = frozenset({"ET3", "DO1", "DO2", "DO3", "ID0", "EP1", "MD2", "ND1", "AG1", "DI0", "DI1"})
ORIGIN_CODES = frozenset({"DR1", "DR2", "PC1", "PC2", "ET2"})
# Codes at which a chosen pickup point is where the parcel is (or was handed over).
PICKUP_CODES = frozenset({"AG1", "DI0", "DI1"})

_ADDRESS_WORDS = (" adresse ", " address ", " destinataire inconnu ", " n habite pas ", " inconnu a l adresse ")
_REFUSED_WORDS = (" refus", " refuse ")
_DAMAGED_WORDS = (" endommag", " abime", " deteriore", " damaged ", " casse ")


def refine(code: str, status: str, label: str | None) -> str:
    """The status a code's label makes more precise (ND1, RE1, PB1 only)."""
    words = fold(label or "")
    if code in ("ND1", "RE1", "PB1") and any(w in words for w in _REFUSED_WORDS):
        return "refused"
    if code in ("ND1", "PB1") and any(w in words for w in _DAMAGED_WORDS):
        return "damaged"
    if code == "ND1" and any(w in words for w in _ADDRESS_WORDS):
        return "address_issue"
    return status


def removal_point(context: dict[str, Any]) -> tuple[str | None, str | None]:
    """(pickup point id, its name) from `contextData.removalPoint`, when La Poste gives one."""
    point = context.get("removalPoint")
    if not isinstance(point, dict):
        return None, None
    point_id = None
    for key in ("id", "siteCode", "code", "identifiant", "idPoint"):
        point_id = identifier(point.get(key))
        if point_id:
            break
    name = text(point.get("name") or point.get("label") or point.get("libelle"), MAX_PLACE)
    return (point_id[:100] if point_id else None), name


def timeline_country(timeline: Any) -> str | None:
    """The country of the furthest step of `timeline` reached (`status: true`) that names one:
    where the parcel is, when contextData does not say where it is delivered."""
    if not isinstance(timeline, list):
        return None
    found = None
    for step in timeline:
        if isinstance(step, dict) and step.get("status") is True and country_code(step.get("country")):
            found = country_code(step.get("country"))
    return found


class LaPoste:
    name = "laposte"
    auth: Literal["api_key", "client_credentials"] = "api_key"
    zone = PARIS

    def tracking_request(self, api_url: str, reference: str, credentials: dict[str, str]) -> httpx.Request:
        key = credentials.get("api_key")
        if not key:
            raise ValueError("La Poste needs an api_key (X-Okapi-Key)")
        url = f"{api_url.rstrip('/')}/suivi/v2/idships/{quote(reference, safe='')}"
        return httpx.Request("GET", url, params={"lang": "fr_FR"}, headers={"X-Okapi-Key": key, "Accept": "application/json"})

    def parse_tracking(self, reference: str, status_code: int, body: bytes) -> list[NormalizedUpdate]:
        triage(self.name, status_code, body, not_found=(400, 404))
        data = json_body(body)
        answers = data if isinstance(data, list) else [data]
        updates: list[NormalizedUpdate] = []
        for answer in answers:
            if not isinstance(answer, dict):
                raise PayloadError("a La Poste answer is not an object")
            code = answer.get("returnCode")
            if isinstance(code, int) and code in (400, 404):
                raise TrackingNotFound(f"laposte: {text(answer.get('returnMessage'), 200) or code}")
            if isinstance(code, int) and code >= 300:
                raise PayloadError(f"La Poste answered returnCode {code}")
            shipment = answer.get("shipment")
            if not isinstance(shipment, dict):
                raise PayloadError("the answer has no shipment")
            updates.extend(self.read_shipment(reference, shipment))
        return updates

    def read_shipment(self, reference: str, shipment: dict[str, Any]) -> list[NormalizedUpdate]:
        number = identifier(shipment.get("idShip")) or reference
        events = shipment.get("event")
        if events is None:
            return []
        if not isinstance(events, list):
            raise PayloadError("shipment.event is not a list")
        raw_context = shipment.get("contextData")
        context: dict[str, Any] = raw_context if isinstance(raw_context, dict) else {}
        arrival = country_code(context.get("arrivalCountry")) or timeline_country(shipment.get("timeline"))
        origin = country_code(context.get("originCountry"))
        point_id, point_name = removal_point(context)
        ids = EventIds(self.name, number)
        out: list[NormalizedUpdate] = []
        # La Poste lists the newest first: ids are given oldest first so that a new event at
        # the top never renumbers the older ones.
        for event in reversed(events):
            if not isinstance(event, dict):
                raise PayloadError("an event is not an object")
            code = text(event.get("code"), 10)
            if code is None:
                raise PayloadError("an event has no code")
            code = code.upper()
            label = text(event.get("label"), MAX_DETAIL)
            occurred = local_time(event.get("date"), self.zone, "event.date")
            known = CODES.get(code)
            status = refine(code, known, label) if known else "exception"
            country = arrival if code in DESTINATION_CODES else origin if code in ORIGIN_CODES else None
            handed_to = None
            at_point = point_id is not None and code in PICKUP_CODES
            if status == "delivered":
                handed_to = handed_to_from(label) or ("pickup_point" if at_point else None)
            detail = label if known else f"unlisted La Poste code {code}: {label or ''}".strip()
            out.append(
                make_update(
                    event_id=ids(code, occurred),
                    reference=number,
                    status=status,
                    occurred_at=occurred,
                    carrier_code=code,
                    detail=text(detail, MAX_DETAIL),
                    country=country,
                    pickup_point_id=point_id if at_point else None,
                    location=point_name if at_point else None,
                    handed_to=handed_to,
                )
            )
        return out
