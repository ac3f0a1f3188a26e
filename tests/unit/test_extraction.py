"""Promise extraction, rule by rule: kinds, deadlines, amounts, replies that promise nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from domain.extraction import extract_promises
from domain.extraction.amounts import find_amount
from domain.extraction.deadlines import add_business_days

PARIS = timezone(timedelta(hours=1))
FRIDAY = datetime(2026, 3, 6, 16, 0, tzinfo=PARIS)
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=PARIS)


def one(text, said_at=MONDAY):
    [promise] = extract_promises(text, said_at)
    return promise


@pytest.mark.parametrize("text,kind,due", [
    ("Votre colis sera rapatrié au bureau de votre choix dans les 24h.", "parcel.reroute", MONDAY + timedelta(hours=24)),
    ("Nous allons vous rappeler dans l'heure.", "callback", MONDAY + timedelta(hours=1)),
    ("Votre colis sera livré demain.", "parcel.deliver", datetime(2026, 3, 3, 23, 59, 59, tzinfo=PARIS)),
    ("Un conseiller va vous rappeler demain matin.", "callback", datetime(2026, 3, 3, 12, 0, tzinfo=PARIS)),
    ("We'll send you a replacement by Friday.", "item.replace", datetime(2026, 3, 6, 23, 59, 59, tzinfo=PARIS)),
    ("Your refund will appear within 3-5 business days.", "refund.issue",
     datetime(2026, 3, 9, 23, 59, 59, tzinfo=PARIS)),
    ("We'll refund you today.", "refund.issue", datetime(2026, 3, 2, 23, 59, 59, tzinfo=PARIS)),
    ("Votre colis sera livré le 12/03.", "parcel.deliver", datetime(2026, 3, 12, 23, 59, 59, tzinfo=PARIS)),
    ("We'll deliver your order on March 12.", "parcel.deliver", datetime(2026, 3, 12, 23, 59, 59, tzinfo=PARIS)),
])
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
    promises = {p.kind: p.due_at for p in extract_promises(
        "Nos équipes vont vous rappeler dans l'heure et vous assurer une livraison dès le lendemain.", MONDAY)}
    assert promises == {"callback": MONDAY + timedelta(hours=1),
                        "parcel.deliver": datetime(2026, 3, 3, 23, 59, 59, tzinfo=PARIS)}


@pytest.mark.parametrize("text,expected", [
    ("remboursement de 89,90 €", ("89.90", "EUR")), ("a refund of $49.99", ("49.99", "USD")),
    ("49.99 USD", ("49.99", "USD")), ("£10 credited", ("10", "GBP")), ("nothing here", None),
])
def test_amounts(text, expected):
    assert find_amount(text) == expected


def test_refund_carries_its_amount_and_a_default_deadline():
    promise = one("Nous allons vous rembourser 89,90 €.")
    assert promise.expect == {"amount": "89.90", "currency": "EUR"}
    assert promise.due_at == add_business_days(MONDAY, 5)  # refunds: 5 business days unless said


@pytest.mark.parametrize("text", [
    "Please DM us your order number so we can look into this.",
    "Pouvez-vous nous envoyer votre numéro de suivi en message privé ?",
    "Thanks for reaching out, we're always happy to help.",
    "Unfortunately we can't refund orders after 30 days.",
    "Our standard delivery time is 3-5 business days.",
    "Will you be home tomorrow for the delivery?",
    "UPS has a service called My Choice that will allow your packages to be delivered to a UPS Store.",
])
def test_replies_that_promise_nothing(text):
    assert extract_promises(text, MONDAY) == []
