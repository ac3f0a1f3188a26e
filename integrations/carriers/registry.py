"""The carriers whose tracking API Terrain polls, by the name used in `terrain carriers set
PARTNER --carrier NAME`. Adding one: a module with a class satisfying
`integrations.carriers.pull.CarrierPullAdapter` (and `OAuthCarrier` when it needs a token),
listed here."""

from __future__ import annotations

from integrations.carriers.dhl import DHL
from integrations.carriers.karrio import Karrio
from integrations.carriers.laposte import LaPoste
from integrations.carriers.pull import CarrierPullAdapter
from integrations.carriers.ups import UPS

PULL_ADAPTERS: dict[str, CarrierPullAdapter] = {a.name: a for a in (LaPoste(), DHL(), UPS(), Karrio())}


def get_adapter(name: str) -> CarrierPullAdapter:
    """The pull adapter named `name` (case-insensitive); KeyError naming the known ones otherwise."""
    adapter = PULL_ADAPTERS.get(name.strip().lower()) if isinstance(name, str) else None
    if adapter is None:
        raise KeyError(f"no carrier {name!r} (known: {', '.join(sorted(PULL_ADAPTERS))})")
    return adapter
