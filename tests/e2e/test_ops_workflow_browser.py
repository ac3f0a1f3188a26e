"""The ops workflow in a real headless Chromium, on a desktop and on a phone: an agent logs in,
takes an unowned stuck promise, sees expected next to observed and the next step, records the
suggested new promise in one click and the item leaves the stuck list; snooze and un-snooze;
ops gives a case to someone else. Screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.db import credentials
from integrations.db.unit_of_work import uow_factory
from integrations.services.ingest import ingest_updates
from integrations.services.intake import open_complaint
from integrations.services.ops_actions import assign_case
from integrations.services.promises import record_promises
from integrations.services.sweep import sweep_deadlines
from tests.builders import complaint, spec, update
from tests.e2e.test_dashboard_browser import (
    ARGS,
    ARTIFACTS,
    CHROMIUM,
    browser_or_skip,
    server,  # noqa: F401 (the fixture)
    watch_csp,
)

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def seed(db):
    """A reroute sent to the wrong pickup point (unowned), and a missed callback Olivia owns."""
    uow, now = uow_factory(db), datetime.now(UTC)
    then = lambda: now - timedelta(days=2)  # noqa: E731
    for role, name in (("agent", "Claire Martin"), ("ops", "Olivia Ops"), ("agent", "Samir Haddad")):
        credentials.create_key(db, role, None, now, name=name)
    reroute = open_complaint(
        uow,
        complaint("Mon colis devait aller à Lille Vauban, il est à Roubaix !", now, author="@vinyl", order_ref="CMD-4471"),
        "agent:t",
        then,
    )
    record_promises(
        uow,
        reroute.case_id,
        [
            spec(
                "parcel.reroute",
                "laposte",
                "6A12345",
                now + timedelta(hours=20),
                said="au bureau de Lille Vauban sous 24h",
                location="Lille Vauban",
                pickup_point_id="590010",
            )
        ],
        "agent:t",
        then,
    )
    ingest_updates(
        uow,
        [
            update(
                "laposte",
                "6A12345",
                "available_for_pickup",
                now - timedelta(hours=3),
                location="Roubaix Centre",
                pickup_point_id="591120",
            )
        ],
    )
    callback = open_complaint(uow, complaint("Personne ne m'a rappelé", now, author="@lea"), "agent:t", then)
    record_promises(
        uow,
        callback.case_id,
        [spec("callback", "support", "CB-9", now - timedelta(hours=5), said="on vous rappelle avant midi")],
        "agent:t",
        then,
    )
    sweep_deadlines(uow)
    assign_case(uow, callback.case_id, "Olivia Ops", "ops:Olivia Ops")
    return reroute.case_id, callback.case_id


def login(browser, server, name, viewport, db):  # noqa: F811
    token = credentials.create_key(db, "ops" if name == "Olivia Ops" else "agent", None, datetime.now(UTC), name=name)
    page = browser.new_page(viewport=viewport)
    page.goto(server + "/")
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Log in").click()
    return page


def no_sideways_scroll(page) -> bool:
    if page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
        return True
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8)""")
    raise AssertionError(f"the page scrolls sideways: {wide}")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_take_act_snooze_and_assign(db, server, device):  # noqa: F811
    browser_or_skip()
    from playwright.sync_api import expect, sync_playwright

    reroute_case, callback_case = seed(db)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = login(browser, server, "Claire Martin", VIEWPORTS[device], db)
        violations = watch_csp(page)
        items = page.locator("#stuck-rows article.item")
        expect(items).to_have_count(2)
        first = items.first  # unowned first, although the callback broke earlier
        expect(first.locator("h2")).to_have_text("@vinyl · order CMD-4471 · 6A12345")
        expect(first.locator(".owner")).to_have_text("Unowned")
        expect(items.nth(1).locator(".owner")).to_have_text("Owner: Olivia Ops")
        assert no_sideways_scroll(page)
        page.screenshot(path=ARTIFACTS / f"ops-stuck-{device}.png", full_page=True)

        first.get_by_role("button", name="Take it").click()
        first = page.locator(f"#stuck-rows article.item:has(a[href='/cases/{reroute_case}'])")
        expect(first.locator(".owner")).to_have_text("Owner: Claire Martin")
        expect(first.locator(".expected")).to_contain_text("Lille Vauban, 590010")
        expect(first.locator(".observed")).to_contain_text("Roubaix Centre, 591120")
        expect(first.locator(".next")).to_contain_text("Ask the carrier to reroute again")
        expect(first.locator(".meta")).to_contain_text("Stuck since")
        expect(first.locator(".meta")).to_contain_text("CET" if datetime.now(UTC).month in (1, 2, 3, 11, 12) else "CE")
        first.scroll_into_view_if_needed()
        page.screenshot(path=ARTIFACTS / f"ops-taken-{device}.png", full_page=True)

        first.get_by_role("button", name="Promise again (24 h)").click()
        expect(page.locator(f"#stuck-rows article.item:has(a[href='/cases/{reroute_case}'])")).to_have_count(0)
        expect(items).to_have_count(1)

        # Snooze the callback, see it under "Snoozed", bring it back.
        callback = items.first
        callback.get_by_label("Note").fill("rappel prévu à 15h")
        callback.get_by_label("Snooze").select_option("2h")
        callback.get_by_role("button", name="Acknowledge").click()
        expect(items).to_have_count(0)
        snoozed = page.locator(".snoozed li")
        expect(snoozed).to_have_count(1)
        expect(snoozed.first).to_contain_text("@lea")
        page.screenshot(path=ARTIFACTS / f"ops-snoozed-{device}.png", full_page=True)
        snoozed.first.get_by_role("button", name="Un-snooze").click()
        expect(items).to_have_count(1)
        expect(page.locator(".snoozed li")).to_have_count(0)

        # The case page of the new promise: the timeline says who did what.
        page.goto(server + f"/cases/{reroute_case}")
        timeline = page.locator(".timeline")
        expect(timeline).to_contain_text("owner")
        expect(timeline).to_contain_text("by Claire Martin")
        expect(page.locator(".stuck-here")).to_have_count(0)  # the new promise answered it
        assert no_sideways_scroll(page)
        page.screenshot(path=ARTIFACTS / f"ops-case-after-{device}.png", full_page=True)

        # Ops gives the callback case to someone else, from its case page.
        ops = login(browser, server, "Olivia Ops", VIEWPORTS[device], db)
        ops.goto(server + f"/cases/{callback_case}")
        stuck = ops.locator(".stuck-here")
        expect(stuck.locator(".next")).to_contain_text("Call the customer now")
        stuck.get_by_label("Give case to").select_option("Samir Haddad")
        stuck.get_by_role("button", name="Assign").click()
        expect(ops.locator(".summary .owner")).to_have_text("Owner: Samir Haddad")
        expect(ops.locator(".timeline li.t-owner").last).to_contain_text("by Olivia Ops")
        assert no_sideways_scroll(ops)
        ops.screenshot(path=ARTIFACTS / f"ops-assigned-{device}.png", full_page=True)
        assert violations == []
        browser.close()


PARTNERS = [
    "chronopost",
    "colissimo",
    "dhl-express",
    "dpd-france",
    "fnac-ternes",
    "gls",
    "laposte",
    "mondial-relay",
    "relais-colis",
    "stripe-fr",
    "ups",
]


def many_partners(db):
    """Six weeks of callbacks for eleven partners, each keeping a different share on time."""
    uow, now = uow_factory(db), datetime.now(UTC)
    for week in range(1, 7):
        start = now - timedelta(weeks=week)
        for n, partner in enumerate(PARTNERS):
            for i in range(2):
                case = open_complaint(
                    uow, complaint(f"rappel {partner} {week} {i}", start, author=f"@c{n}"), "agent:t", lambda s=start: s
                )
                ref = f"H-{partner}-{week}-{i}"
                record_promises(
                    uow, case.case_id, [spec("callback", partner, ref, start + timedelta(hours=4))], "agent:t", lambda s=start: s
                )
                late = (week + i + n) % (2 + n % 4) == 0
                ingest_updates(uow, [update(partner, ref, "done", start + timedelta(hours=6 if late else 1))])
    stuck = open_complaint(uow, complaint("personne ne rappelle", now, author="@gls-client"), "agent:t")
    record_promises(
        uow,
        stuck.case_id,
        [spec("callback", "gls", "GLS-1", now - timedelta(hours=1))],
        "agent:t",
        lambda: now - timedelta(hours=3),
    )
    sweep_deadlines(uow)


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_scorecards_with_many_partners_open_their_stuck_lists(db, server, device):  # noqa: F811
    browser_or_skip()
    import httpx
    from playwright.sync_api import expect, sync_playwright

    many_partners(db)
    assert httpx.get(server + "/favicon.ico").headers["content-type"] == "image/svg+xml"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = login(browser, server, "Olivia Ops", VIEWPORTS[device], db)
        violations = watch_csp(page)
        page.goto(server + "/scorecards")
        expect(page.locator("link[rel=icon]")).to_have_attribute("href", "/static/favicon.svg")
        charts = page.locator(".small-chart")
        expect(charts).to_have_count(len(PARTNERS))
        boxes = [charts.nth(i).bounding_box() for i in range(len(PARTNERS))]
        assert min(b["width"] for b in boxes) >= 220  # legible, not squeezed
        if device == "phone":
            assert len({round(b["x"]) for b in boxes}) == 1  # one chart per row
        assert no_sideways_scroll(page)
        page.screenshot(path=ARTIFACTS / f"ops-scorecards-many-{device}.png", full_page=True)
        page.locator("table").get_by_role("link", name="gls", exact=True).click()
        expect(page).to_have_url(server + "/?partner=gls")
        expect(page.locator("#stuck-rows article.item")).to_have_count(1)
        expect(page.locator("#stuck-rows article.item h2")).to_have_text("@gls-client · GLS-1")
        assert violations == []
        browser.close()
