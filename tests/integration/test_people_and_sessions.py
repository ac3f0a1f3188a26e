"""People on keys, revocation, dashboard sessions, CSRF, security headers, the login limit and
the local Swagger UI, through the real app on the test database (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from integrations.api.dashboard.sessions import COOKIE
from integrations.cli.main import app as cli
from integrations.db import credentials, tables

pytestmark = pytest.mark.usefixtures("db")
TEMPLATES = Path(__file__).resolve().parents[2] / "integrations/api/dashboard/templates"


def cli_run(args, database_url, monkeypatch):
    monkeypatch.setenv("TERRAIN_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner().invoke(cli, args)


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def new_case(client, headers, clock, external_id="tw-1"):
    body = {
        "channel": "twitter",
        "external_id": external_id,
        "author": "@tg",
        "text": "colis bloqué",
        "posted_at": clock.now.isoformat(),
    }
    answer = client.post("/v1/complaints", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()["case_id"]


def login(client, token, next_path="/", **headers):
    form = client.get(f"/login?next={next_path}")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    return client.post("/login", data={"token": token, "next": next_path, "csrf": csrf}, headers=headers, follow_redirects=False)


def page_csrf(client, path="/"):
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


# People on keys ---------------------------------------------------------------------------------


def test_keys_create_list_and_revoke_from_the_command_line(db, database_url, monkeypatch):
    made = cli_run(
        [
            "keys",
            "create",
            "--role",
            "agent",
            "--name",
            "  Claire   Martin ",
            "--alert-url",
            "mailto://claire:s3cret@mail.example/claire@example.com",
        ],
        database_url,
        monkeypatch,
    )
    assert made.exit_code == 0, made.output
    token = made.output.strip().splitlines()[-1]
    assert token.startswith("trn_a_") and " " not in token
    partner = cli_run(["keys", "create", "--role", "partner", "--partner", "ups"], database_url, monkeypatch)
    assert partner.exit_code == 0

    key = credentials.find_key(db, token)
    assert (key.role, key.name, key.partner) == ("agent", "Claire Martin", None)
    assert key.alert_url == "mailto://claire:s3cret@mail.example/claire@example.com"

    listed = cli_run(["keys", "list"], database_url, monkeypatch)
    assert listed.exit_code == 0, listed.output
    assert "Claire Martin" in listed.output and "ups" in listed.output and "mail.example" in listed.output
    with db.connect() as conn:
        hashes = conn.execute(select(tables.api_keys.c.token_hash)).scalars().all()
    assert all(secret not in listed.output for secret in [token, "s3cret", *hashes])

    revoked = cli_run(["keys", "revoke", str(key.key_id)], database_url, monkeypatch)
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert credentials.find_key(db, token) is None
    again = cli_run(["keys", "revoke", str(key.key_id)], database_url, monkeypatch)
    assert again.exit_code == 0 and "already revoked" in again.output
    assert cli_run(["keys", "revoke", "999999"], database_url, monkeypatch).exit_code == 1
    row = next(
        line for line in cli_run(["keys", "list"], database_url, monkeypatch).output.splitlines() if "Claire Martin" in line
    )
    assert "UTC" in row.split("Claire Martin", 1)[1].rsplit("│", 2)[-2]  # the revoked column is filled


def test_an_alert_url_with_a_password_stays_off_the_command_line(db, database_url, monkeypatch):
    monkeypatch.setenv("CLAIRE_ALERTS", "mailto://claire:pw@mail.example")
    from_env = cli_run(
        ["keys", "create", "--role", "agent", "--name", "Claire", "--alert-url", "env:CLAIRE_ALERTS"], database_url, monkeypatch
    )
    assert from_env.exit_code == 0, from_env.output
    assert credentials.find_key(db, from_env.output.strip().splitlines()[-1]).alert_url == "mailto://claire:pw@mail.example"
    monkeypatch.setenv("TERRAIN_DATABASE_URL", database_url)
    from_stdin = CliRunner().invoke(
        cli, ["keys", "create", "--role", "ops", "--alert-url", "-"], input="json://hooks.example/ops\n"
    )
    assert from_stdin.exit_code == 0, from_stdin.output
    assert credentials.find_key(db, from_stdin.output.strip().splitlines()[-1]).alert_url == "json://hooks.example/ops"
    missing = cli_run(["keys", "create", "--role", "ops", "--alert-url", "env:NOT_SET_ANYWHERE"], database_url, monkeypatch)
    assert missing.exit_code == 2 and "NOT_SET_ANYWHERE" in missing.output


@pytest.mark.parametrize(
    "args",
    [
        ["--role", "agent", "--name", "x" * 101],
        ["--role", "agent", "--name", "Claire\x00Martin"],
        ["--role", "ops", "--alert-url", "not a url"],
        ["--role", "ops", "--alert-url", "mailto://a@b\n.example"],
        ["--role", "agent", "--partner", "ups"],
    ],
)
def test_keys_create_refuses_bad_people(db, database_url, monkeypatch, args):
    result = cli_run(["keys", "create", *args], database_url, monkeypatch)
    assert result.exit_code == 2, result.output
    with db.connect() as conn:
        assert conn.execute(select(tables.api_keys.c.id)).first() is None


def test_actions_are_on_the_timeline_under_the_persons_name(client, db, clock):
    claire = credentials.create_key(db, "agent", None, clock(), name="Claire Martin")
    anonymous = credentials.create_key(db, "agent", None, clock())
    anonymous_id = credentials.find_key(db, anonymous).key_id
    case_id = new_case(client, bearer(claire), clock)
    client.post(
        f"/v1/cases/{case_id}/replies",
        headers=bearer(claire),
        json={"text": "Nous relançons La Poste.", "said_at": clock.now.isoformat()},
    )
    other = new_case(client, bearer(anonymous), clock, external_id="tw-2")
    timeline = client.get(f"/v1/cases/{case_id}", headers=bearer(claire)).json()["timeline"]
    actors = {entry["actor"] for entry in timeline if entry["type"] in ("complaint", "reply", "status")}
    assert actors == {"agent:Claire Martin"}, timeline
    closed = client.post(f"/v1/cases/{other}/close", headers=bearer(anonymous))
    assert closed.status_code == 200
    timeline = client.get(f"/v1/cases/{other}", headers=bearer(anonymous)).json()["timeline"]
    assert {e["actor"] for e in timeline if e["type"] in ("complaint", "status")} == {f"agent:{anonymous_id}"}


def test_last_use_is_recorded_without_a_write_per_request(client, db, clock):
    token = credentials.create_key(db, "ops", None, clock())
    key_id = credentials.find_key(db, token).key_id

    def last_used():
        with db.connect() as conn:
            return conn.execute(select(tables.api_keys.c.last_used_at).where(tables.api_keys.c.id == key_id)).scalar()

    deadline = time.monotonic() + 5
    while last_used() is None and time.monotonic() < deadline:  # written off the request path
        time.sleep(0.02)
    first = last_used()
    assert first is not None
    credentials.find_key(db, token)
    time.sleep(0.2)
    assert last_used() == first  # refreshed at most every few minutes


# Revocation -------------------------------------------------------------------------------------


def test_a_revoked_key_is_refused_within_a_second_despite_the_cache(client, db, clock):
    agent = credentials.create_key(db, "agent", None, clock())
    partner = credentials.create_key(db, "partner", "ups", clock())
    update = {"event_id": "e1", "reference": "1Z", "status": "in_transit", "occurred_at": clock.now.isoformat()}
    assert client.get("/v1/playbooks", headers=bearer(agent)).status_code == 200  # now cached
    assert client.post("/v1/updates", json=update, headers=bearer(partner)).status_code == 200  # hot path cached
    for token in (agent, partner):
        # As `terrain keys revoke` does from another process: this one's cache is not told.
        assert credentials.revoke_key(db, credentials_id(db, token), clock()) == "revoked"
    time.sleep(1.05)
    assert client.get("/v1/playbooks", headers=bearer(agent)).status_code == 401
    refused = client.post("/v1/updates", json={**update, "event_id": "e2"}, headers=bearer(partner))
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"


def credentials_id(db, token):
    with db.connect() as conn:
        return conn.execute(
            select(tables.api_keys.c.id).where(tables.api_keys.c.token_hash == credentials.hash_token(token))
        ).scalar()


# Sessions ---------------------------------------------------------------------------------------


def test_login_opens_a_server_side_session_and_logout_ends_it(client, db, clock):
    ops = credentials.create_key(db, "ops", None, clock(), name="Olivia Ops")
    answer = login(client, ops, "/scorecards")
    assert answer.status_code == 303 and answer.headers["location"] == "/scorecards"
    cookie = answer.headers["set-cookie"]
    session_id = re.search(rf"{COOKIE}=([^;]+)", cookie).group(1)
    assert ops not in cookie and session_id != ops and len(session_id) >= 40
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=strict" in lowered and "secure" not in lowered
    with db.connect() as conn:
        [row] = conn.execute(select(tables.sessions)).all()
    assert row.id_hash == credentials.hash_token(session_id) and row.revoked_at is None
    assert row.expires_at - row.created_at == timedelta(hours=12)

    home = client.get("/")
    assert home.status_code == 200 and "Olivia Ops" in home.text and 'href="/scorecards"' in home.text
    assert client.get("/scorecards").status_code == 200
    assert client.get("/login", follow_redirects=False).headers["location"] == "/"  # already logged in

    out = client.post("/logout", data={"csrf": page_csrf(client)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    with db.connect() as conn:
        assert conn.execute(select(tables.sessions.c.revoked_at)).scalar() is not None
    client.cookies.set(COOKIE, session_id)  # the old cookie, replayed
    away = client.get("/cases/x", follow_redirects=False)
    assert away.status_code == 303 and away.headers["location"].startswith("/login")
    polled = client.get("/feed", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/feed"})
    assert polled.status_code == 204 and polled.headers["hx-redirect"] == "/login?next=/feed"


def test_the_session_cookie_is_secure_behind_tls(client, db, clock):
    ops = credentials.create_key(db, "ops", None, clock())
    answer = login(client, ops, **{"X-Forwarded-Proto": "https"})
    assert answer.status_code == 303 and "secure" in answer.headers["set-cookie"].lower()


def test_agents_log_in_and_see_cases_but_not_scorecards(client, db, clock):
    agent = credentials.create_key(db, "agent", None, clock(), name="Claire Martin")
    case_id = new_case(client, bearer(agent), clock)
    assert login(client, agent).status_code == 303
    home = client.get("/")
    assert home.status_code == 200 and "Stuck resolutions" in home.text and "Claire Martin" in home.text
    assert 'href="/scorecards"' not in home.text
    assert client.get(f"/cases/{case_id}").status_code == 200
    assert client.get("/feed").status_code == 200
    assert client.get("/scorecards").status_code == 403


def test_revoking_the_key_ends_its_sessions(client, db, clock):
    ops = credentials.create_key(db, "ops", None, clock())
    assert login(client, ops).status_code == 303
    assert client.get("/").status_code == 200
    credentials.revoke_key(db, credentials_id(db, ops), clock())
    away = client.get("/", follow_redirects=False)
    assert away.status_code == 303 and away.headers["location"].startswith("/login")
    with db.connect() as conn:
        assert conn.execute(select(tables.sessions.c.revoked_at)).scalar() is not None


def test_a_session_expires_after_twelve_hours(client, db, clock):
    ops = credentials.create_key(db, "ops", None, clock())
    assert login(client, ops).status_code == 303
    clock.advance(hours=11, minutes=59)
    assert client.get("/").status_code == 200
    clock.advance(minutes=2)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_the_login_error_is_neutral(client, db, clock):
    partner = credentials.create_key(db, "partner", "ups", clock())
    revoked = credentials.create_key(db, "agent", None, clock())
    credentials.revoke_key(db, credentials_id(db, revoked), clock())
    texts = set()
    for token in (partner, revoked, "trn_o_" + "x" * 43, "x" * 5000):
        answer = login(client, token)
        assert answer.status_code == 401
        error = re.search(r'role="alert">([^<]+)<', answer.text).group(1)
        texts.add(error)
        assert not re.search(r"\b(ops|agent|partner)\b", error), error
    assert texts == {"This token does not open the dashboard."}
    with db.connect() as conn:
        assert conn.execute(select(tables.sessions.c.id_hash)).first() is None


def test_failed_logins_are_limited_per_client(client, db, clock):
    ops = credentials.create_key(db, "ops", None, clock())
    for _ in range(10):
        assert login(client, "trn_o_wrong").status_code == 401
    limited = login(client, ops)  # even the right token: the address is blocked for now
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert COOKIE not in limited.headers.get("set-cookie", "")


# Cross-site request forgery ---------------------------------------------------------------------


def test_login_needs_the_forms_token_and_this_sites_origin(client, db, clock):
    ops = credentials.create_key(db, "ops", None, clock())
    no_token = client.post("/login", data={"token": ops, "next": "/"}, follow_redirects=False)
    assert no_token.status_code == 403 and COOKIE not in no_token.headers.get("set-cookie", "")
    foreign = login(client, ops, Origin="https://evil.example")
    assert foreign.status_code == 403
    referer = login(client, ops, Referer="https://evil.example/page")
    assert referer.status_code == 403
    fine = login(client, ops, Origin="http://testserver")
    assert fine.status_code == 303


def test_logout_needs_the_sessions_token_and_this_sites_origin(client, db, clock):
    ops = credentials.create_key(db, "ops", None, clock())
    assert login(client, ops).status_code == 303
    csrf = page_csrf(client)
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert client.post("/logout", data={"csrf": "x" * 64}, follow_redirects=False).status_code == 403
    assert (
        client.post(
            "/logout", data={"csrf": csrf}, headers={"Origin": "https://evil.example"}, follow_redirects=False
        ).status_code
        == 403
    )
    assert client.post("/logout", data={"csrf": csrf}, headers={"Origin": "null"}, follow_redirects=False).status_code == 403
    assert client.get("/").status_code == 200  # none of those ended the session
    assert (
        client.post("/logout", data={"csrf": csrf}, headers={"Origin": "http://testserver"}, follow_redirects=False).status_code
        == 303
    )
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_link_from_another_site_reloads_from_here_once(client, db, clock):
    cross = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
    first = client.get("/cases/abc", headers=cross, follow_redirects=False)
    assert first.status_code == 200 and 'http-equiv="refresh"' in first.text
    second = client.get("/cases/abc", headers=cross, follow_redirects=False)  # the marker cookie is back
    assert second.status_code == 303 and second.headers["location"] == "/login?next=/cases/abc"
    assert login(client, credentials.create_key(db, "agent", None, clock())).status_code == 303
    opened = client.get("/feed")  # a page opened with the session clears the marker
    assert opened.status_code == 200 and "terrain_hop" not in client.cookies
    client.cookies.delete(COOKIE)  # as a browser does for a Strict cookie on a link from elsewhere
    assert 'http-equiv="refresh"' in client.get("/cases/abc", headers=cross, follow_redirects=False).text


# Headers and /docs ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/login", "/healthz", "/v1/playbooks", "/docs", "/static/style.css", "/no-such-page"])
def test_security_headers_on_every_response(client, path):
    answer = client.get(path, follow_redirects=False)
    csp = answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in answer.headers
    tls = client.get(path, headers={"X-Forwarded-Proto": "https"}, follow_redirects=False)
    assert tls.headers["strict-transport-security"].startswith("max-age=")


def test_security_headers_on_the_hot_path_and_refusals(client, db, clock):
    partner = credentials.create_key(db, "partner", "ups", clock())
    update = {"event_id": "h1", "reference": "1Z", "status": "in_transit", "occurred_at": clock.now.isoformat()}
    client.post("/v1/updates", json=update, headers=bearer(partner))
    fast = client.post("/v1/updates", json={**update, "event_id": "h2"}, headers=bearer(partner))
    assert fast.status_code == 200 and fast.headers["x-frame-options"] == "DENY"
    big = client.post(
        "/v1/updates", content=b"{" * (6 * 1024 * 1024), headers={**bearer(partner), "Content-Type": "application/json"}
    )
    assert big.status_code == 413 and big.headers["x-content-type-options"] == "nosniff"


def test_swagger_ui_is_served_from_this_site(client):
    docs = client.get("/docs")
    assert docs.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", docs.text)  # no inline script
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200 and len(asset.content) > 300, source
    assert b"SwaggerUIBundle" in client.get("/docs/assets/swagger-ui-bundle.js").content
    assert client.get("/docs/assets/../../app.py").status_code == 404
    assert client.get("/docs/assets/index.html").status_code == 404
    assert client.get("/redoc").status_code == 404


def test_the_dashboard_templates_need_no_inline_script_or_style():
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template.name
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", text), template.name
