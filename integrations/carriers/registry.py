"""The carriers whose tracking API Terrain polls, by the name used in
`terrain carriers set PARTNER --carrier NAME`. Adding one: write a module whose adapter
satisfies `integrations.carriers.pull.CarrierPullAdapter` and list it here."""

from __future__ import annotations

from integrations.carriers.pull import CarrierPullAdapter

CARRIERS: dict[str, CarrierPullAdapter] = {}


class UnknownCarrier(KeyError):
    """No carrier by that name."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.message = f"no carrier {name!r} (known: {', '.join(sorted(CARRIERS)) or 'none'})"

    def __str__(self) -> str:
        return self.message


def get_carrier(name: str) -> CarrierPullAdapter:
    """The carrier named `name` (case-insensitive); UnknownCarrier (a KeyError) otherwise."""
    adapter = CARRIERS.get(name.strip().lower()) if isinstance(name, str) else None
    if adapter is None:
        raise UnknownCarrier(str(name))
    return adapter
