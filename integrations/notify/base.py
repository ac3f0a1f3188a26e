"""One interface for every notification channel; apprise implements it for all of them."""

from __future__ import annotations

from typing import Protocol


class DeliveryError(Exception):
    """No target accepted the message; the outbox will retry with backoff."""


class Notifier(Protocol):
    def send(self, urls: list[str], title: str, body: str) -> None: ...
