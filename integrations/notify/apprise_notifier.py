"""Apprise for every channel (json://, mailto://, slack://, …)."""

from __future__ import annotations

import logging

import apprise

from integrations.notify.base import DeliveryError

# With no alert target configured, alerts are written here, whole and readable (`terrain up`
# prints this logger on its standard error and warns at start that no target is set).
alert_log = logging.getLogger("terrain.alerts")


class AppriseNotifier:
    def send(self, urls: list[str], title: str, body: str) -> None:
        """The body is plain text and is declared so: a channel that takes plain text gets it as
        is (an e-mail is one text/plain part), and one that renders HTML or markdown gets it
        escaped by apprise. The customer's words never become live markup (a tracking pixel, a
        link, an `<!--` that hides the evidence)."""
        if not urls:
            alert_log.warning("ALERT (no alert target is set: TERRAIN_ALERT_URLS) %s\n%s", title, body)
            return
        client = apprise.Apprise()
        for url in urls:
            if not client.add(url):
                raise DeliveryError(f"apprise does not understand the URL {url.split('://')[0]}://…")
        if not client.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT):
            raise DeliveryError("apprise could not deliver to every target")
