"""`callback`: somebody calls or writes back to the customer; `done` keeps it."""

from __future__ import annotations

from datetime import timedelta

from domain.kinds.partner_step import PartnerStep
from domain.model import PromiseKind


class Callback(PartnerStep):
    kind = PromiseKind.CALLBACK
    allowed_expect: frozenset[str] = frozenset()
    default_delay = timedelta(hours=24)


RULES = Callback()
