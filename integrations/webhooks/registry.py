"""The providers Terrain accepts signed webhooks from, by the name used in the URL
(`POST /v1/webhooks/{provider}/{partner}`). Adding one: write a class that satisfies
`integrations.webhooks.base.WebhookProvider` and list it here."""

from __future__ import annotations

from integrations.carriers.aftership import AfterShip
from integrations.carriers.easypost import EasyPost
from integrations.carriers.karrio import Karrio
from integrations.carriers.ups import UPS
from integrations.payments.stripe import Stripe
from integrations.webhooks.base import WebhookProvider

PROVIDERS: dict[str, WebhookProvider] = {p.name: p for p in (AfterShip(), EasyPost(), Stripe(), UPS(), Karrio())}


class UnknownProvider(KeyError):
    """No provider by that name."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.message = f"no webhook provider {name!r} (known: {', '.join(sorted(PROVIDERS))})"

    def __str__(self) -> str:
        return self.message


def get_provider(name: str) -> WebhookProvider:
    """The provider named `name` (case-insensitive); UnknownProvider (a KeyError) otherwise."""
    provider = PROVIDERS.get(name.strip().lower()) if isinstance(name, str) else None
    if provider is None:
        raise UnknownProvider(str(name))
    return provider
