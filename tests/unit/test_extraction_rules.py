"""Promise extraction rules, reply by reply: the fallback deadline, one promise per kind, the
expectations (place, address, amount) and the language guess."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.extraction import detect_language, extract_promises
from domain.extraction.kinds import kinds_in

SAID = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # a Wednesday
REROUTE = "Nous faisons rapatrier votre colis au bureau de poste de Lille Vauban."


def only(text):
    [promise] = extract_promises(text, SAID)
    return promise


def test_an_act_without_its_own_deadline_takes_the_deadline_of_a_sentence_naming_no_act():
    p = only(REROUTE + " Comptez 3 jours.")
    assert (p.kind, p.due_at, p.expect) == (
        "parcel.reroute",
        datetime(2026, 3, 7, 23, 59, 59, tzinfo=UTC),
        {"location": "Lille Vauban"},
    )
    assert p.evidence == REROUTE
    assert only(REROUTE).due_at == SAID + timedelta(hours=48)  # else the kind's usual delay


def test_a_sentence_naming_no_act_does_not_end_the_reading():
    assert only("Désolé pour l'attente. " + REROUTE).kind == "parcel.reroute"


def test_one_promise_per_kind_and_the_others_still_read():
    promises = extract_promises(
        REROUTE + " " + REROUTE.replace("Lille Vauban", "Lomme") + " Je vous rappelle dans l'heure.", SAID
    )
    assert [p.kind for p in promises] == ["parcel.reroute", "callback"]
    assert promises[0].expect == {"location": "Lille Vauban"}
    assert promises[1].due_at == SAID + timedelta(hours=1)


def test_expectations_come_from_the_words():
    assert only("Votre colis sera livré au 12 rue Nationale demain.").expect == {"address": "12 rue Nationale"}
    assert only("We will refund you 19.90 EUR today.").expect == {"amount": "19.90", "currency": "EUR"}


def test_language_is_french_from_two_french_words():
    assert detect_language("Votre colis") == "fr"
    assert detect_language("colis") == "en"
    assert detect_language("Your parcel ships tomorrow") == "en"
    # The language decides how a numeric date reads: day first in French.
    fr = only("Votre colis sera livré au 12 rue Nationale le 05/04.")
    en = only("Your parcel will be delivered to 12 Main Street on 05/04.")
    assert (fr.due_at.month, fr.due_at.day, en.due_at.month, en.due_at.day) == (4, 5, 5, 4)


def test_a_replacement_goes_to_a_place():
    # (in English a replacement said without a deadline is not taken for a promise: real replies
    # mention "a new iPhone" all the time without promising one)
    assert only("We will send you a replacement item to the store in Lille Centre within 2 days.").expect == {
        "location": "Lille Centre"
    }


def test_a_reroute_that_mentions_the_delivery_is_one_reroute():
    p = only(REROUTE.rstrip(".") + " où il sera livré demain.")
    assert (p.kind, p.expect) == ("parcel.reroute", {"location": "Lille Vauban"})


def test_facts_questions_and_delivery_details_promise_nothing():
    for text in (
        "Votre colis a été livré hier.",
        "Your parcel has been delivered.",
        "We will deliver your parcel tomorrow?",
        "Votre adresse de livraison sera mise à jour demain.",
    ):
        assert extract_promises(text, SAID) == [], text
    assert kinds_in("We will deliver your parcel tomorrow?  ") == []  # a question, whatever trails it


def test_a_refund_amount_said_in_another_sentence_counts():
    p = only("Nous vous remboursons dès demain. Montant : 20 EUR.")
    assert (p.kind, p.expect) == ("refund.issue", {"amount": "20", "currency": "EUR"})


def test_no_place_said_no_place_expected():
    assert only("Nous faisons rapatrier votre colis.").expect == {}
    assert only("Votre colis sera livré demain.").expect == {}


def test_a_replacement_delivered_somewhere_is_one_replacement():
    p = only("We will send you a replacement item, delivered to the store in Lille Centre tomorrow.")
    assert (p.kind, p.expect) == ("item.replace", {"location": "Lille Centre"})


def test_getting_back_to_someone_is_a_callback_only_when_a_deadline_is_said():
    assert kinds_in("We will get back to you.") == []  # by default the sentence states no deadline
    assert [k for k, _ in kinds_in("We will get back to you.", has_deadline=True)] == ["callback"]
