"""Deadlines said in words (domain/extraction/deadlines.py), phrase by phrase, all said on
Wednesday 4 March 2026 at 10:00 UTC; day deadlines end at 23:59:59, a morning at noon."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.extraction.deadlines import candidates, distance, resolve

SAID = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # a Wednesday


def day(month: int, dom: int, year: int = 2026) -> datetime:
    return datetime(year, month, dom, 23, 59, 59, tzinfo=UTC)


def at(month: int, dom: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, dom, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    "text,lang,due",
    [
        # within the hour, hours
        ("je vous rappelle dans l'heure", "fr", at(3, 4, 11)),
        ("we'll call within the hour", "en", at(3, 4, 11)),
        ("in an hour", "en", at(3, 4, 11)),
        ("dans 2 heures", "fr", at(3, 4, 12)),
        ("within 3 hrs", "en", at(3, 4, 13)),
        ("dans les 24h", "fr", at(3, 5, 10)),
        ("sous 48h ouvrées", "fr", day(3, 6)),
        ("sous 72h ouvrées", "fr", day(3, 9)),
        ("sous 36h ouvrées", "fr", day(3, 5)),  # whole business days: 36 h is one
        ("within 12 business hours", "en", day(3, 5)),  # less than a day of business hours: one business day
        # days, weeks, ranges, business days
        ("within three days", "en", day(3, 7)),
        ("sous quinze jours", "fr", day(3, 19)),
        ("within 2 business days", "en", day(3, 6)),
        ("sous 3 jours ouvrés", "fr", day(3, 9)),
        ("3-5 working days", "en", day(3, 11)),
        ("2 à 4 jours", "fr", day(3, 8)),
        ("in 2 weeks", "en", day(3, 18)),
        ("sous 2 semaines ouvrées", "fr", day(3, 18)),
        ("dans une semaine", "fr", day(3, 11)),
        ("next 2 days", "en", day(3, 6)),
        ("a day or two", "en", day(3, 6)),
        ("un jour ou deux", "fr", day(3, 6)),
        ("a day or 3", "en", day(3, 7)),
        # named days
        ("aujourd'hui", "fr", day(3, 4)),
        ("by end of day", "en", day(3, 4)),
        ("livraison demain", "fr", day(3, 5)),
        ("demain matin", "fr", at(3, 5, 12)),
        ("demain midi", "fr", at(3, 5, 13)),
        ("tomorrow afternoon", "en", at(3, 5, 18)),
        ("tomorrow evening", "en", day(3, 5)),
        ("by the end of the week", "en", day(3, 6)),
        ("next week", "en", day(3, 13)),
        ("la semaine prochaine", "fr", day(3, 13)),
        ("sous quinzaine", "fr", day(3, 18)),
        ("by Friday", "en", day(3, 6)),
        ("vendredi matin", "fr", at(3, 6, 12)),
        ("lundi", "fr", day(3, 9)),
        ("on Wednesday", "en", day(3, 11)),  # said on a Wednesday: the next one
        # clock times
        ("by 5pm", "en", at(3, 4, 17)),
        ("by 5 pm", "en", at(3, 4, 17)),
        ("by 11:15am", "en", at(3, 4, 11, 15)),
        ("by 12:30 pm", "en", at(3, 4, 12, 30)),
        ("by 3:45 pm", "en", at(3, 4, 15, 45)),
        ("before noon", "en", at(3, 4, 12)),
        ("avant 17h30", "fr", at(3, 4, 17, 30)),
        ("avant 9h", "fr", at(3, 5, 9)),  # already past today: tomorrow
        ("avant 10h", "fr", at(3, 5, 10)),  # said at 10:00 exactly: tomorrow too
        ("by 11:59", "en", at(3, 4, 11, 59)),
        ("by 10:75 or by 5pm", "en", at(3, 4, 17)),  # an impossible time is skipped, the next one read
        ("demain avant 12h30", "fr", at(3, 5, 12, 30)),
        ("avant 24h", "fr", day(3, 4)),
        ("demain avant 12h", "fr", at(3, 5, 12)),
        ("Friday by 5pm", "en", at(3, 6, 17)),
        # dates
        ("le 12/03", "fr", day(3, 12)),
        ("on 3/12", "en", day(3, 12)),
        ("on 13/03", "en", day(3, 13)),  # a month cannot be 13: read the other way
        ("le 12/13", "fr", day(12, 13)),
        ("le 12 mars", "fr", day(3, 12)),
        ("le 1er avril", "fr", day(4, 1)),
        ("March 12th", "en", day(3, 12)),
        ("by Mar. 20", "en", day(3, 20)),
        ("le 12/03/27", "fr", day(3, 12, 2027)),
        ("le 04/03/2025", "fr", day(3, 4, 2025)),  # a year said is kept
        ("le 4/03", "fr", day(3, 4)),  # today is not past
        ("le 31/03", "fr", day(3, 31)),
        ("on 12/05", "en", day(12, 5)),  # month first in English, December is a month
        ("Réponse 1/2 : livraison le 12/03", "fr", day(3, 12)),  # a thread marker, then a date
        ("entre 9h et 12h, livraison sous 3 jours", "fr", day(3, 7)),  # times of day skipped, the delay read
        ("une semaine d'attente, désolé : remboursement sous 5 jours", "fr", day(3, 9)),
    ],
)
def test_a_deadline_said_in_words(text, lang, due):
    found = resolve(text, SAID, lang)
    assert found is not None, text
    assert found.due_at == due
    assert text[found.span[0] : found.span[1]].strip()  # the span points at the words


@pytest.mark.parametrize(
    "text,lang",
    [
        ("à 14h", "fr"),
        ("une semaine", "fr"),
        ("a day", "en"),
        ("it took an hour", "en"),
        ("avant 25h", "fr"),
        ("by 10:75", "en"),
        ("by 10:60", "en"),
        ("le 31/02", "fr"),
        ("le 32/01", "fr"),
        ("24/7", "en"),
        ("nothing said", "en"),
    ],
)
def test_words_that_are_no_deadline(text, lang):
    assert resolve(text, SAID, lang) is None


def test_the_deadline_next_to_the_act_wins():
    text = "Je vous rappelle demain et le colis arrive sous 3 jours"
    act = text.index("colis arrive"), text.index("colis arrive") + len("colis arrive")
    assert resolve(text, SAID, "fr", near=act).due_at == day(3, 7)
    assert resolve(text, SAID, "fr").due_at == day(3, 5)  # without an act: the first one
    assert [d.due_at for d in candidates(text, SAID, "fr")] == [day(3, 5), day(3, 7)]


def test_distance_prefers_what_follows_the_act():
    assert distance((10, 15), (0, 5)) == (5, 10)
    assert distance((5, 8), (0, 5)) == (0, 5)
    assert distance((0, 3), (5, 9)) == (22, 0)
    assert distance((0, 6), (5, 9)) == (20, 0)


def test_deadlines_keep_the_moment_they_were_said_in():
    evening = SAID.replace(hour=22)
    assert resolve("dans l'heure", evening, "fr").due_at == evening + timedelta(hours=1)
    assert resolve("by 9pm", evening, "en").due_at == at(3, 5, 21)


SATURDAY = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text,lang,due",
    [
        ("by the end of the week", "en", day(3, 13)),
        ("next week", "en", day(3, 20)),
        ("in 1 week", "en", day(3, 14)),  # a calendar week
        ("sous 1 semaine ouvrée", "fr", day(3, 13)),  # five business days: Friday
    ],
)
def test_weeks_said_on_a_saturday(text, lang, due):
    assert resolve(text, SATURDAY, lang).due_at == due


def test_a_clock_time_refines_the_day_said_just_before_or_just_after_it():
    near, far = "tomorrow" + " " * 12 + "by 5pm", "tomorrow" + " " * 13 + "by 5pm"
    assert [d.due_at for d in candidates(near, SAID, "en")] == [at(3, 5, 17)]
    assert [d.due_at for d in candidates(far, SAID, "en")] == [day(3, 5), at(3, 4, 17)]
    before, apart = "by 5pm" + " " * 3 + "tomorrow", "by 5pm" + " " * 4 + "tomorrow"
    assert [d.due_at for d in candidates(before, SAID, "en")] == [at(3, 5, 17)]
    assert [d.due_at for d in candidates(apart, SAID, "en")] == [at(3, 4, 17), day(3, 5)]
    assert [d.span for d in candidates("demain avant 12h", SAID, "fr")] == [(0, 16)]
    assert [d.due_at for d in candidates("by 5pm friday", SAID, "en")] == [at(3, 6, 17)]  # the day right after
    assert [d.due_at for d in candidates("le 12 mars.avant 12h", SAID, "fr")] == [at(3, 12, 12)]  # right before


def test_a_date_just_past_is_a_past_fact_and_one_long_past_is_next_year():
    """ "processed on 24/10" said on 2 November reports a fact, not a deadline; "le 05/01" said
    in late December means next January."""
    assert resolve("le 01/02", SAID, "fr") is None
    assert resolve("le 15/01", SAID, "fr") is None
    december = SAID.replace(month=12, day=20)
    found = resolve("le 05/01", december, "fr")
    assert found is not None and (found.due_at.year, found.due_at.month, found.due_at.day) == (december.year + 1, 1, 5)
