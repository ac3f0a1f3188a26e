"""What the domain accepts and refuses at its edge, with the error type, the details an API
answer carries (`error.details`) and the limits exactly at their boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from domain import errors, values
from domain.kinds import validate_expect
from domain.model import Complaint, FieldUpdate, Promise, PromiseKind, parse_kind
from domain.playbooks import parse_playbooks

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PARIS = timezone(timedelta(hours=1))


def refused(error_type, call, *args, **kwargs):
    """Call, expect exactly `error_type`; return its details (the message must be a sentence)."""
    with pytest.raises(errors.DomainError) as caught:
        call(*args, **kwargs)
    assert type(caught.value) is error_type, caught.value
    assert isinstance(caught.value.message, str) and caught.value.message == str(caught.value)
    return caught.value.details


# --- values --------------------------------------------------------------------------------


def test_timestamps_must_be_aware_and_are_kept_in_utc():
    assert values.aware(datetime(2026, 3, 2, 10, 0, tzinfo=PARIS), "at") == T0
    assert values.aware(T0, "at").tzinfo is UTC
    from zoneinfo import ZoneInfo

    assert values.aware(datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Paris")), "at") == T0
    assert refused(errors.NaiveTimestamp, values.aware, datetime(2026, 3, 2), "at") == {"field": "at"}


def test_timestamps_between_1970_and_9998_inclusive():
    assert values.aware(datetime(1970, 1, 1, tzinfo=UTC), "at").year == 1970
    assert values.aware(datetime(9998, 12, 31, tzinfo=UTC), "at").year == 9998
    assert refused(errors.InvalidInput, values.aware, datetime(1969, 12, 31, 23, 59, tzinfo=UTC), "at") == {"field": "at"}
    assert refused(errors.InvalidInput, values.aware, datetime(9999, 1, 1, tzinfo=UTC), "at") == {"field": "at"}
    far = datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5)))  # overflows when made UTC
    assert refused(errors.InvalidInput, values.aware, far, "at") == {"field": "at"}


@pytest.mark.parametrize(
    "given,expected",
    [
        ("12.50", Decimal("12.50")),
        ("0", Decimal("0")),
        (12, Decimal("12")),
        (" 3.1 ", Decimal("3.1")),
        (Decimal("7.25"), Decimal("7.25")),
        (None, None),
    ],
)
def test_amounts_are_non_negative_decimal_strings(given, expected):
    assert values.amount(given) == expected


@pytest.mark.parametrize("given", ["-1", "1,5", "1.", ".5", "abc", "", 12.5, "1e3"])
def test_other_amounts_are_refused_naming_the_field_and_value(given):
    assert refused(errors.InvalidAmount, values.amount, given, "expect.amount") == {"field": "expect.amount", "value": str(given)}


def test_currencies_are_three_letters_stored_upper_case():
    assert values.currency(" eur ") == "EUR"
    assert values.currency(None) is None
    for bad in ("EURO", "E1R", "", "€"):
        assert refused(errors.InvalidInput, values.currency, bad) == {"field": "currency", "value": bad}


def test_text_is_trimmed_required_when_asked_free_of_nul_and_bounded():
    assert values.text("  hello ", "f") == "hello"
    assert values.text(None, "f") is None and values.text("   ", "f") is None
    assert refused(errors.InvalidInput, values.text, " ", "f", required=True) == {"field": "f"}
    assert refused(errors.InvalidInput, values.text, None, "f", required=True) == {"field": "f"}
    assert refused(errors.InvalidInput, values.text, "a\x00b", "f") == {"field": "f"}
    assert values.text("x" * 5, "f", max_len=5) == "xxxxx"
    assert refused(errors.InvalidInput, values.text, "x" * 6, "f", max_len=5) == {"field": "f"}
    assert values.text("x" * 10_000, "f") == "x" * 10_000
    assert refused(errors.InvalidInput, values.text, "x" * 10_001, "f") == {"field": "f"}
    assert values.text(42, "f") == "42"


# --- complaints ----------------------------------------------------------------------------

COMPLAINT = {
    "channel": " twitter ",
    "external_id": "tw-1",
    "author": "@tg",
    "text": " colis bloqué ",
    "posted_at": datetime(2026, 3, 2, 10, 0, tzinfo=PARIS),
}


def test_a_complaint_is_normalised():
    c = Complaint.create({**COMPLAINT, "customer_ref": " C1 ", "order_ref": "O1", "tracking_numbers": [" 1Z ", "", "  ", "6A"]})
    assert (c.channel, c.external_id, c.author, c.text, c.posted_at) == ("twitter", "tw-1", "@tg", "colis bloqué", T0)
    assert (c.customer_ref, c.order_ref, c.tracking_numbers) == ("C1", "O1", ("1Z", "6A"))
    bare = Complaint.create(COMPLAINT)
    assert (bare.customer_ref, bare.order_ref, bare.tracking_numbers) == (None, None, ())
    assert Complaint.create({**COMPLAINT, "tracking_numbers": ("1Z",)}).tracking_numbers == ("1Z",)


@pytest.mark.parametrize(
    "field,limit",
    [("channel", 100), ("external_id", 200), ("author", 200), ("text", 20_000), ("customer_ref", 200), ("order_ref", 200)],
)
def test_complaint_fields_have_a_length_limit(field, limit):
    assert getattr(Complaint.create({**COMPLAINT, field: "x" * limit}), field) == "x" * limit
    assert refused(errors.InvalidInput, Complaint.create, {**COMPLAINT, field: "x" * (limit + 1)}) == {"field": field}


@pytest.mark.parametrize("field", ["channel", "external_id", "author", "text"])
def test_complaint_fields_that_are_required(field):
    assert refused(errors.InvalidInput, Complaint.create, {**COMPLAINT, field: "  "}) == {"field": field}
    assert refused(errors.InvalidInput, Complaint.create, {k: v for k, v in COMPLAINT.items() if k != field}) == {"field": field}


@pytest.mark.parametrize(
    "data,details",
    [
        ({"posted_at": "2026-03-02"}, {"field": "posted_at"}),
        ({"posted_at": datetime(2026, 3, 2)}, {"field": "posted_at"}),
        ({"tracking_numbers": "1Z"}, {"field": "tracking_numbers"}),
        ({"tracking_numbers": ["1Z", 7]}, {"field": "tracking_numbers"}),
    ],
)
def test_bad_complaints(data, details):
    error = errors.NaiveTimestamp if isinstance(data.get("posted_at"), datetime) else errors.InvalidInput
    assert refused(error, Complaint.create, {**COMPLAINT, **data}) == details


# --- promises and what they expect ---------------------------------------------------------


def test_parse_kind_names_the_allowed_kinds():
    assert parse_kind("callback") is PromiseKind.CALLBACK
    assert refused(errors.UnknownPromiseKind, parse_kind, "parcel.teleport") == {
        "kind": "parcel.teleport",
        "allowed": [k.value for k in PromiseKind],
    }


def test_expect_is_checked_and_normalised_per_kind():
    refund = PromiseKind.REFUND_ISSUE
    assert validate_expect(refund, {"amount": " 10.50 ", "currency": "eur"}) == {"amount": "10.50", "currency": "EUR"}
    assert validate_expect(refund, {"amount": 10, "currency": "EUR"}) == {"amount": "10", "currency": "EUR"}
    deliver = PromiseKind.PARCEL_DELIVER
    assert validate_expect(deliver, {"recipient": " T Gouritin ", "address": None}) == {"recipient": "T Gouritin"}
    assert validate_expect(deliver, {"address": "1 rue X", "recipient": ""}) == {"address": "1 rue X"}
    assert validate_expect(deliver, {"address": None, "recipient": "T"}) == {"recipient": "T"}  # a blank is skipped
    assert validate_expect(PromiseKind.CALLBACK, None) == {}
    assert validate_expect(PromiseKind.ITEM_REPLACE, {}) == {}
    assert validate_expect(PromiseKind.PARCEL_REROUTE, {"location": "x" * 500}) == {"location": "x" * 500}


@pytest.mark.parametrize(
    "kind,expect,error,details",
    [
        (
            PromiseKind.CALLBACK,
            {"location": "x", "amount": "1"},
            errors.InvalidInput,
            {"kind": "callback", "unknown": ["amount", "location"], "allowed": []},
        ),
        (
            PromiseKind.PARCEL_DELIVER,
            {"colour": "red"},
            errors.InvalidInput,
            {
                "kind": "parcel.deliver",
                "unknown": ["colour"],
                "allowed": ["address", "country", "pickup_point_id", "postal_code", "recipient"],
            },
        ),
        (PromiseKind.PARCEL_REROUTE, {"location": ["Lille"]}, errors.InvalidInput, {"field": "expect.location"}),
        (PromiseKind.PARCEL_REROUTE, {"location": True}, errors.InvalidInput, {"field": "expect.location"}),
        (PromiseKind.PARCEL_REROUTE, {"location": "x" * 501}, errors.InvalidInput, {"field": "expect.location"}),
        (
            PromiseKind.PARCEL_REROUTE,
            {"location": " "},
            errors.MissingExpectation,
            {"kind": "parcel.reroute", "missing": ["location"]},
        ),
        (
            PromiseKind.REFUND_ISSUE,
            {"amount": "10"},
            errors.MissingExpectation,
            {"kind": "refund.issue", "missing": ["currency"]},
        ),
        (PromiseKind.REFUND_ISSUE, {}, errors.MissingExpectation, {"kind": "refund.issue", "missing": ["amount", "currency"]}),
        (PromiseKind.PARCEL_DELIVER, {}, errors.MissingExpectation, {"kind": "parcel.deliver", "missing": ["address|recipient"]}),
        (
            PromiseKind.REFUND_ISSUE,
            {"amount": "ten", "currency": "EUR"},
            errors.InvalidAmount,
            {"field": "expect.amount", "value": "ten"},
        ),
        (
            PromiseKind.REFUND_ISSUE,
            {"amount": "10", "currency": "EURO"},
            errors.InvalidInput,
            {"field": "expect.currency", "value": "EURO"},
        ),
    ],
)
def test_bad_expectations(kind, expect, error, details):
    assert refused(error, validate_expect, kind, expect) == details


def make_promise(**overrides):
    fields = dict(
        promise_id="p1",
        case_id="c1",
        kind="parcel.reroute",
        partner=" laposte ",
        reference=" 6A1 ",
        due_at=datetime(2026, 3, 3, 10, 0, tzinfo=PARIS),
        expect={"location": "Lille Vauban"},
        said=" sous 24h ",
        created_at=T0,
    )
    return Promise.create(**{**fields, **overrides})


def test_a_promise_is_normalised_and_starts_pending_and_unaddressed():
    p = make_promise()
    assert (p.promise_id, p.case_id, p.kind, p.partner, p.reference, p.said, p.created_at) == (
        "p1",
        "c1",
        PromiseKind.PARCEL_REROUTE,
        "laposte",
        "6A1",
        "sous 24h",
        T0,
    )
    assert p.due_at == T0 + timedelta(hours=24) and p.due_at.tzinfo is UTC
    assert p.expect == {"location": "Lille Vauban"}
    assert (p.outcome.verdict.value, p.outcome.reason, p.addressed) == ("pending", None, False)
    assert make_promise(said=None).said is None
    assert make_promise(due_at=T0).due_at == T0  # due the moment it is said: allowed


@pytest.mark.parametrize(
    "overrides,error,details",
    [
        (
            {"due_at": T0 - timedelta(seconds=1)},
            errors.DueBeforeSaid,
            {"due_at": (T0 - timedelta(seconds=1)).isoformat(), "said_at": T0.isoformat()},
        ),
        ({"partner": " "}, errors.InvalidInput, {"field": "partner"}),
        ({"reference": ""}, errors.InvalidInput, {"field": "reference"}),
        ({"partner": "x" * 201}, errors.InvalidInput, {"field": "partner"}),
        ({"reference": "x" * 201}, errors.InvalidInput, {"field": "reference"}),
        ({"said": "x" * 5001}, errors.InvalidInput, {"field": "said"}),
        ({"due_at": datetime(2026, 3, 5)}, errors.NaiveTimestamp, {"field": "due_at"}),
        ({"kind": "nope"}, errors.UnknownPromiseKind, {"kind": "nope", "allowed": [k.value for k in PromiseKind]}),
    ],
)
def test_bad_promises(overrides, error, details):
    assert refused(error, make_promise, **overrides) == details


def test_promise_limits_at_their_boundary():
    p = make_promise(partner="x" * 200, reference="y" * 200, said="z" * 5000)
    assert (len(p.partner), len(p.reference), len(p.said)) == (200, 200, 5000)


# --- field updates ---------------------------------------------------------------------------

UPDATE = {
    "event_id": " e1 ",
    "reference": " 1Z ",
    "status": "delivered",
    "occurred_at": datetime(2026, 3, 2, 10, 0, tzinfo=PARIS),
}


def test_an_update_is_normalised():
    u = FieldUpdate.create(
        " ups ",
        {
            **UPDATE,
            "location": " Lille ",
            "address": "1 rue X",
            "signed_by": "ROLAND",
            "amount": "10.5",
            "currency": "eur",
            "detail": {"code": 7},
        },
    )
    assert (u.partner, u.event_id, u.reference, u.status, u.occurred_at) == ("ups", "e1", "1Z", "delivered", T0)
    assert (u.location, u.address, u.signed_by, u.amount, u.currency, u.detail) == (
        "Lille",
        "1 rue X",
        "ROLAND",
        Decimal("10.5"),
        "EUR",
        "{'code': 7}",
    )
    bare = FieldUpdate.create("ups", UPDATE)
    assert (bare.location, bare.address, bare.signed_by, bare.amount, bare.currency, bare.detail) == (None,) * 6
    assert bare.order_key == (T0, "e1")


@pytest.mark.parametrize(
    "field,limit",
    [("event_id", 200), ("reference", 200), ("location", 500), ("address", 500), ("signed_by", 200), ("detail", 2000)],
)
def test_update_fields_have_a_length_limit(field, limit):
    assert getattr(FieldUpdate.create("ups", {**UPDATE, field: "x" * limit}), field) == "x" * limit
    assert refused(errors.InvalidInput, FieldUpdate.create, "ups", {**UPDATE, field: "x" * (limit + 1)}) == {"field": field}


@pytest.mark.parametrize(
    "partner,data,error,details",
    [
        ("ups", {"status": "teleported"}, errors.UnknownStatus, None),
        ("ups", {"status": None}, errors.UnknownStatus, None),
        ("ups", {"occurred_at": "2026-03-02T10:00:00Z"}, errors.InvalidInput, {"field": "occurred_at"}),
        ("ups", {"occurred_at": datetime(2026, 3, 2)}, errors.NaiveTimestamp, {"field": "occurred_at"}),
        ("ups", {"event_id": None}, errors.InvalidInput, {"field": "event_id"}),
        ("ups", {"reference": " "}, errors.InvalidInput, {"field": "reference"}),
        (" ", {}, errors.InvalidInput, {"field": "partner"}),
        ("x" * 201, {}, errors.InvalidInput, {"field": "partner"}),
        ("ups", {"amount": "-2"}, errors.InvalidAmount, {"field": "amount", "value": "-2"}),
        ("ups", {"currency": "EURO"}, errors.InvalidInput, {"field": "currency", "value": "EURO"}),
    ],
)
def test_bad_updates(partner, data, error, details):
    got = refused(error, FieldUpdate.create, partner, {**UPDATE, **data})
    if error is errors.UnknownStatus:
        from domain.model import STATUSES

        assert got == {"status": data["status"], "allowed": sorted(STATUSES)}
    else:
        assert got == details


def test_evidence_quotes_the_update_with_only_the_fields_it_carries():
    u = FieldUpdate.create("stripe", {**UPDATE, "status": "refund_succeeded", "amount": "10.50", "currency": "EUR"})
    assert u.evidence() == {
        "event_id": "e1",
        "partner": "stripe",
        "reference": "1Z",
        "status": "refund_succeeded",
        "occurred_at": T0.isoformat(),
        "currency": "EUR",
        "amount": "10.50",
    }
    full = FieldUpdate.create(
        "ups", {**UPDATE, "location": "Lille", "address": "1 rue X", "signed_by": "R", "detail": "left at door"}
    )
    assert full.evidence() == {
        "event_id": "e1",
        "partner": "ups",
        "reference": "1Z",
        "status": "delivered",
        "occurred_at": T0.isoformat(),
        "location": "Lille",
        "address": "1 rue X",
        "signed_by": "R",
        "detail": "left at door",
    }


# --- playbook files ------------------------------------------------------------------------


def book(**promise):
    return [{"name": "x", "title": "t", "problem": "p", "promises": [{"kind": "callback", "said": "s", **promise}]}]


@pytest.mark.parametrize(
    "data,details",
    [
        ({}, None),
        ([{"name": "x"}], {"at": "playbooks[0]"}),
        (["x"], {"at": "playbooks[0]"}),
        ([{"name": "x", "title": "", "problem": "p", "promises": [{}]}], {"at": "playbooks[0]"}),
        ([{"name": "x", "title": "t", "problem": "p", "promises": []}], {"at": "playbooks[0]"}),
        ([{"name": "x", "title": "t", "problem": "p", "promises": "callback"}], {"at": "playbooks[0]"}),
        ([{"name": "x", "title": "t", "problem": "p", "promises": ["callback"]}], {"at": "playbooks[0].promises[0]"}),
        (book(said=" ", due_in_hours=1), {"at": "playbooks[0].promises[0]"}),
        (book(due_in_hours=0), {"at": "playbooks[0].promises[0]"}),
        (book(due_in_hours="2"), {"at": "playbooks[0].promises[0]"}),
        (book(due_in_business_days=False), {"at": "playbooks[0].promises[0]"}),
        (book(due_in_hours=1, due_in_business_days=1), {"at": "playbooks[0].promises[0]"}),
        (book(), {"at": "playbooks[0].promises[0]"}),
        (book(due_in_hours=1, expect_defaults="x"), {"at": "playbooks[0].promises[0]"}),
        (book(due_in_hours=1, expect={"location": 3}), {"at": "playbooks[0].promises[0]"}),
        (book(due_in_hours=1, expect_defaults={"location": "a"}), {"at": "playbooks[0].promises[0]", "unknown": ["location"]}),
        (book(due_in_hours=1) + book(due_in_hours=2), {"at": "playbooks[1]"}),
    ],
)
def test_bad_playbook_files_say_where(data, details):
    assert refused(errors.InvalidInput, parse_playbooks, data) == details


def test_a_playbook_file_is_read_as_written():
    [only] = parse_playbooks(
        [
            {
                "name": "late",
                "title": "Late",
                "problem": "p",
                "promises": [
                    {"kind": "callback", "said": "we call", "due_in_business_days": 2},
                    {"kind": "parcel.reroute", "said": "moved", "due_in_hours": 24, "expect": {"location": "Depot"}},
                ],
            },
        ]
    ).values()
    assert only.describe() == {
        "name": "late",
        "title": "Late",
        "problem": "p",
        "fits": [],
        "next_step": {},
        "promises": [
            {"kind": "callback", "said": "we call", "due_in_hours": None, "due_in_business_days": 2, "expect": {}, "then": []},
            {
                "kind": "parcel.reroute",
                "said": "moved",
                "due_in_hours": 24,
                "due_in_business_days": None,
                "expect": {"location": "Depot"},
                "then": [],
            },
        ],
    }
    assert parse_playbooks([]) == {}
    # expect_defaults may name any field the kind takes, required or not
    assert parse_playbooks(book(kind="parcel.deliver", due_in_hours=1, expect_defaults={"address": "1 rue X"}))
    monday = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert only.promises[0].due_at(monday) == datetime(2026, 3, 4, 23, 59, 59, tzinfo=UTC)
    assert only.promises[1].due_at(monday) == monday + timedelta(hours=24)


def test_a_playbook_expands_to_promise_specs_for_the_partner_and_reference():
    from domain.playbooks import expand

    [only] = parse_playbooks(book(due_in_hours=2)).values()
    assert expand(only, "cc", "R1", T0) == [
        {
            "kind": "callback",
            "partner": "cc",
            "reference": "R1",
            "due_at": T0 + timedelta(hours=2),
            "expect": {},
            "said": "s",
            "plan": (),
        }
    ]
