"""Named places in a reply: "au bureau de poste de Lille Vauban", "to the UPS Access Point on Main St"."""

from __future__ import annotations

import re

_PLACE = r"(?P<place>[A-ZÀ-Ý0-9][\w'’.-]*(?:\s+(?:de|du|des|d'|la|le|sur|on|of|[A-ZÀ-Ý0-9][\w'’.-]*))*)"
PATTERNS = [
    re.compile(
        r"\b(?:bureau de poste|agence|point relais|magasin|store|post office|access point|depot|"
        r"location|boutique)\s+(?:de|du|d'|in|at|on|à)\s+" + _PLACE
    ),
    re.compile(r"\b(?:à|at|to)\s+(?:la |le |l'|the )?(?:FNAC|Fnac|UPS|La Poste)\s+" + _PLACE),
    re.compile(
        r"\b(?:à l'adresse|to the address|at the address|to|au)\s+(?P<place>\d+[^.,;!?]*?)"
        r"(?=\s+(?:tomorrow|today|demain|aujourd'hui|by|within|before|avant|dans|sous|d'ici|on|le)\b|[.,;!?]|$)"
    ),
]


def find_location(sentence: str) -> str | None:
    for pattern in PATTERNS:
        match = pattern.search(sentence)
        if match:
            place = match.group("place").strip(" .,'’")
            if place:
                return place
    return None
