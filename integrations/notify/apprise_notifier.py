"""Apprise for every channel (json://, mailto://, slack://, …)."""

from __future__ import annotations

import apprise

from integrations.notify.base import DeliveryError


class AppriseNotifier:
    def send(self, urls: list[str], title: str, body: str) -> None:
        if not urls:
            raise DeliveryError("no alert target is configured (TERRAIN_ALERT_URLS)")
        client = apprise.Apprise()
        for url in urls:
            if not client.add(url):
                raise DeliveryError(f"apprise does not understand the URL {url.split('://')[0]}://…")
        if not client.notify(title=title, body=body):
            raise DeliveryError("apprise could not deliver to every target")
