"""Which apprise URLs an alert goes to: per partner, per channel, default, escalation."""

from __future__ import annotations

from integrations.settings import Settings


def split_urls(text: str) -> list[str]:
    return [u for u in text.split() if u]


def targets(settings: Settings, kind: str, partner: str | None, channels: list[str], owner_url: str | None = None) -> list[str]:
    """The routes of the alert's kind, partner or channel (else the default), plus the alert
    target of the person who owns the case."""
    urls = _routes(settings, kind, partner, channels)
    for url in split_urls(owner_url or ""):
        if url not in urls:
            urls.append(url)
    return urls


def _routes(settings: Settings, kind: str, partner: str | None, channels: list[str]) -> list[str]:
    if kind == "escalation":
        return split_urls(settings.escalation_urls) or split_urls(settings.alert_urls)
    keys = ([f"partner:{partner}"] if partner else []) + [f"channel:{c}" for c in channels]
    for key in keys:
        if key in settings.alert_routes:
            return split_urls(settings.alert_routes[key])
    return split_urls(settings.alert_urls)
