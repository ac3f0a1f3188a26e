"""The providers Terrain accepts webhooks from, by the name used in the URL."""

from __future__ import annotations

from integrations.carriers.aftership import AfterShip
from integrations.carriers.easypost import EasyPost
from integrations.payments.stripe import Stripe
from integrations.webhooks.base import WebhookProvider

PROVIDERS: dict[str, WebhookProvider] = {p.name: p for p in (AfterShip(), EasyPost(), Stripe())}
