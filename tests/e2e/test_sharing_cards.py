"""In real Chromium (issue #12, "Sharing"): the participant card page and a landing page with
the share buttons pass axe and never scroll sideways at 375 x 812, in English and Spanish;
"Copy link" copies the share link and says so in its live region; the Web Share button shows
only where the browser has ``navigator.share``; a remembered Mastodon server is used directly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.a11y import assert_accessible, assert_no_horizontal_overflow
from tests.sharing.helpers import finalized_challenge

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 812}
# Screenshots for a person to look at: SHARE_SHOTS=/tmp/shots-sharing pytest ...
SHOTS = os.environ.get("SHARE_SHOTS")


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.fixture
def results(frozen_clock, live_server):
    return finalized_challenge(frozen_clock, slug="dream-week",
                               art=f"{live_server.url}/static/demo")


@pytest.mark.parametrize("locale", ["en", "es"])
def test_the_card_and_a_landing_page_with_share_buttons_are_accessible_on_a_phone(
        open_page, results, locale):
    card = f"/challenges/dream-week/results/{results.members[0].username}"
    for name, path in (("card", card), ("landing", "/challenges/dream-week/")):
        page = open_page(locale=locale, **PHONE)
        page.goto(path)
        expect(page.locator("[data-share]")).to_be_visible()
        expect(page.locator("[data-share-copy]")).to_be_visible()  # JavaScript showed it
        if name == "card":
            image = page.locator(".share-card-image img")
            expect(image).to_be_visible()
            assert page.evaluate("img => img.naturalWidth", image.element_handle()) == 1200
        assert_accessible(page)
        assert_no_horizontal_overflow(page)
        shoot(page, f"{name}-{locale}-375")
    wide = open_page(locale=locale)
    wide.goto(card)
    assert_accessible(wide)
    shoot(wide, f"card-{locale}-1280")


def test_copy_link_copies_the_share_link_and_announces_it(open_page, results):
    page = open_page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"/challenges/dream-week/results/{results.members[1].username}")
    status = page.locator("[data-share-status]")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_text("")
    page.get_by_role("button", name="Copy link").click()
    expect(status).to_have_text("Link copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("[data-share-input]").input_value()
    assert copied.endswith(f"/challenges/dream-week/results/{results.members[1].username}")


def test_the_web_share_button_shows_only_where_the_browser_can_share(open_page, results):
    page = open_page()
    page.goto("/challenges/dream-week/")
    native = page.locator("[data-share-native]")
    if page.evaluate("typeof navigator.share === 'function'"):
        expect(native).to_be_visible()
    else:
        expect(native).to_be_hidden()
    # A browser that has it: the button appears, with its accessible name.
    page.add_init_script("navigator.share = () => Promise.resolve();")
    page.reload()
    expect(page.get_by_role("button", name="Share…")).to_be_visible()


def test_a_remembered_mastodon_server_is_used_without_asking(open_page, results):
    page = open_page()
    opened: list[str] = []

    def fake_mastodon(route: Route) -> None:
        opened.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<title>compose</title>")

    page.route("https://mastodon.example/**", fake_mastodon)
    page.goto("/challenges/dream-week/")
    page.get_by_role("link", name="Mastodon").click()
    # Not remembered yet: our page asks (and remembers the answer in this browser).
    expect(page.get_by_role("heading", name="Share on Mastodon")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Your Mastodon server").fill("mastodon.example")
    page.get_by_role("button", name="Continue to Mastodon").click()
    page.wait_for_url("https://mastodon.example/share?**")
    assert "dream-week" in opened[-1]
    # Next time, even without the cookie the server set: this browser remembers it.
    page.context.clear_cookies()
    page.goto("/challenges/dream-week/")
    page.get_by_role("link", name="Mastodon").click()
    page.wait_for_url("https://mastodon.example/share?**")
    assert len(opened) == 2


def test_without_javascript_the_link_sits_in_a_field_to_select(browser, live_server, results):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"/challenges/dream-week/results/{results.members[0].username}")
        field = page.get_by_label("Link to share")
        expect(field).to_be_visible()
        expect(field).to_have_attribute("readonly", "")
        assert field.input_value().endswith(f"/results/{results.members[0].username}")
        expect(page.locator("[data-share-copy]")).to_be_hidden()
        expect(page.locator("[data-share-native]")).to_be_hidden()
        expect(page.get_by_role("link", name="Reddit")).to_be_visible()
    finally:
        context.close()
