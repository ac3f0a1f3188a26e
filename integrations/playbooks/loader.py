"""Load the playbooks file operators edit (JSON), validated by the domain."""

from __future__ import annotations

import json
from pathlib import Path

from domain.playbooks import Playbook, parse_playbooks

PACKAGED = Path(__file__).with_name("playbooks.json")


def load_playbooks(path: Path | str | None = None) -> dict[str, Playbook]:
    return parse_playbooks(json.loads(Path(path or PACKAGED).read_text(encoding="utf-8")))
