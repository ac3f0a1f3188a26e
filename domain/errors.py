"""Typed domain errors. Adapters map each to a 4xx answer; raising one writes nothing."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class: `code` is the stable machine-readable name used in API errors."""

    code = "invalid"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(DomainError):
    code = "invalid_input"


class NaiveTimestamp(InvalidInput):
    code = "naive_timestamp"


class InvalidAmount(InvalidInput):
    code = "invalid_amount"


class UnknownStatus(InvalidInput):
    code = "unknown_status"


class UnknownPromiseKind(InvalidInput):
    code = "unknown_promise_kind"


class MissingExpectation(InvalidInput):
    code = "missing_expect_field"


class DueBeforeSaid(InvalidInput):
    code = "due_before_said"


class UnknownPlaybook(InvalidInput):
    code = "unknown_playbook"


class NotFound(DomainError):
    code = "not_found"


class UnknownCase(NotFound):
    code = "unknown_case"


class UnknownPromise(NotFound):
    code = "unknown_promise"


class Conflict(DomainError):
    code = "conflict"


class CaseClosed(Conflict):
    code = "case_closed"


class IllegalTransition(Conflict):
    code = "illegal_transition"


class AlreadyAnswered(Conflict):
    code = "already_answered"
