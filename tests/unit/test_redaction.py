"""Credentials in URLs never shown: user-info passwords and credential query values are masked."""

from __future__ import annotations

import pytest

from integrations.redaction import redact_text, redact_url


def test_password_and_credential_parameters_are_masked():
    assert redact_url("http://svc:pass@host/x?api_key=k3y&token=t0k") == "http://svc:***@host/x?api_key=***&token=***"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://partner.example/terrain", "https://partner.example/terrain"),
        ("https://partner.example/hook?page=2&api_key=abc", "https://partner.example/hook?page=2&api_key=***"),
        ("https://tok3n@partner.example:8443/x", "https://***@partner.example:8443/x"),
        ("https://h/x?Client-Secret=s&X-Api-Key=k&order=9", "https://h/x?Client-Secret=***&X-Api-Key=***&order=9"),
        ("https://h/x?stripe_key=sk_live_123", "https://h/x?stripe_key=***"),
        ("stripe:", "stripe:"),
        ("https://h/cb#access_token=abc&state=1", "https://h/cb#access_token=***&state=1"),
    ],
)
def test_only_credentials_change(url, expected):
    assert redact_url(url) == expected


def test_no_secret_survives_anywhere_in_the_redacted_url():
    url = "http://svc:hunter2@host:81/x?api_key=AKIA123&token=tok456&password=pw789"
    redacted = redact_url(url)
    for secret in ("hunter2", "AKIA123", "tok456", "pw789"):
        assert secret not in redacted


def test_urls_inside_error_messages_are_redacted():
    message = (
        "ConnectError: Client error '401 Unauthorized' for url "
        "'http://svc:pass@host/x?api_key=AKIA123' (see https://docs.example/401)"
    )
    assert redact_text(message) == (
        "ConnectError: Client error '401 Unauthorized' for url 'http://svc:***@host/x?api_key=***' (see https://docs.example/401)"
    )


def test_log_lines_and_their_tracebacks_are_redacted():
    import logging

    from integrations.redaction import RedactingFormatter

    try:
        raise ConnectionError("cannot reach http://svc:hunter2@partner.example/x?token=tok456")
    except ConnectionError:
        record = logging.LogRecord(
            "terrain.test",
            logging.ERROR,
            __file__,
            1,
            "posting to %s failed",
            ("https://u:pw789@h/x?api_key=AKIA123",),
            sys_exc_info(),
        )
    line = RedactingFormatter("%(message)s").format(record)
    assert "posting to https://u:***@h/x?api_key=*** failed" in line and "ConnectionError" in line
    for secret in ("hunter2", "tok456", "pw789", "AKIA123"):
        assert secret not in line


def sys_exc_info():
    import sys

    return sys.exc_info()
