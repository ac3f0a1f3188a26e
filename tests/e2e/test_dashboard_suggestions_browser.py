"""The case page in a real headless Chromium: suggested promises confirmed (corrected) or dismissed."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from integrations.db import credentials
from integrations.db.unit_of_work import uow_factory
from integrations.services.intake import open_complaint
from integrations.services.replies import record_reply
from tests.builders import complaint
from tests.e2e.test_dashboard_browser import ARGS, ARTIFACTS, CHROMIUM, server  # noqa: F401 (fixture)


def seed(db):
    uow = uow_factory(db)
    now = datetime.now(UTC)
    case = open_complaint(uow, complaint("Where is my refund? And nobody answers my DM", now), "agent:t", lambda: now)
    for text in (
        "We've received your DM and will respond there shortly.",
        "Your refund is currently under process and may take up to 30 working days.",
    ):
        result = record_reply(
            uow, case.case_id, text, now, "agent:t", partner="stripe", reference="ch_9", threshold=0.8, tz="Europe/Paris"
        )
        assert result.suggestions and not result.recorded
    return case.case_id


def test_confirm_with_a_correction_and_dismiss_from_the_case_page(db, server):  # noqa: F811
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium (.ci/run does)")
        pytest.skip("Debian's chromium is not installed")
    import httpx
    from playwright.sync_api import expect, sync_playwright

    case_id = seed(db)
    ops_token = credentials.create_key(db, "ops", None, datetime.now(UTC))
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server + f"/cases/{case_id}")
        page.get_by_label("Token").fill(ops_token)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Suggested promises")).to_be_visible()
        cards = page.locator("article.suggestion")
        expect(cards).to_have_count(2)
        page.screenshot(path=ARTIFACTS / "dashboard-suggestions.png", full_page=True)

        refund = cards.filter(has=page.locator("p > strong", has_text="refund.issue"))
        refund.get_by_label("Expect").fill('{"amount": "10.00", "currency": "USD"}')
        refund.get_by_role("button", name="Confirm").click()
        expect(page).to_have_url(server + f"/cases/{case_id}")
        expect(cards).to_have_count(1)
        promises = page.locator("section[aria-labelledby=h-promises] tbody tr")
        expect(promises).to_have_count(1)
        expect(promises.first).to_contain_text("refund.issue")
        expect(promises.first).to_contain_text("10.00")

        callback = cards.filter(has=page.locator("p > strong", has_text="callback"))
        sid = callback.get_attribute("data-suggestion")
        callback.get_by_role("button", name="Dismiss").click()
        expect(page.get_by_role("heading", name="Suggested promises")).to_have_count(0)
        expect(promises).to_have_count(1)
        expect(page.locator(".timeline li.t-suggestion")).to_have_count(4)  # 2 suggested, confirmed, dismissed
        expect(page.locator(".timeline li.t-suggestion").last).to_contain_text("by ops:")
        page.screenshot(path=ARTIFACTS / "dashboard-suggestions-settled.png", full_page=True)
        browser.close()

    again = httpx.post(
        server + f"/cases/{case_id}/suggestions/{sid}/confirm",
        headers={"Authorization": f"Bearer {ops_token}"},
        follow_redirects=False,
    )
    assert again.status_code == 409 and "already dismissed" in again.text
    assert (
        httpx.post(server + f"/cases/{case_id}/suggestions/{sid}/dismiss", follow_redirects=False).status_code == 303
    )  # not logged in: to the login page
