"""The ops dashboard in a real headless Chromium (Debian's, driven by Playwright):
log in (ops and agent, server-side sessions), filter the stuck list, open a case and its timeline,
see the scorecards chart, log out for good; Swagger UI served from the site, all under the CSP."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import uvicorn

from integrations.api.app import create_app
from integrations.db import credentials
from integrations.db.unit_of_work import uow_factory
from integrations.services.ingest import ingest_updates
from integrations.services.intake import open_complaint
from integrations.services.promises import record_promises
from integrations.services.sweep import sweep_deadlines
from integrations.settings import Settings
from tests.builders import complaint, spec, update
from tests.ci import unavailable
from tests.e2e.support import free_port, wait_http

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def seed(db):
    uow = uow_factory(db)
    now = datetime.now(UTC)
    then = lambda: now - timedelta(days=3)  # noqa: E731
    ups = open_complaint(
        uow, complaint("Le livreur a laissé mon colis à ROLAND, à une autre adresse !", now, author="@tgouritin"), "agent:t", then
    )
    record_promises(
        uow,
        ups.case_id,
        [
            spec(
                "parcel.deliver",
                "ups",
                "1Z999",
                now + timedelta(days=1),
                said="livraison dès le lendemain",
                recipient="Thomas Gouritin",
            )
        ],
        "agent:t",
        then,
    )
    ingest_updates(uow, [update("ups", "1Z999", "delivered", now - timedelta(hours=2), signed_by="ROLAND")])
    poste = open_complaint(uow, complaint("Colis bloqué au centre de tri", now, author="@vinyl"), "agent:t", then)
    record_promises(
        uow,
        poste.case_id,
        [spec("parcel.reroute", "laposte", "6A1", now - timedelta(days=2), said="dans les 24h", location="Lille Vauban")],
        "agent:t",
        then,
    )
    kept = open_complaint(uow, complaint("refund?", now), "agent:t", then)
    record_promises(
        uow,
        kept.case_id,
        [spec("refund.issue", "stripe", "ch_1", now + timedelta(days=2), amount="19", currency="USD")],
        "agent:t",
        then,
    )
    ingest_updates(uow, [update("stripe", "ch_1", "refund_succeeded", now - timedelta(days=1), amount="19", currency="USD")])
    history(uow, now)
    sweep_deadlines(uow)
    return ups.case_id, poste.case_id


def history(uow, now):
    """Six past weeks of callbacks, kept on time or late (late: broken but fulfilled, so neither
    stuck nor reopened), for a trend line per partner on the scorecards chart."""
    for week in range(1, 7):
        start = now - timedelta(weeks=week)
        for n, (partner, late_every) in enumerate((("ups", 3), ("laposte", 2), ("stripe", 5))):
            for i in range(3):
                case = open_complaint(uow, complaint(f"rappel {partner} {week} {i}", start), "agent:t", lambda s=start: s)
                ref = f"H-{partner}-{week}-{i}"
                record_promises(
                    uow, case.case_id, [spec("callback", partner, ref, start + timedelta(hours=4))], "agent:t", lambda s=start: s
                )
                late = (week + i + n) % late_every == 0
                ingest_updates(uow, [update(partner, ref, "done", start + timedelta(hours=6 if late else 1))])


@pytest.fixture
def server(db):
    app = create_app(Settings(database_url="sqlite://"), engine=db)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    wait_http(f"http://127.0.0.1:{port}/healthz")
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


def browser_or_skip():
    if not os.path.exists(CHROMIUM):
        unavailable("Debian's chromium is not installed (.ci/run installs it)")


def watch_csp(page) -> list[str]:
    """Console messages about the Content-Security-Policy: there must be none."""
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    return violations


def test_ops_manager_journey(db, server):
    browser_or_skip()
    from playwright.sync_api import expect, sync_playwright

    ups_case, poste_case = seed(db)
    ops_token = credentials.create_key(db, "ops", None, datetime.now(UTC), name="Olivia Ops")
    partner_token = credentials.create_key(db, "partner", "ups", datetime.now(UTC))
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        violations = watch_csp(page)
        page.goto(server + "/")
        expect(page).to_have_url(server + "/login?next=/")
        page.get_by_label("Token").fill(partner_token)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("alert")).to_have_text("This token does not open the dashboard.")
        page.get_by_label("Token").fill(ops_token)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Stuck resolutions")).to_be_visible()
        expect(page.locator(".who")).to_have_text("Olivia Ops")
        [cookie] = [c for c in page.context.cookies() if c["name"] == "terrain_session"]
        assert cookie["value"] != ops_token and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        rows = page.locator("#stuck-rows article.item")
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text("laposte")  # oldest due first
        page.screenshot(path=ARTIFACTS / "dashboard-stuck.png", full_page=True)

        page.goto(server + "/?sort=partner")
        expect(page.locator(".caption")).to_contain_text("by partner")
        expect(rows.first).to_contain_text("laposte")
        page.get_by_label("Kind").select_option("parcel.deliver")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("ups")
        page.get_by_label("Kind").select_option("")
        page.get_by_label("Overdue for at least").fill("1d")
        page.get_by_label("Overdue for at least").press("Enter")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("laposte")
        page.get_by_role("link", name="Clear").click()
        expect(rows).to_have_count(2)

        page.get_by_label("Reason").select_option("wrong_recipient")  # htmx swaps the rows in place
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("ups")
        rows.first.get_by_role("link").first.click()
        expect(page.get_by_role("heading", name="In the customer's words")).to_be_visible()
        expect(page.locator("blockquote")).to_contain_text("ROLAND")
        expect(page.locator(".timeline li")).not_to_have_count(0)
        expect(page.locator(".timeline")).to_contain_text("field update")
        page.screenshot(path=ARTIFACTS / "dashboard-case.png", full_page=True)

        page.get_by_role("link", name="Scorecards").click()
        chart = page.get_by_role("img", name="Kept rate per partner, week by week")
        expect(chart).to_be_visible()
        expect(page.locator("table")).to_contain_text("stripe")
        expect(chart.locator("path")).to_have_count(3)  # one line per partner over the weeks
        expect(page.locator(".chart-legend li")).to_have_count(3)
        page.screenshot(path=ARTIFACTS / "dashboard-scorecards.png", full_page=True)

        page.get_by_role("link", name="Reopens").click()
        expect(page.locator(".feed li")).to_have_count(2)
        page.screenshot(path=ARTIFACTS / "dashboard-feed.png", full_page=True)

        phone = browser.new_page(viewport={"width": 390, "height": 844})
        phone.context.add_cookies(page.context.cookies())
        phone.goto(server + f"/cases/{poste_case}")
        expect(phone.get_by_role("heading", name="Promises")).to_be_visible()
        phone.screenshot(path=ARTIFACTS / "dashboard-case-phone.png", full_page=True)
        phone.goto(server + "/")
        expect(phone.locator("#stuck-rows article.item")).to_have_count(2)
        phone.screenshot(path=ARTIFACTS / "dashboard-stuck-phone.png", full_page=True)
        phone.goto(server + "/scorecards")
        phone.screenshot(path=ARTIFACTS / "dashboard-scorecards-phone.png", full_page=True)

        # A link to a case in an alert (another site): the Strict cookie is not sent at first,
        # the page reloads itself from here and opens the case.
        page.route(
            "http://mail.example.test/",
            lambda route: route.fulfill(content_type="text/html", body=f'<a href="{server}/cases/{ups_case}">open the case</a>'),
        )
        page.goto("http://mail.example.test/")
        page.get_by_role("link", name="open the case").click()
        expect(page.get_by_role("heading", name="In the customer's words")).to_be_visible()
        expect(page).to_have_url(server + f"/cases/{ups_case}")

        old_cookies = page.context.cookies()
        page.get_by_role("button", name="Log out").click()
        expect(page).to_have_url(server + "/login")
        page.goto(server + "/scorecards")
        expect(page).to_have_url(server + "/login?next=/scorecards")
        # The cookie from before the logout, replayed in a fresh browser: the session is over.
        replay = browser.new_context()
        replay.add_cookies([c for c in old_cookies if c["name"] == "terrain_session"])
        stale = replay.new_page()
        stale.goto(server + f"/cases/{poste_case}")
        expect(stale).to_have_url(server + f"/login?next=/cases/{poste_case}")
        phone.reload()  # the phone shared that session: it is over there too
        expect(phone).to_have_url(server + "/login?next=/scorecards")
        assert violations == []
        browser.close()


def test_agent_journey(db, server):
    browser_or_skip()
    from playwright.sync_api import expect, sync_playwright

    seed(db)
    agent_token = credentials.create_key(db, "agent", None, datetime.now(UTC), name="Claire Martin")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        violations = watch_csp(page)
        page.goto(server + "/cases/nope")
        page.get_by_label("Token").fill(agent_token)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(server + "/cases/nope")
        page.get_by_role("link", name="Stuck", exact=True).click()
        expect(page.locator(".who")).to_have_text("Claire Martin")
        expect(page.locator("#stuck-rows article.item")).to_have_count(2)
        expect(page.get_by_role("link", name="Scorecards")).to_have_count(0)
        page.locator("#stuck-rows article.item").first.get_by_role("link").first.click()
        expect(page.get_by_role("heading", name="In the customer's words")).to_be_visible()
        page.goto(server + "/scorecards")
        expect(page.get_by_role("heading", name="Ops only")).to_be_visible()
        page.goto(server + "/feed")
        expect(page.locator(".feed li")).to_have_count(2)
        page.get_by_role("button", name="Log out").click()
        expect(page).to_have_url(server + "/login")
        page.goto(server + "/feed")
        expect(page).to_have_url(server + "/login?next=/feed")
        assert violations == []
        browser.close()


def test_swagger_ui_runs_from_this_site(server):
    browser_or_skip()
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        violations = watch_csp(page)
        elsewhere: list[str] = []
        page.on("request", lambda r: elsewhere.append(r.url) if not r.url.startswith((server, "data:")) else None)
        page.goto(server + "/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("Terrain")
        expect(page.locator(".opblock").first).to_be_visible()
        assert elsewhere == [] and violations == []
        browser.close()


def test_bearer_token_also_opens_the_dashboard(db, server):
    import httpx

    ops = credentials.create_key(db, "ops", None, datetime.now(UTC))
    agent = credentials.create_key(db, "agent", None, datetime.now(UTC))
    partner = credentials.create_key(db, "partner", "ups", datetime.now(UTC))
    assert httpx.get(server + "/", headers={"Authorization": f"Bearer {ops}"}).status_code == 200
    assert httpx.get(server + "/", headers={"Authorization": f"Bearer {agent}"}).status_code == 200
    refused = httpx.get(server + "/scorecards", headers={"Authorization": f"Bearer {agent}"})
    assert refused.status_code == 403 and "Ops only" in refused.text
    assert httpx.get(server + "/", headers={"Authorization": f"Bearer {partner}"}).status_code == 403
    away = httpx.get(server + "/cases/x?y=1", follow_redirects=False)
    assert away.status_code == 303 and away.headers["location"] == "/login?next=/cases/x%3Fy%3D1"
    for target in ("//evil.example", "/\\evil.example", "https://evil.example"):
        with httpx.Client(base_url=server) as browser:
            form = browser.get("/login")
            csrf = form.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            login = browser.post("/login", data={"token": ops, "next": target, "csrf": csrf}, follow_redirects=False)
            assert login.status_code == 303 and login.headers["location"] == "/", target
            session = browser.cookies["terrain_session"]
    assert session != ops
    opened = httpx.get(server + "/scorecards?weeks=abc", cookies={"terrain_session": session})
    assert opened.status_code == 200 and "last 12 weeks" in opened.text
    assert httpx.get(server + "/stuck?age=soon&page=x", cookies={"terrain_session": session}).status_code == 200
    assert httpx.get(server + "/feed", cookies={"terrain_session": ops}, follow_redirects=False).status_code == 303
    assert httpx.get(server + "/static/htmx.min.js").status_code == 200
