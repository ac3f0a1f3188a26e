"""La Poste Suivi v2 adapter against the recorded answer of a real Colissimo parcel
(EW112720413FR, FR → BR, karrio's test data) and La Poste's published code list."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from integrations.carriers.laposte import CODES, LaPoste
from integrations.carriers.pull import (
    CarrierAuthError,
    CarrierRateLimited,
    CarrierUnavailable,
    TrackingNotFound,
)
from integrations.webhooks.base import PayloadError
from tests.unit.carrier_helpers import as_field_updates, carrier_server, fixture, fixture_json, poll

laposte = LaPoste()
RECORDED = "laposte/EW112720413FR.json"
# La Poste's published list of event codes (developer.laposte.fr, Suivi v2).
PUBLISHED = [
    "DR1",
    "DR2",
    "PC1",
    "PC2",
    "ET1",
    "ET2",
    "ET3",
    "ET4",
    "EP1",
    "DO1",
    "DO2",
    "DO3",
    "PB1",
    "PB2",
    "MD2",
    "ND1",
    "AG1",
    "RE1",
    "DI0",
    "DI1",
    "DI2",
    "DI3",
    "ID0",
]


def answer(*events: dict, context: dict | None = None) -> bytes:
    """The recorded answer with its events (and contextData) replaced."""
    data = fixture_json(RECORDED)
    shipment = data[0]["shipment"]
    shipment["event"] = list(events)
    if context is not None:
        shipment["contextData"] = context
    return json.dumps(data).encode()


def event(code: str, label: str = "", date: str = "2023-03-09T09:38:00+01:00") -> dict:
    return {"code": code, "label": label, "date": date}


def test_recorded_history_reads_as_a_person_would():
    updates = laposte.parse_tracking("EW112720413FR", 200, fixture(RECORDED))
    as_field_updates(updates)
    assert [u["carrier_code"] for u in updates] == ["DR1", "PC1", "ET1", "ET1", "ET2", "ET3", "ET1", "MD2", "DI1"]
    assert [u["status"] for u in updates] == ["pre_transit"] + ["in_transit"] * 6 + ["out_for_delivery", "delivered"]
    delivered = updates[-1]
    # DI1 "Votre colis est livré." names no place: the country comes from contextData.
    assert delivered["country"] == "BR" and "location" not in delivered and "handed_to" not in delivered
    assert delivered["occurred_at"] == datetime(2023, 3, 9, 8, 38, tzinfo=UTC)
    assert updates[0]["country"] == "FR"  # DR1: the origin country
    assert all(u["reference"] == "EW112720413FR" for u in updates)


def test_without_context_data_the_timeline_gives_the_country():
    data = fixture_json(RECORDED)
    del data[0]["shipment"]["contextData"]
    delivered = laposte.parse_tracking("EW112720413FR", 200, json.dumps(data).encode())[-1]
    assert delivered["country"] == "BR"
    for step in data[0]["shipment"]["timeline"]:
        step["country"] = ""
    assert "country" not in laposte.parse_tracking("EW112720413FR", 200, json.dumps(data).encode())[-1]


def test_every_published_code_is_mapped_to_a_known_status():
    from domain.model import PARCEL_STATUSES

    assert sorted(CODES) == sorted(PUBLISHED)
    assert set(CODES.values()) <= PARCEL_STATUSES


@pytest.mark.parametrize(
    "code,label,status",
    [
        ("DR1", "Votre Colissimo va bientôt nous être confié !", "pre_transit"),
        ("DR2", "Problème lors de la préparation", "exception"),
        ("PC2", "Pris en charge", "in_transit"),
        ("ET4", "", "in_transit"),
        ("EP1", "", "in_transit"),
        ("DO1", "Votre colis est en cours de dédouanement", "in_transit"),
        ("DO2", "", "in_transit"),
        ("DO3", "Votre colis est retenu en douane", "customs_hold"),
        ("ID0", "Informations douane", "customs_hold"),
        ("PB1", "Un problème est en cours", "exception"),
        ("PB1", "Votre colis est endommagé", "damaged"),
        ("PB2", "Problème résolu", "in_transit"),
        ("MD2", "", "out_for_delivery"),
        ("ND1", "Le destinataire était absent", "attempt_failed"),
        ("ND1", "Votre colis n'a pas pu être livré : l'adresse est incomplète", "address_issue"),
        ("ND1", "Le destinataire a refusé le colis", "refused"),
        ("AG1", "Votre colis est disponible dans votre bureau de poste", "available_for_pickup"),
        ("RE1", "Votre colis est retourné à l'expéditeur", "returned_to_sender"),
        ("RE1", "Votre colis est retourné à l'expéditeur suite au refus du destinataire", "refused"),
        ("DI0", "Distribué en lot", "delivered"),
        ("DI1", "Votre colis est livré.", "delivered"),
        ("DI2", "Votre colis a été livré à l'expéditeur", "returned_to_sender"),
        ("DI3", "Retardé", "exception"),
    ],
)
def test_codes_map_as_documented(code, label, status):
    [update] = laposte.parse_tracking("X", 200, answer(event(code, label)))
    assert update["status"] == status and update["carrier_code"] == code
    assert update.get("detail") == (label or None)


def test_an_unlisted_code_is_an_exception_with_its_code_never_progress():
    [update] = laposte.parse_tracking("X", 200, answer(event("ZZ9", "Nouveau code")))
    assert update["status"] == "exception" and update["carrier_code"] == "ZZ9"
    assert "unlisted" in update["detail"] and "Nouveau code" in update["detail"]


@pytest.mark.parametrize(
    "label,handed_to",
    [
        ("Votre colis a été déposé dans votre boîte aux lettres", "mailbox"),
        ("Votre colis a été livré chez votre voisin", "neighbour"),
        ("Votre colis a été remis au gardien", "reception"),
        ("Votre colis a été remis en main propre", "addressee"),
        ("Votre colis est livré.", None),
    ],
)
def test_who_received_it_comes_from_the_label_only_when_it_says(label, handed_to):
    [update] = laposte.parse_tracking("X", 200, answer(event("DI1", label)))
    assert update.get("handed_to") == handed_to


def test_a_removal_point_is_place_evidence_for_pickup_and_delivery():
    context = {
        "originCountry": "FR",
        "arrivalCountry": "FR",
        "deliveryChoice": {"deliveryChoice": 2},
        "removalPoint": {"name": "Bureau de poste Lyon 3", "type": "BPR", "id": "691230"},
    }
    body = answer(
        event("DI1", "Votre colis est livré.", "2023-03-10T11:00:00+01:00"),
        event("AG1", "Votre colis est disponible", "2023-03-09T09:00:00+01:00"),
        event("MD2", "", "2023-03-09T07:00:00+01:00"),
        context=context,
    )
    md2, ag1, di1 = laposte.parse_tracking("X", 200, body)
    assert ag1["pickup_point_id"] == "691230" and ag1["location"] == "Bureau de poste Lyon 3"
    assert di1["pickup_point_id"] == "691230" and di1["handed_to"] == "pickup_point"
    assert "pickup_point_id" not in md2 and md2["country"] == "FR"


@pytest.mark.parametrize(
    "naive,expected_offset",
    [
        ("2023-01-10T10:00:00", timedelta(hours=1)),  # winter: CET
        ("2023-07-10T10:00:00", timedelta(hours=2)),  # summer: CEST
    ],
)
def test_a_time_without_offset_is_paris_time(naive, expected_offset):
    [update] = laposte.parse_tracking("X", 200, answer(event("ET1", "", naive)))
    assert update["occurred_at"].utcoffset() == expected_offset
    assert update["occurred_at"].astimezone(UTC).hour == 10 - int(expected_offset.total_seconds() // 3600)


def test_event_ids_are_stable_and_unique_across_polls():
    first = laposte.parse_tracking("EW112720413FR", 200, fixture(RECORDED))
    second = laposte.parse_tracking("EW112720413FR", 200, fixture(RECORDED))
    assert [u["event_id"] for u in first] == [u["event_id"] for u in second]
    assert len({u["event_id"] for u in first}) == len(first)
    # a new event on top of the history renumbers none of the older ones
    data = fixture_json(RECORDED)
    data[0]["shipment"]["event"].insert(0, event("DI2", "retour", "2023-03-20T10:00:00+01:00"))
    third = laposte.parse_tracking("EW112720413FR", 200, json.dumps(data).encode())
    assert [u["event_id"] for u in third[:-1]] == [u["event_id"] for u in first]


def test_two_identical_events_at_the_same_second_get_two_ids():
    same = event("ET1", "x", "2023-03-09T09:38:00+01:00")
    updates = laposte.parse_tracking("X", 200, answer(copy.deepcopy(same), copy.deepcopy(same)))
    assert len({u["event_id"] for u in updates}) == 2


def test_a_shipment_with_no_event_yet_gives_nothing():
    data = fixture_json(RECORDED)
    del data[0]["shipment"]["event"]
    assert laposte.parse_tracking("X", 200, json.dumps(data).encode()) == []


def test_the_request_is_the_documented_one():
    request = laposte.tracking_request("https://api.laposte.fr/", "6A 123/4", {"api_key": "k"})
    assert request.method == "GET"
    assert request.url.raw_path.startswith(b"/suivi/v2/idships/6A%20123%2F4?")  # one path segment
    assert request.url.params["lang"] == "fr_FR" and request.headers["X-Okapi-Key"] == "k"
    with pytest.raises(ValueError):
        laposte.tracking_request("https://api.laposte.fr", "X", {})


def server(status: int, body: bytes, headers: dict | None = None) -> httpx.Client:
    def answer_(request: httpx.Request) -> httpx.Response:
        if request.headers.get("X-Okapi-Key") != "key":
            return httpx.Response(401, json={"code": "UNAUTHORIZED", "message": "Invalid API key"})
        return httpx.Response(status, content=body, headers=headers or {})

    return carrier_server({("GET", "/suivi/v2/idships/EW112720413FR"): answer_})


def test_polled_at_the_real_path_through_http():
    client = server(200, fixture(RECORDED))
    updates = poll(client, laposte, "https://api.laposte.fr", "EW112720413FR", {"api_key": "key"})
    assert updates[-1]["carrier_code"] == "DI1"
    with pytest.raises(CarrierAuthError) as info:
        poll(client, laposte, "https://api.laposte.fr", "EW112720413FR", {"api_key": "wrong"})
    assert info.value.status_code == 401 and not info.value.retryable


@pytest.mark.parametrize(
    "status,body,error",
    [
        (400, fixture("laposte/error-400-invalid-number.json"), TrackingNotFound),
        (404, b'{"returnCode": 404, "returnMessage": "Votre num\\u00e9ro est inconnu."}', TrackingNotFound),
        (404, b"<html>Not Found</html>", TrackingNotFound),
        (429, b'{"code": "TOO_MANY_REQUESTS", "message": "max quota reached (100 calls per 1s)"}', CarrierRateLimited),
        (500, b"upstream error", CarrierUnavailable),
        (503, b"", CarrierUnavailable),
        (200, b"<html>maintenance</html>", PayloadError),
        (200, b'{"returnCode": 200}', PayloadError),
        (200, b'[{"returnCode": 200, "shipment": {"event": "DI1"}}]', PayloadError),
        (200, b'{"returnCode": 200, "shipment": {"event": [{"code": "DI1", "date": "hier"}]}}', PayloadError),
        (200, b'{"returnCode": 200, "shipment": {"event": [{"label": "x", "date": "2023-03-09"}]}}', PayloadError),
    ],
)
def test_errors(status, body, error):
    client = server(status, body, {"Retry-After": "2"} if status == 429 else None)
    with pytest.raises(error):
        poll(client, laposte, "https://api.laposte.fr", "EW112720413FR", {"api_key": "key"})


def test_an_error_inside_a_200_answer_is_not_found():
    body = b'[{"returnCode": 404, "returnMessage": "Votre num\\u00e9ro est inconnu.", "idShip": "X"}]'
    with pytest.raises(TrackingNotFound):
        laposte.parse_tracking("X", 200, body)
