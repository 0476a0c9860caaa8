"""In real Chromium: a sponsor adds an endpoint, reads its secret, and sees the delivery log;
the page runs under the CSP with no console error, and fits a phone."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from challenges.models import Role
from tests.core.helpers import submit
from tests.support.factories import PASSWORD
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.e2e


def test_a_sponsor_adds_an_endpoint_and_sees_its_deliveries(
    page: Page, console, make_user, make_sponsor, make_challenge, app, monkeypatch
) -> None:
    # The test's receiver listens on loopback, which production refuses.
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    console.allow(r"sponsor\.example/logo\.png")  # the factory's logo is not reachable offline
    console.allow(r"status of 422")  # the form sent back with its errors
    sponsor = make_sponsor(name="Brand")
    make_user("brand", role=Role.SPONSOR, sponsor=sponsor)
    hook = Receiver().start()
    try:
        page.goto("/login")
        page.get_by_label("Username or email").fill("brand")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto("/sponsor/")
        page.get_by_role("link", name="Webhooks").click()
        expect(page.get_by_role("heading", name="Webhooks")).to_be_visible()

        page.get_by_role("button", name="Add endpoint").click()  # empty: errors at the fields
        expect(page.get_by_text("Enter the URL that receives the webhooks.")).to_be_visible()
        expect(page.get_by_text("Choose at least one event.")).to_be_visible()

        page.get_by_label("Endpoint URL").fill(hook.url)
        page.get_by_label("Description (optional)").fill("Our CRM")
        page.get_by_label("submission.created", exact=False).check()
        page.get_by_role("button", name="Add endpoint").click()
        expect(page.get_by_role("heading", name="Our CRM")).to_be_visible()
        hook.secret = page.get_by_test_id("secret").inner_text().strip()

        submit(make_challenge("active", sponsor=sponsor), make_user())
        assert [r.verified for r in hook.requests] == [True]
        page.reload()
        expect(page.get_by_test_id("delivery-log")).to_contain_text("submission.created")
        expect(page.get_by_test_id("delivery-log")).to_contain_text("delivered")

        page.set_viewport_size({"width": 390, "height": 844})
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390 + 1, "the page overflows a phone's width"
        if shots := os.environ.get("WEBHOOK_SCREENSHOTS"):  # a folder, to look at the page
            page.screenshot(path=f"{shots}/sponsor-webhook-phone.png", full_page=True)
            page.set_viewport_size({"width": 1200, "height": 900})
            page.screenshot(path=f"{shots}/sponsor-webhook.png", full_page=True)
    finally:
        hook.stop()
