"""The gallery's Discover order in real Chromium (issue 13): the default tab while votes are
open, with its explanation; accessible and without sideways scrolling in English and Spanish at
1280 and 375 x 812; "Load more" goes through the viewer's order, with and without JavaScript,
never showing a card twice."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.bench.discover import add_entries
from tests.e2e.a11y import assert_accessible, assert_no_horizontal_overflow

pytestmark = pytest.mark.e2e

# Screenshots for a person to look at: DISCOVER_SHOTS=/tmp/shots-discover pytest ...
SHOTS = os.environ.get("DISCOVER_SHOTS")
SIZES = [(1280, 800), (375, 812)]


@pytest.fixture
def slug(live_server, make_challenge, frozen_clock):
    challenge = make_challenge("voting", slug="neon-dreams", title="Neon Dreams",
                               theme_color="teal")
    add_entries(challenge, 20, frozen_clock())
    return challenge.slug


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def card_ids(page: Page) -> list[str]:
    return [str(card.get_attribute("id")) for card in page.locator(".entry-card").all()]


@pytest.mark.parametrize(("locale", "tab", "help_text"), [
    ("en", "Discover", "A fair mix: entries seen least come first."),
    ("es", "Descubrir", "Una mezcla justa: primero las participaciones menos vistas."),
])
def test_discover_is_the_default_tab_and_the_page_is_accessible(open_page, slug, locale, tab,
                                                                help_text):
    for width, height in SIZES:
        page = open_page(locale=locale, width=width, height=height)
        page.goto(f"/challenges/{slug}/submissions/")
        sort_nav = page.locator("nav.sort-tabs")
        expect(sort_nav.locator("[aria-current=true]")).to_have_text(tab)
        expect(page.get_by_test_id("discover-help")).to_have_text(help_text)
        expect(page.locator(".entry-card")).to_have_count(12)
        assert_accessible(page)
        assert_no_horizontal_overflow(page)
        shoot(page, f"gallery-discover-{locale}-{width}")


def test_load_more_continues_the_viewers_order_with_htmx(open_page, slug):
    page = open_page()
    page.goto(f"/challenges/{slug}/submissions/")
    first = card_ids(page)
    page.get_by_role("link", name="Load more").click()
    expect(page.locator(".entry-card")).to_have_count(20)
    ids = card_ids(page)
    assert ids[:12] == first and len(set(ids)) == 20
    page.reload()  # the same viewer (the same session): the same order
    expect(page.locator(".entry-card")).to_have_count(12)
    assert card_ids(page) == first


def test_load_more_works_without_javascript(browser, live_server, slug, console):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.on("console", console.on_console)
    try:
        page.goto(f"/challenges/{slug}/submissions/")
        first = card_ids(page)
        page.get_by_role("link", name="Load more").click()
        expect(page.locator(".entry-card")).to_have_count(8)
        assert not set(first) & set(card_ids(page))
    finally:
        context.close()
