"""Promise extraction, rule by rule: kinds, deadlines, amounts, replies that promise nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.extraction import extract_promises
from domain.extraction.amounts import find_amount
from domain.extraction.deadlines import add_business_days, candidates

PARIS = timezone(timedelta(hours=1))
FRIDAY = datetime(2026, 3, 6, 16, 0, tzinfo=PARIS)
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=PARIS)


def one(text, said_at=MONDAY):
    [promise] = extract_promises(text, said_at)
    return promise


@pytest.mark.parametrize(
    "text,kind,due",
    [
        ("Votre colis sera rapatrié au bureau de votre choix dans les 24h.", "parcel.reroute", MONDAY + timedelta(hours=24)),
        ("Nous allons vous rappeler dans l'heure.", "callback", MONDAY + timedelta(hours=1)),
        ("Votre colis sera livré demain.", "parcel.deliver", datetime(2026, 3, 3, 23, 59, 59, tzinfo=PARIS)),
        ("Un conseiller va vous rappeler demain matin.", "callback", datetime(2026, 3, 3, 12, 0, tzinfo=PARIS)),
        ("We'll send you a replacement by Friday.", "item.replace", datetime(2026, 3, 6, 23, 59, 59, tzinfo=PARIS)),
        ("Your refund will appear within 3-5 business days.", "refund.issue", datetime(2026, 3, 9, 23, 59, 59, tzinfo=PARIS)),
        ("We'll refund you today.", "refund.issue", datetime(2026, 3, 2, 23, 59, 59, tzinfo=PARIS)),
        ("Votre colis sera livré le 12/03.", "parcel.deliver", datetime(2026, 3, 12, 23, 59, 59, tzinfo=PARIS)),
        ("We'll deliver your order on March 12.", "parcel.deliver", datetime(2026, 3, 12, 23, 59, 59, tzinfo=PARIS)),
    ],
)
def test_kind_and_deadline(text, kind, due):
    promise = one(text)
    assert (promise.kind, promise.due_at) == (kind, due)
    assert promise.evidence


def test_business_days_skip_the_weekend():
    # "sous 48h ouvrées" said on a Friday afternoon: Tuesday evening, not Sunday.
    promise = one("Notre service client vous recontactera sous 48h ouvrées.", FRIDAY)
    assert promise.due_at == datetime(2026, 3, 10, 23, 59, 59, tzinfo=PARIS)
    assert add_business_days(FRIDAY, 1).weekday() == 0


def test_each_act_takes_the_deadline_next_to_it():
    promises = {
        p.kind: p.due_at
        for p in extract_promises(
            "Nos équipes vont vous rappeler dans l'heure et vous assurer une livraison dès le lendemain.", MONDAY
        )
    }
    assert promises == {"callback": MONDAY + timedelta(hours=1), "parcel.deliver": datetime(2026, 3, 3, 23, 59, 59, tzinfo=PARIS)}


@pytest.mark.parametrize(
    "text,expected",
    [
        ("remboursement de 89,90 €", ("89.90", "EUR")),
        ("a refund of $49.99", ("49.99", "USD")),
        ("49.99 USD", ("49.99", "USD")),
        ("£10 credited", ("10", "GBP")),
        ("nothing here", None),
    ],
)
def test_amounts(text, expected):
    assert find_amount(text) == expected


def test_refund_carries_its_amount_and_a_default_deadline():
    promise = one("Nous allons vous rembourser 89,90 €.")
    assert promise.expect == {"amount": "89.90", "currency": "EUR"}
    assert promise.due_at == add_business_days(MONDAY, 5)  # refunds: 5 business days unless said


@pytest.mark.parametrize(
    "text",
    [
        "Please DM us your order number so we can look into this.",
        "Pouvez-vous nous envoyer votre numéro de suivi en message privé ?",
        "Thanks for reaching out, we're always happy to help.",
        "Unfortunately we can't refund orders after 30 days.",
        "Our standard delivery time is 3-5 business days.",
        "Will you be home tomorrow for the delivery?",
        "UPS has a service called My Choice that will allow your packages to be delivered to a UPS Store.",
    ],
)
def test_replies_that_promise_nothing(text):
    assert extract_promises(text, MONDAY) == []


def test_a_range_of_business_days_said_on_friday_takes_its_upper_bound():
    # 1-2 business days from a Friday: Tuesday, the weekend does not count.
    promise = one("We've refunded the charge, you'll see it within 1-2 business days.", FRIDAY)
    assert promise.due_at == datetime(2026, 3, 10, 23, 59, 59, tzinfo=PARIS)


@pytest.mark.parametrize(
    "text,due",
    [
        ("Un conseiller vous appellera demain entre 9h et 12h.", datetime(2026, 3, 3, 23, 59, 59, tzinfo=PARIS)),
        ("Un membre de notre équipe va vous appeler avant 17h.", datetime(2026, 3, 2, 17, 0, tzinfo=PARIS)),
        ("A specialist will phone you tomorrow before noon.", datetime(2026, 3, 3, 12, 0, tzinfo=PARIS)),
        ("Our store manager will call you back by 5pm today.", datetime(2026, 3, 2, 17, 0, tzinfo=PARIS)),
        ("Le livreur repassera vendredi matin.", datetime(2026, 3, 6, 12, 0, tzinfo=PARIS)),
        ("We'll deliver it by the end of the week.", datetime(2026, 3, 6, 23, 59, 59, tzinfo=PARIS)),
        ("Votre commande sera livrée le 9 mars au plus tard.", datetime(2026, 3, 9, 23, 59, 59, tzinfo=PARIS)),
        ("Your order is scheduled for delivery on 3/12.", datetime(2026, 3, 12, 23, 59, 59, tzinfo=PARIS)),
    ],
)
def test_times_of_day_are_not_durations(text, due):
    assert one(text).due_at == due


def test_thread_markers_and_opening_hours_are_not_deadlines():
    assert candidates("Sorry for the wait 1/2", MONDAY, "en") == []
    assert candidates("Service joignable 24h/24 et 7j/7", MONDAY, "fr") == []
    assert candidates("We're open 24/7", MONDAY, "en") == []


def test_a_deadline_belongs_to_the_act_it_is_said_with():
    promises = {
        p.kind: p.due_at
        for p in extract_promises("We'll refund your shipping and a supervisor will call you back within 24 hours.", MONDAY)
    }
    assert promises == {
        "refund.issue": add_business_days(MONDAY, 5),  # no deadline of its own
        "callback": MONDAY + timedelta(hours=24),
    }


def test_a_physical_act_takes_the_latest_of_its_deadlines():
    promise = one("Votre colis de remplacement part aujourd'hui, vous le recevrez sous 48h.", FRIDAY)
    assert (promise.kind, promise.due_at) == ("item.replace", FRIDAY + timedelta(hours=48))


def test_a_deadline_said_in_another_sentence_applies():
    promise = one("I've issued a full refund of $34.99. Please allow 3-5 business days for it to show.", FRIDAY)
    assert promise.due_at == datetime(2026, 3, 13, 23, 59, 59, tzinfo=PARIS)
    assert promise.expect == {"amount": "34.99", "currency": "USD"}


def test_getting_back_in_touch_is_a_callback_only_with_a_deadline():
    assert extract_promises("We'll get back to you as soon as we hear from the warehouse.", MONDAY) == []
    assert one("Our team will be in touch within 48 hours.").kind == "callback"


@pytest.mark.parametrize(
    "text",
    [
        "If your package doesn't arrive by Friday, let us know and we'll send a replacement.",
        "Bonjour, si le colis n'est pas livré d'ici vendredi, nous procéderons à un remboursement.",
        "To get a refund, please return the item within 30 days of delivery.",
        "You'll need to call our refunds team on 0800 123 456.",
        "We'll pass your kind words on to the delivery team!",
        "The replacement has been delivered according to our tracking.",
        "Votre commande a été livrée le 3 mars d'après le suivi.",
        "Refunds usually take 5-7 business days to reach your account once processed.",
        "Je vous rappelle que le retrait se fait sous 15 jours.",
    ],
)
def test_conditions_reports_and_policies_promise_nothing(text):
    assert extract_promises(text, MONDAY) == []


def test_due_dates_keep_the_timezone_they_were_said_in():
    said = datetime(2017, 10, 31, 22, 10, 47, tzinfo=UTC)
    promise = one("@115712 I've asked our driver to re-attempt delivery tomorrow between 9am and 1pm. ^JR", said)
    assert promise.due_at == datetime(2017, 11, 1, 23, 59, 59, tzinfo=UTC)
