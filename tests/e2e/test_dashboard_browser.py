"""The ops dashboard in a real headless Chromium (Debian's, driven by Playwright):
log in, filter the stuck list, open a case and its timeline, see the scorecards chart."""

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
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def seed(db):
    uow = uow_factory(db)
    now = datetime.now(UTC)
    then = lambda: now - timedelta(days=3)  # noqa: E731
    ups = open_complaint(uow, complaint("Le livreur a laissé mon colis à ROLAND, à une autre adresse !", now,
                                        author="@tgouritin"), "agent:t", then)
    record_promises(uow, ups.case_id, [spec("parcel.deliver", "ups", "1Z999", now + timedelta(days=1),
                                            said="livraison dès le lendemain", recipient="Thomas Gouritin")],
                    "agent:t", then)
    ingest_updates(uow, [update("ups", "1Z999", "delivered", now - timedelta(hours=2), signed_by="ROLAND")])
    poste = open_complaint(uow, complaint("Colis bloqué au centre de tri", now, author="@vinyl"), "agent:t", then)
    record_promises(uow, poste.case_id, [spec("parcel.reroute", "laposte", "6A1", now - timedelta(days=2),
                                              said="dans les 24h", location="Lille Vauban")], "agent:t", then)
    kept = open_complaint(uow, complaint("refund?", now), "agent:t", then)
    record_promises(uow, kept.case_id, [spec("refund.issue", "stripe", "ch_1", now + timedelta(days=2),
                                             amount="19", currency="USD")], "agent:t", then)
    ingest_updates(uow, [update("stripe", "ch_1", "refund_succeeded", now - timedelta(days=1), amount="19",
                                currency="USD")])
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
                case = open_complaint(uow, complaint(f"rappel {partner} {week} {i}", start), "agent:t",
                                      lambda s=start: s)
                ref = f"H-{partner}-{week}-{i}"
                record_promises(uow, case.case_id, [spec("callback", partner, ref, start + timedelta(hours=4))],
                                "agent:t", lambda s=start: s)
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


def test_ops_manager_journey(db, server):
    if not os.path.exists(CHROMIUM):
        unavailable("Debian's chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import expect, sync_playwright

    ups_case, poste_case = seed(db)
    ops_token = credentials.create_key(db, "ops", None, datetime.now(UTC))
    agent_token = credentials.create_key(db, "agent", None, datetime.now(UTC))
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server + "/")
        expect(page).to_have_url(server + "/login?next=/")
        page.get_by_label("Ops token").fill(agent_token)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("alert")).to_contain_text("not an ops token")
        page.get_by_label("Ops token").fill(ops_token)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Stuck resolutions")).to_be_visible()
        rows = page.locator("#stuck-rows tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text("laposte")  # oldest due first
        page.screenshot(path=ARTIFACTS / "dashboard-stuck.png", full_page=True)

        page.locator("thead").get_by_role("link", name="Partner").click()  # a column header
        expect(page).to_have_url(server + "/?sort=partner")
        expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Partner")
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
        rows.first.get_by_role("link").click()
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
        expect(phone.locator("#stuck-rows tbody tr")).to_have_count(2)
        phone.screenshot(path=ARTIFACTS / "dashboard-stuck-phone.png", full_page=True)
        phone.goto(server + "/scorecards")
        phone.screenshot(path=ARTIFACTS / "dashboard-scorecards-phone.png", full_page=True)

        page.get_by_role("button", name="Log out").click()
        expect(page).to_have_url(server + "/login")
        page.goto(server + "/scorecards")
        expect(page).to_have_url(server + "/login?next=/scorecards")
        browser.close()


def test_bearer_token_also_opens_the_dashboard(db, server):
    import httpx

    ops = credentials.create_key(db, "ops", None, datetime.now(UTC))
    agent = credentials.create_key(db, "agent", None, datetime.now(UTC))
    assert httpx.get(server + "/", headers={"Authorization": f"Bearer {ops}"}).status_code == 200
    assert httpx.get(server + "/", headers={"Authorization": f"Bearer {agent}"}).status_code == 403
    refused = httpx.get(server + "/", headers={"Authorization": f"Bearer {agent}"})
    assert "Ops only" in refused.text
    away = httpx.get(server + "/cases/x?y=1", follow_redirects=False)
    assert away.status_code == 303 and away.headers["location"] == "/login?next=/cases/x%3Fy%3D1"
    for target in ("//evil.example", "/\\evil.example", "https://evil.example"):
        login = httpx.post(server + "/login", data={"token": ops, "next": target}, follow_redirects=False)
        assert login.status_code == 303 and login.headers["location"] == "/", target
    cookie = login.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    opened = httpx.get(server + "/scorecards?weeks=abc", cookies={"terrain_session": ops})
    assert opened.status_code == 200 and "last 12 weeks" in opened.text
    assert httpx.get(server + "/stuck?age=soon&page=x", cookies={"terrain_session": ops}).status_code == 200
    assert httpx.get(server + "/feed", cookies={"terrain_session": agent}).status_code == 403
    assert httpx.get(server + "/static/htmx.min.js").status_code == 200
