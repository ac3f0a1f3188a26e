"""Alert e-mails through a real local SMTP server: the customer's words and every field value
arrive inert (a tracking pixel, a link, an HTML comment stay text), and the evidence is complete."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy

import pytest

from integrations.notify.apprise_notifier import AppriseNotifier
from integrations.notify.message import compose
from tests.builders import complaint
from tests.integration.receivers import SmtpReceiver

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOSTILE = (
    'Where is my parcel?! <img src="https://tracker.example/pixel.gif?u=cm"> '
    '<a href="https://phish.example/login">log in to see your refund</a> <!-- the rest is hidden'
)


def hostile_alert() -> dict:
    return {
        "case_id": "case-777",
        "kind": "promise_broken",
        "payload": {
            "case_id": "case-777",
            "reason": "wrong_recipient",
            "verdict": "broken",
            "evidence": {"status": "delivered", "signed_by": "ROLAND <b>x</b>", "location": "<!-- Lyon -->"},
            "promise": {
                "kind": "parcel.deliver",
                "partner": "ups",
                "reference": "1Z<script>",
                "due_at": AT.isoformat(),
                "expect": {"recipient": "Thomas"},
                "said": "livraison <i>dès</i> le lendemain",
            },
        },
    }


def parts(raw: bytes) -> dict[str, str]:
    message = email.message_from_bytes(raw, policy=policy.default)
    found: dict[str, str] = {}
    for part in message.walk():
        if part.get_content_maintype() == "text":
            found[part.get_content_type()] = part.get_content()
    return found


@pytest.mark.parametrize("url_suffix", ["", "&format=html"])
def test_customer_html_arrives_inert_and_the_evidence_is_visible(url_suffix):
    title, body = compose(hostile_alert(), [complaint(HOSTILE, AT, author="@client")], "http://terrain.test")
    with SmtpReceiver() as smtp:
        AppriseNotifier().send([smtp.url() + url_suffix], title, body)
        [mail] = smtp.messages
    found = parts(mail.content)
    assert "text/plain" in found or "text/html" in found
    html = found.get("text/html", "")
    for live in ("<img", "<a ", "<!--", "<script", "<b>", "<i>"):
        assert live not in html, f"{live} is live in the HTML part"
    if html:  # escaped, so a mail client shows it as text
        assert "&lt;img" in html and "&lt;!--" in html and "&lt;a" in html
    text = found.get("text/plain")
    assert text is not None, "the plain-text part is missing"
    for needle in (
        "case-777",
        '<img src="https://tracker.example/pixel.gif?u=cm">',
        "<!-- the rest is hidden",
        "signed by ROLAND <b>x</b>",
        "place <!-- Lyon -->",
        "livraison <i>dès</i> le lendemain",
        "(ups 1Z<script>)",
        "http://terrain.test/cases/case-777",
    ):
        assert needle in text, needle
