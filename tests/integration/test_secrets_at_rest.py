"""Webhook and partner action secrets: encrypted at rest under a key that is not in the database,
given to the CLI as env:NAME or - (never literally), never printed; credentials in a partner's
action URL redacted on the case timeline and in the CLI output."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from typer.testing import CliRunner

from integrations import secret_box
from integrations.cli.main import app
from integrations.db import credentials, tables
from integrations.db.migrate import downgrade, upgrade
from integrations.db.unit_of_work import uow_factory
from integrations.services.cases import read_case
from integrations.services.intake import open_complaint
from integrations.services.outbound import attempt_request, claim_requests, reschedule_request
from integrations.services.promises import record_promises
from integrations.settings import Settings
from tests.builders import complaint, spec
from tests.integration.receivers import HttpReceiver

runner = CliRunner()
STRIPE_KEY = "sk_live_51HfakeFAKEfake0123456789"


def cli(args, database_url, monkeypatch, stdin=None):
    monkeypatch.setenv("TERRAIN_DATABASE_URL", database_url)
    return runner.invoke(app, args, input=stdin)


def stored(db):
    with db.connect() as conn:
        return (
            [r.secret for r in conn.execute(select(tables.webhook_secrets))],
            [r.action_secret for r in conn.execute(select(tables.partners))],
        )


def test_secrets_are_stored_encrypted_and_read_back(db):
    now = datetime.now(UTC)
    credentials.set_webhook_secret(db, "ups", "aftership", "whsec_plain_value", now)
    credentials.set_partner(db, "stripe-fr", "stripe:", STRIPE_KEY, now)
    hooks, actions = stored(db)
    assert all(v.startswith("enc:v1:") for v in hooks + actions)
    assert "whsec_plain_value" not in hooks[0] and STRIPE_KEY not in actions[0] and "sk_live" not in actions[0]
    assert credentials.webhook_secret(db, "ups", "aftership") == "whsec_plain_value"
    with uow_factory(db)() as uow:
        assert uow.partners.endpoint("stripe-fr").action_secret == STRIPE_KEY


def test_another_key_cannot_read_them_and_says_why(db, monkeypatch):
    credentials.set_webhook_secret(db, "ups", "aftership", "whsec_plain_value", datetime.now(UTC))
    monkeypatch.setenv("TERRAIN_SECRET_KEY", Fernet.generate_key().decode())
    with pytest.raises(secret_box.SecretKeyError, match="key changed"):
        credentials.webhook_secret(db, "ups", "aftership")


def test_a_webhook_whose_secret_this_server_cannot_read_is_a_503_not_a_500(client, db, monkeypatch):
    credentials.set_webhook_secret(db, "ups", "aftership", "whsec_plain_value", datetime.now(UTC))
    monkeypatch.setenv("TERRAIN_SECRET_KEY", Fernet.generate_key().decode())
    answer = client.post("/v1/webhooks/aftership/ups", content=b"{}", headers={"Content-Type": "application/json"})
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "secret_unavailable"
    assert "whsec" not in answer.text


def test_db_upgrade_with_a_malformed_key_stops_with_what_to_do(database_url, monkeypatch):
    monkeypatch.setenv("TERRAIN_SECRET_KEY", "hunter2")
    result = cli(["db", "upgrade"], database_url, monkeypatch)
    assert result.exit_code == 1
    assert "Fernet.generate_key" in result.output and "Traceback" not in result.output
    assert "hunter2" not in result.output


def test_db_upgrade_makes_the_key_file_and_says_so(database_url, tmp_path, monkeypatch, caplog):
    monkeypatch.delenv("TERRAIN_SECRET_KEY", raising=False)
    monkeypatch.setenv("TERRAIN_DATA_DIR", str(tmp_path / "data"))
    with caplog.at_level("WARNING", logger="terrain.secrets"):
        assert cli(["db", "upgrade"], database_url, monkeypatch).exit_code == 0
    assert (tmp_path / "data" / "secret.key").exists()
    assert "made a new secret key" in caplog.text and "TERRAIN_SECRET_KEY" in caplog.text


def test_the_key_file_is_made_once_with_mode_0600(tmp_path, monkeypatch):
    monkeypatch.delenv("TERRAIN_SECRET_KEY", raising=False)
    monkeypatch.setenv("TERRAIN_DATA_DIR", str(tmp_path / "data"))
    path = secret_box.ensure_key()
    assert path == tmp_path / "data" / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_bytes()
    assert secret_box.ensure_key() == path and path.read_bytes() == first  # never overwritten
    token = secret_box.encrypt("whsec_x")
    assert token.startswith("enc:v1:") and secret_box.decrypt(token) == "whsec_x"


def test_a_malformed_key_is_refused_with_how_to_make_one(monkeypatch):
    monkeypatch.setenv("TERRAIN_SECRET_KEY", "hunter2")
    with pytest.raises(secret_box.SecretKeyError, match="Fernet.generate_key"):
        secret_box.encrypt("x")


def test_the_migration_encrypts_plain_rows_and_downgrade_restores_them(tmp_path, postgres_admin_url):
    from tests.conftest import _drop_postgres_database, _fresh_postgres_database, is_postgres, primary_url

    url = _fresh_postgres_database(primary_url()) if is_postgres() else f"sqlite:///{tmp_path / 'old.db'}"
    try:
        upgrade(url, "0006")
        from integrations.db.engine import make_engine

        engine = make_engine(url)
        now = datetime.now(UTC)
        long_secret = "s" * 500  # the old column's full width still fits once encrypted
        with engine.begin() as conn:
            conn.execute(
                tables.webhook_secrets.insert().values(partner="ups", provider="easypost", secret="whsec_legacy", updated_at=now)
            )
            conn.execute(
                tables.partners.insert().values(name="stripe-fr", action_url="stripe:", action_secret=long_secret, updated_at=now)
            )
            conn.execute(tables.partners.insert().values(name="quiet", action_url=None, action_secret=None, updated_at=now))
        # Read as they are before the upgrade (a rolling upgrade keeps working).
        assert credentials.webhook_secret(engine, "ups", "easypost") == "whsec_legacy"
        upgrade(url)
        hooks, actions = stored(engine)
        assert hooks[0].startswith("enc:v1:") and "whsec_legacy" not in hooks[0]
        assert sorted(a is None for a in actions) == [False, True]
        assert credentials.webhook_secret(engine, "ups", "easypost") == "whsec_legacy"
        with uow_factory(engine)() as uow:
            assert uow.partners.endpoint("stripe-fr").action_secret == long_secret
        upgrade(url)  # idempotent: nothing encrypted twice
        assert credentials.webhook_secret(engine, "ups", "easypost") == "whsec_legacy"
        downgrade(url, "0006")
        assert stored(engine)[0] == ["whsec_legacy"]
        engine.dispose()
    finally:
        if is_postgres():
            _drop_postgres_database(primary_url(), url)


def test_cli_refuses_a_literal_secret_and_stores_nothing(db, database_url, monkeypatch):
    result = cli(
        ["webhooks", "set", "--partner", "ups", "--provider", "stripe", "--secret", "whsec_on_the_line"],
        database_url,
        monkeypatch,
    )
    assert result.exit_code == 2
    assert "env:NAME" in result.output and "standard input" in result.output
    assert "whsec_on_the_line" not in result.output
    result = cli(
        ["partners", "set", "stripe-fr", "--action-url", "stripe:", "--action-secret", STRIPE_KEY], database_url, monkeypatch
    )
    assert result.exit_code == 2 and STRIPE_KEY not in result.output
    assert stored(db) == ([], [])


def test_cli_takes_secrets_from_the_environment_or_standard_input_and_never_prints_them(db, database_url, monkeypatch):
    monkeypatch.setenv("UPS_STRIPE_WHSEC", "whsec_from_env_123")
    result = cli(
        ["webhooks", "set", "--partner", "ups", "--provider", "stripe", "--secret", "env:UPS_STRIPE_WHSEC"],
        database_url,
        monkeypatch,
    )
    assert result.exit_code == 0, result.output
    assert "whsec_from_env_123" not in result.output
    assert credentials.webhook_secret(db, "ups", "stripe") == "whsec_from_env_123"
    result = cli(
        ["partners", "set", "stripe-fr", "--action-url", "stripe:", "--action-secret", "-"],
        database_url,
        monkeypatch,
        stdin=STRIPE_KEY + "\n",
    )
    assert result.exit_code == 0, result.output
    assert STRIPE_KEY not in result.output
    with uow_factory(db)() as uow:
        assert uow.partners.endpoint("stripe-fr").action_secret == STRIPE_KEY
    monkeypatch.setenv("ACT", "act-secret")
    result = cli(
        [
            "partners",
            "set",
            "ups",
            "--action-url",
            "https://svc:pa55@partner.example/x?api_key=AK1&page=2",
            "--action-secret",
            "env:ACT",
        ],
        database_url,
        monkeypatch,
    )
    assert result.exit_code == 0, result.output
    assert "https://svc:***@partner.example/x?api_key=***&page=2" in result.output.replace("\n", "")
    assert "pa55" not in result.output and "AK1" not in result.output and "act-secret" not in result.output


def test_action_url_credentials_are_redacted_on_the_case_timeline(db):
    from integrations.outbound.partner_api import RequestFailed

    now = datetime.now(UTC)
    settings = Settings(_env_file=None)
    uow = uow_factory(db)
    with HttpReceiver(respond=lambda n: 200 if n > 1 else 500) as partner:
        url = f"http://svc:pa55w0rd@127.0.0.1:{partner.port}/x?api_key=AKIA999&token=tok777&page=2"
        credentials.set_partner(db, "ups", url, "act-secret", now)
        case = open_complaint(uow, complaint("where is it", now), "agent:t")
        record_promises(
            uow, case.case_id, [spec("parcel.deliver", "ups", "1Z", now + timedelta(days=1), recipient="T")], "agent:t"
        )
        later = now + timedelta(seconds=5)
        [request] = claim_requests(uow, later)
        with pytest.raises(RequestFailed) as failed:
            attempt_request(uow, settings, request, later, 1)
        assert reschedule_request(uow, settings, request, later, str(failed.value)) == "pending"
        [request] = claim_requests(uow, later + timedelta(hours=1))
        assert attempt_request(uow, settings, request, later + timedelta(hours=1), 2) == "sent"
        assert partner.requests[-1]["path"] == "/x?api_key=AKIA999&token=tok777&page=2"  # the partner gets it all
    entries = [e.detail for e in read_case(uow, case.case_id).timeline if e.type.value == "outbound_request"]
    assert [e["outcome"] for e in entries] == ["failed", "retry_scheduled", "sent"]
    assert entries[-1]["target"] == f"http://svc:***@127.0.0.1:{partner.port}/x?api_key=***&token=***&page=2"
    with db.connect() as conn:  # as written, not only as read
        written = repr([r.detail for r in conn.execute(select(tables.timeline.c.detail))])
    for secret in ("pa55w0rd", "AKIA999", "tok777", "act-secret"):
        assert secret not in repr(entries) and secret not in written, secret


def test_unreachable_partner_error_names_the_url_redacted():
    from integrations.outbound.partner_api import RequestFailed

    failed = RequestFailed("ConnectError: all attempts to http://svc:pa55w0rd@10.0.0.1/x?token=tok777 failed")
    assert str(failed) == "ConnectError: all attempts to http://svc:***@10.0.0.1/x?token=*** failed"


def test_timeline_entries_written_before_redaction_are_shown_redacted(db, client, keys):
    from domain.model import EntryType, TimelineEntry

    now = datetime.now(UTC)
    uow = uow_factory(db)
    case = open_complaint(uow, complaint("where is it", now), "agent:t")
    with uow() as u:
        u.timeline.append(
            [
                TimelineEntry(
                    case.case_id,
                    now,
                    EntryType.OUTBOUND_REQUEST,
                    "system:outbound",
                    {"outcome": "sent", "target": "https://u:pw123@h/x?api_key=AKIA9Z9"},
                )
            ]
        )
        u.commit()
    [entry] = [e for e in read_case(uow, case.case_id).timeline if e.type is EntryType.OUTBOUND_REQUEST]
    assert entry.detail["target"] == "https://u:***@h/x?api_key=***"
    api = client.get(f"/v1/cases/{case.case_id}", headers=keys["agent"])
    page = client.get(f"/cases/{case.case_id}", headers=keys["ops"])
    assert api.status_code == 200 and page.status_code == 200
    for shown in (api.text, page.text):
        assert "pw123" not in shown and "AKIA9Z9" not in shown
    assert "u:***@h/x?api_key=***" in api.text
