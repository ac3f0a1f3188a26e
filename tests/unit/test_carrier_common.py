"""The helpers every carrier adapter leans on: words → handed_to and country, local times,
event ids, HTTP triage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from integrations.carriers.common import (
    EventIds,
    compact_time,
    country_in,
    handed_to_from,
    local_time,
    offset_zone,
    person,
    triage,
)
from integrations.carriers.pull import (
    CarrierAuthError,
    CarrierHTTPError,
    CarrierRateLimited,
    CarrierUnavailable,
    TrackingNotFound,
)
from integrations.webhooks.base import PayloadError


@pytest.mark.parametrize(
    "location,country",
    [
        ("Mechelen (BE)", "BE"),
        ("Milan - Italy ", "IT"),
        ("Bonn, Germany", "DE"),
        ("Germany", "DE"),
        ("Aschaffenburg (DE)", "DE"),
        ("ARRAS CHRONOPOST", None),
        ("Hong Kong - Hong Kong ", None),
        ("KINGSTON-JAM", None),
        ("Oderweg 2, AMSTERDAM", None),
        ("", None),
        (None, None),
    ],
)
def test_country_in_a_location(location, country):
    assert country_in(location) == country


@pytest.mark.parametrize(
    "words,handed_to",
    [
        ("Delivered - Left at front door. Signature Service not requested.", "safe_place"),
        ("different person present", "other"),
        ("Votre colis a été livré chez votre voisin", "neighbour"),
        ("déposé dans votre boîte aux lettres", "mailbox"),
        ("Delivered to UPS Access Point", "pickup_point"),
        ("remis au gardien", "reception"),
        ("Zugestellt an Nachbar", "neighbour"),
        ("Votre colis est livré.", None),
        ("Delivered", None),
        ("", None),
    ],
)
def test_handed_to_from_words(words, handed_to):
    assert handed_to_from(words) == handed_to


@pytest.mark.parametrize(
    "value,name",
    [
        ("MILLER", "MILLER"),
        ("163000", None),
        ("00:00:00", None),
        ("21.20", None),
        ("Signature not required", None),
        (" ", None),
        ("J", None),
    ],
)
def test_person(value, name):
    assert person(value) == name


def test_local_times():
    paris = ZoneInfo("Europe/Paris")
    assert local_time("2024-03-31T02:30:00", paris, "t").utcoffset() == timedelta(hours=1)  # the spring gap
    assert local_time("2024-10-27T02:30:00", paris, "t").astimezone(UTC).hour == 0  # the fold: first one
    assert local_time("2024-01-01T10:00:00Z", paris, "t") == datetime(2024, 1, 1, 10, tzinfo=UTC)
    for bad in ("", None, "18.03.2016 10:02", "0001-01-01T00:00:00"):
        with pytest.raises(PayloadError):
            local_time(bad, paris, "t")
    assert compact_time("20240423", "74700", UTC, "d") == datetime(2024, 4, 23, 7, 47, tzinfo=UTC)
    assert compact_time("20240423", "", UTC, "d") == datetime(2024, 4, 23, tzinfo=UTC)
    for day, clock in (("2024-04-23", "1200"), ("20241323", "1200"), ("20240423", "12h")):
        with pytest.raises(PayloadError):
            compact_time(day, clock, UTC, "d")
    assert offset_zone("-04.00").utcoffset(None) == timedelta(hours=-4)
    assert offset_zone("+05:30").utcoffset(None) == timedelta(hours=5, minutes=30) and offset_zone("x") is None


def test_event_ids():
    ids = EventIds("laposte", "6A1")
    moment = datetime(2024, 1, 1, 10, tzinfo=UTC)
    first, second = ids("DI1", moment), ids("DI1", moment)
    assert first == "laposte:6A1:DI1:20240101T100000Z" and second == first + "#2"
    other = EventIds("laposte", "6A1")
    assert other("DI1", moment) == first  # the same history gives the same ids
    long = EventIds("x", "R" * 190)("C", moment)
    assert len(long) <= 200 and long.startswith("x:")


@pytest.mark.parametrize(
    "status,error,retryable",
    [
        (404, TrackingNotFound, None),
        (401, CarrierAuthError, False),
        (403, CarrierAuthError, False),
        (429, CarrierRateLimited, True),
        (500, CarrierUnavailable, True),
        (503, CarrierUnavailable, True),
        (418, CarrierHTTPError, False),
    ],
)
def test_triage(status, error, retryable):
    triage("x", 200, b"{}")
    with pytest.raises(error) as info:
        triage("x", status, b'{"detail": "said"}')
    assert "said" in str(info.value)
    if retryable is not None:
        assert info.value.retryable is retryable
