"""In real Chromium: the analytics dashboard and the sponsor's numbers draw their charts under
the strict CSP (a listener collects every ``securitypolicyviolation``; none may fire), pass axe,
fit a phone, and with JavaScript off still show every data table."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from challenges.models import Role
from tests.analytics.history import three_challenges
from tests.e2e.a11y import assert_accessible, assert_no_horizontal_overflow
from tests.support.factories import PASSWORD

pytestmark = pytest.mark.e2e

# Collected before any of the page's scripts run (an init script is not subject to the CSP).
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""
SHOTS = os.environ.get("ANALYTICS_SCREENSHOTS")  # a folder, to look at the pages


def sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def violations(page: Page) -> list[str]:
    return list(page.evaluate("() => window.__cspViolations"))


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_the_dashboard_draws_its_charts_under_the_csp_and_is_accessible(
        open_page: Callable[..., Page], console, make_user, frozen_clock) -> None:
    data = three_challenges()
    frozen_clock.set(data.now)
    make_user("editor", role=Role.EDITOR)
    page = open_page()
    page.add_init_script(CSP_LISTENER)
    sign_in(page, "editor")
    page.goto("/admin/")
    page.get_by_role("link", name="Analytics").click()
    expect(page.get_by_role("heading", name="Analytics", exact=True)).to_be_visible()
    for chart in ("weeks-chart", "funnel-chart", "hours-chart"):
        svg = page.get_by_test_id(chart).locator("svg")
        expect(svg).to_be_visible()
        assert svg.bounding_box()["height"] > 100  # drawn, not collapsed
    page.get_by_label("Challenge", exact=True).select_option(label="Second")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("funnel-table")).to_contain_text("Funnel of Second")
    assert violations(page) == []
    console.assert_clean()
    assert_accessible(page)
    shoot(page, "admin-analytics")
    page.set_viewport_size({"width": 375, "height": 812})
    shoot(page, "admin-analytics-phone")
    assert violations(page) == []


def test_the_sponsor_sees_their_numbers_under_the_csp_on_any_screen(
        open_page: Callable[..., Page], console, make_user, make_sponsor, frozen_clock) -> None:
    console.allow(r"sponsor\.example/logo\.png")  # the factory's logo is not reachable offline
    sponsor = make_sponsor(name="Brand")
    data = three_challenges(sponsor=sponsor)
    frozen_clock.set(data.now)
    make_user("brand", role=Role.SPONSOR, sponsor=sponsor)
    for width, height in ((1280, 800), (375, 812)):
        page = open_page(width=width, height=height)
        page.add_init_script(CSP_LISTENER)
        sign_in(page, "brand")
        page.goto("/sponsor/")
        expect(page.get_by_test_id("sponsor-chart").locator("svg")).to_be_visible()
        expect(page.get_by_test_id("sponsor-analytics-table")).to_contain_text("Third")
        assert violations(page) == []
        assert_accessible(page)
        assert_no_horizontal_overflow(page)
        shoot(page, f"sponsor-analytics-{width}")


def test_without_javascript_the_tables_show(browser: Browser, live_server, make_user,
                                            make_sponsor, frozen_clock) -> None:
    sponsor = make_sponsor(name="Brand")
    data = three_challenges(sponsor=sponsor)
    frozen_clock.set(data.now)
    make_user("editor", role=Role.EDITOR)
    make_user("brand", role=Role.SPONSOR, sponsor=sponsor)
    for username, url, tables in (
            ("editor", "/admin/analytics/", ("weeks", "challenges", "funnel", "hours")),
            ("brand", "/sponsor/", ("sponsor-analytics",))):
        context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
        try:
            page = context.new_page()
            sign_in(page, username)
            page.goto(url)
            for table in tables:
                expect(page.get_by_test_id(f"{table}-table")).to_be_visible()
            expect(page.get_by_test_id("challenges-table" if username == "editor"
                                       else "sponsor-analytics-table")).to_contain_text("First")
        finally:
            context.close()
