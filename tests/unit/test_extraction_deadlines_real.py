"""Deadlines as a person means them: business days skip the brand's public holidays, days are
the brand's days (its time zone, across DST changes), "tomorrow or Monday" is the later one;
amounts in any ISO 4217 currency; confidence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.errors import InvalidInput
from domain.extraction import extract_promises
from domain.extraction.amounts import find_amount
from domain.extraction.deadlines import add_business_days
from integrations.services.calendar import check_timezone, holiday_check

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
FR, US = holiday_check("FR"), holiday_check("US")


def one(text, said_at, **kw):
    [promise] = extract_promises(text, said_at, **kw)
    return promise


def test_48h_ouvrees_said_on_23_december_skips_christmas():
    # Wednesday 23 December 2026, 10:00 in Paris: Thursday 24 counts, Friday 25 is Christmas, then
    # the weekend: the second business day is Monday 28 December.
    said = datetime(2026, 12, 23, 9, 0, tzinfo=UTC)
    promise = one("Notre service client vous recontactera sous 48h ouvrées.", said, tz="Europe/Paris", holiday=FR)
    assert promise.due_at == datetime(2026, 12, 28, 23, 59, 59, tzinfo=PARIS)
    # without the holiday calendar, Christmas would be counted
    assert one("Notre service client vous recontactera sous 48h ouvrées.", said, tz="Europe/Paris").due_at == datetime(
        2026, 12, 25, 23, 59, 59, tzinfo=PARIS
    )


def test_business_days_skip_may_day_and_ascension_in_france():
    # Thursday 30 April 2026: Friday 1 May is a holiday; 3 business days are 4, 5, 6 May.
    assert add_business_days(datetime(2026, 4, 30, 12, tzinfo=PARIS), 3, FR).date().isoformat() == "2026-05-06"
    # Wednesday 13 May 2026: Ascension (Thursday 14) is skipped.
    assert add_business_days(datetime(2026, 5, 13, 12, tzinfo=PARIS), 1, FR).date().isoformat() == "2026-05-15"


def test_a_us_brand_skips_thanksgiving():
    said = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Wednesday before Thanksgiving, 10:00 in New York
    promise = one(
        "Your refund has been processed and will be credited within 2 business days.", said, tz="America/New_York", holiday=US
    )
    assert promise.due_at == datetime(2026, 11, 30, 23, 59, 59, tzinfo=NEW_YORK)  # Thu 26 holiday, Fri 27, Mon 30


@pytest.mark.parametrize(
    "text,due",
    [
        ("We'll call you back today.", datetime(2026, 3, 2, 23, 59, 59, tzinfo=PARIS)),
        ("We'll call you back tomorrow.", datetime(2026, 3, 3, 23, 59, 59, tzinfo=PARIS)),
        ("One of the team will respond to you first thing in the morning.", datetime(2026, 3, 3, 12, 0, tzinfo=PARIS)),
        ("We'll call you back by Friday.", datetime(2026, 3, 6, 23, 59, 59, tzinfo=PARIS)),
        ("You should hear back either tomorrow or Monday.", datetime(2026, 3, 9, 23, 59, 59, tzinfo=PARIS)),
    ],
)
def test_days_are_the_brands_days(text, due):
    # Said at 23:30 UTC on Monday 2 March = 00:30 on Tuesday 3 March in Paris: "today" is Tuesday
    # there, "first thing in the morning" this Tuesday morning.
    said = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    promise = one(text, said, tz="Europe/Paris")
    shifted = due + timedelta(days=1) if ("today" in text or text.endswith("tomorrow.")) else due
    assert promise.due_at == shifted
    assert promise.kind == "callback"


def test_without_a_time_zone_the_day_is_the_one_of_said_at():
    said = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    assert one("We'll call you back today.", said).due_at == datetime(2026, 3, 2, 23, 59, 59, tzinfo=UTC)


def test_tomorrow_across_the_spring_dst_change():
    # Saturday 28 March 2026, 12:00 in Paris (UTC+1); clocks go forward that night: tomorrow ends
    # at 23:59:59 CEST (UTC+2), i.e. 21:59:59 UTC, 23 hours of wall clock later than usual.
    said = datetime(2026, 3, 28, 11, 0, tzinfo=UTC)
    due = one("We'll call you back tomorrow.", said, tz="Europe/Paris").due_at
    assert due == datetime(2026, 3, 29, 23, 59, 59, tzinfo=PARIS)
    assert due.astimezone(UTC) == datetime(2026, 3, 29, 21, 59, 59, tzinfo=UTC)


def test_within_24_hours_across_the_autumn_dst_change_is_24_real_hours():
    said = datetime(2026, 10, 24, 10, 0, tzinfo=UTC)  # Saturday; clocks go back on Sunday 25
    due = one("Credit shell will be applied within 24 hours.", said, tz="Europe/Paris").due_at
    assert due - said == timedelta(hours=24)


def test_business_days_in_new_york_across_dst():
    said = datetime(2026, 3, 6, 20, 0, tzinfo=UTC)  # Friday 15:00 EST; DST starts Sunday 8 March
    due = one(
        "Your refund is in process and will be credited within 1 business day.", said, tz="America/New_York", holiday=US
    ).due_at
    assert due == datetime(2026, 3, 9, 23, 59, 59, tzinfo=NEW_YORK)
    assert due.utcoffset() == timedelta(hours=-4)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("I can provide a $10.00 credit to your account.", ("10.00", "USD")),
        ("a refund of ¥1,200", ("1200", "JPY")),
        ("the amount of 3,087INR is to be refunded", ("3087", "INR")),
        ("IDR 492,900 refunded", ("492900", "IDR")),
        ("1.234,56 € remboursés", ("1234.56", "EUR")),
        ("R$ 50,00 de volta", ("50.00", "BRL")),
        ("C$20 credited", ("20", "CAD")),
        ("CHF 20", ("20", "CHF")),
        ("within 2 days", None),
        ("UPS 1Z999", None),
    ],
)
def test_amounts_in_any_iso_4217_currency(text, expected):
    assert find_amount(text) == expected


def test_a_credit_is_a_refund_with_its_amount():
    promise = one("I can provide a $10.00 credit to your account.", datetime(2026, 3, 2, 9, tzinfo=UTC))
    assert (promise.kind, promise.expect) == ("refund.issue", {"amount": "10.00", "currency": "USD"})


@pytest.mark.parametrize(
    "text,kind",
    [
        ("I'd like to issue a refund for you.", "refund.issue"),
        ("We will get you refunded for the missing item.", "refund.issue"),
        ("The cash portion will be redeposited within 6 to 10 business days.", "refund.issue"),
        ("Someone will be contacting you today after 8 am central time.", "callback"),
        ("You'll be contacted within 14 days by our Product Quality Team.", "callback"),
        ("I would like to follow up with you tomorrow.", "callback"),
    ],
)
def test_ordinary_customer_service_english(text, kind):
    assert one(text, datetime(2026, 3, 2, 15, tzinfo=UTC), tz="America/Chicago").kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "Refunds usually take 3-5 business days.",
        "If you DM us your order number, we'll follow up shortly.",
        "Kindly make a refund request via the eForm and refund is within 30 working days.",
        "You may opt for a refund or a credit shell.",
        "The refund was sent to the bank on 19/10/2017.",
        "Please give us a call tomorrow at 1-800-379-6453.",
    ],
)
def test_hard_negatives(text):
    assert extract_promises(text, datetime(2017, 11, 2, 9, tzinfo=UTC)) == []


def test_confidence_separates_timed_promises_from_vague_ones():
    said = datetime(2026, 3, 2, 9, tzinfo=UTC)
    sure = one("Credit shell will be applied within 24 hours.", said)
    vague = one("We've received your DM and will respond there shortly.", said)
    assert 0 <= vague.confidence < 0.8 <= sure.confidence <= 1


def test_unknown_country_and_time_zone_are_clear_errors():
    with pytest.raises(InvalidInput):
        holiday_check("XX")
    with pytest.raises(InvalidInput):
        check_timezone("Mars/Olympus")
    assert check_timezone("Europe/Paris") == "Europe/Paris"
