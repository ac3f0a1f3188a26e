"""How English contact-backs and refunds are told from what only sounds like them (domain/extraction/english.py).

Written sentences, one per form the rules know, each with its near miss. The real replies are measured in
test_extraction_quality_real.py; these pin the forms so that a change to one does not silently drop another.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.extraction import extract_promises

SAID = datetime(2017, 11, 22, 15, 0, tzinfo=UTC)  # a Wednesday


def kinds(text: str) -> dict[str, object]:
    return {p.kind: p for p in extract_promises(text, SAID, "en", tz="America/New_York")}


@pytest.mark.parametrize(
    "text",
    [
        "Thanks for the details. We'll get back to you shortly.",
        "Our billing team will be in touch within 2 business days.",
        "They should revert to you soonest regarding the case.",
        "I've passed this along and someone will reach out to you in the next few hours.",
        "We'll be back in touch as soon as possible.",
        "A specialist is going to call you tomorrow morning.",
        "I'll drop you an email later today with the details.",
        "We've got your message and will send over a reply shortly.",
        "You'll be contacted by our claims department within 5 working days.",
        "You will be updated via email soon.",
        "You should hear back from us today.",
        "You will receive a call from the engineer shortly.",
        "Keep an eye out for our reply shortly.",
        "We have your DM. Expect a response from us soon.",
        "Please allow 24-48 hours for a response from our team.",
        "The case is with the relevant team; kindly allow them to update you via email soon.",
        "Let us know if a member of our team doesn't reach out in the next 3-5 business days.",
        ">> contacting you at the earliest possible time.",
    ],
)
def test_a_timed_unconditional_contact_back_is_a_callback(text):
    assert "callback" in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "We'll get back to you.",  # no time
        "Our team will follow up with you about this.",  # no time
        "Send us a DM with your order number and we'll reply shortly.",  # the customer acts first
        "Please fill in the form at the link. We will contact you soon.",  # ... in the sentence before
        "If you still need help, we'll respond as soon as we can.",  # conditional
        "We'll update you as soon as we hear from the warehouse.",  # waits for an event
        "You'll be notified once the request is processed.",  # waits for an event
        "Hopefully we'll have an update for you soon.",  # hoped for
        "I'll follow up with our delivery team today.",  # internal
        "We will contact the store first thing tomorrow.",  # someone else is reached
        "The seller should respond within 2 business days.",  # a third party
        "You can reach us 24/7 and we'll respond within minutes.",
        "You'll need to contact the airline within 24 hours.",  # the customer does the reaching
        "Could you tell us which device you're using? We'll get back to you in a moment.",
        "Will someone call me back today?",  # a question
        "Guests will be notified soon if the flight is retimed.",
        "We're working hard to get you on your way soon.",
        "Our tech folks are on it and should have a fix soon.",
    ],
)
def test_what_only_sounds_like_a_contact_back_is_not_one(text):
    assert "callback" not in kinds(text)


def test_shortly_gives_a_day_and_the_community_manager_confirms_it():
    promise = kinds("We've received your DM and will reply there shortly.")["callback"]
    assert promise.due_at == SAID + timedelta(hours=24)
    assert 0.7 <= promise.confidence < 0.8  # a default delay: suggested, not recorded


def test_a_split_tweet_fragment_is_less_sure():
    promise = kinds(">> reverting back to you soonest. Sorry for the wait.")["callback"]
    assert promise.confidence < kinds("We will revert back to you soonest.")["callback"].confidence


@pytest.mark.parametrize(
    "text",
    [
        "You will be refunded for the add-ons you purchased.",
        "We have forwarded your case and the amount will be refund to your card within 30 working days.",
        "The refund for ABC123 was processed on 26Sep17 and should reflect on your end of October card statement.",
        "Your booking has been queued for a refund within 48 hours.",
    ],
)
def test_money_said_to_be_on_its_way_is_a_refund(text):
    assert "refund.issue" in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "The credit shell has been processed and applied to your account.",  # done, nothing left to happen
        "Your booking has been queued for credit shell.",  # a request, no time
        "We can offer you a credit shell if you agree.",  # an option
        "Please state your request for refund and refund is within 30 working days.",  # an instruction
        "Refunds usually take 5-7 business days.",  # a policy
        "The refund was sent to the bank on 18/08.",  # a past fact
    ],
)
def test_what_only_sounds_like_a_refund_is_not_one(text):
    assert "refund.issue" not in kinds(text)
