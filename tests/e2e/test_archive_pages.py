"""The archive and the results page in real Chromium (issue #12): no serious or critical axe
violation and no sideways scrolling, in English and Spanish, at 1280 and at 375 x 812; the
filter form and "Older challenges" work with JavaScript turned off."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from challenges.clock import utcnow
from challenges.extensions import get_redis
from challenges.leaderboard.rebuild import rebuild
from tests.archive.test_archive_pages import bulk_completed
from tests.core.helpers import submit, vote
from tests.e2e.a11y import assert_accessible, assert_no_horizontal_overflow
from tests.rewards.helpers import finalize

pytestmark = pytest.mark.e2e

# Screenshots for a person to look at: ARCHIVE_SHOTS=/tmp/shots-archive pytest ...
SHOTS = os.environ.get("ARCHIVE_SHOTS")
SIZES = [(1280, 800), (375, 812)]


@pytest.fixture
def archive(live_server, frozen_clock, make_challenge, make_user, make_sponsor):
    """A finalized challenge with artwork, sponsored, with four ranked members (one with a
    20-character name), and older archived challenges."""
    art = f"{live_server.url}/static/demo"
    sponsor = make_sponsor(name="DreamLabs", slug="dreamlabs")
    challenge = make_challenge("completed", slug="retro-futures", title="Retro Futures",
                               status="voting", theme_color="orange", sponsor_id=sponsor.id,
                               description="Imagine the future as seen from 1965: chrome, "
                                           "neon and sueños of space.")
    frozen_clock.set(challenge.starts_at + timedelta(hours=30))
    voters = [make_user() for _ in range(4)]
    for n, name in enumerate(["abcdefghij_klmnopqrs", "pixelmaster", "lumen", "oceanic"]):
        entry = submit(challenge, make_user(name), title=f"Chrome dream {n}",
                       image_url=f"{art}/retro-futures-0{n + 1}.svg",
                       image_alt_text="A chrome rocket over a neon city")
        for voter in voters[: 4 - n]:
            vote(entry, voter)
    frozen_clock.set(challenge.voting_deadline + timedelta(hours=1))
    finalize(challenge)
    rebuild(get_redis(), challenge.id, utcnow())
    frozen_clock.set(utcnow() + timedelta(days=1))
    older = bulk_completed(14, theme_color="teal")
    return {"slug": challenge.slug, "older": older}


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.mark.parametrize("locale", ["en", "es"])
def test_the_archive_and_results_pages_are_accessible_and_fit_a_phone(open_page, archive,
                                                                       locale):
    for width, height in SIZES:
        page = open_page(locale=locale, width=width, height=height)
        page.goto("/challenges/archive/")
        expect(page.locator("[data-testid=archive-card]").first).to_be_visible()
        assert page.locator("html").get_attribute("lang") == locale
        assert_accessible(page)
        assert_no_horizontal_overflow(page)
        shoot(page, f"archive-{locale}-{width}")

        page.goto(f"/challenges/{archive['slug']}/results/")
        # The reveal (issue #13) announces the four places, then shows the podium and board.
        expect(page.locator("[data-testid=results-podium]")).to_be_visible(timeout=20_000)
        expect(page.locator("[data-testid=final-board] tbody tr")).to_have_count(4)
        assert_accessible(page)
        assert_no_horizontal_overflow(page)
        shoot(page, f"results-{locale}-{width}")


def test_the_filter_form_and_older_challenges_work_without_javascript(browser, live_server,
                                                                       archive, console):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.on("console", console.on_console)
    try:
        page.goto("/challenges/archive/")
        cards = page.locator("[data-testid=archive-card]")
        expect(cards).to_have_count(12)
        page.get_by_label("Search titles and descriptions").fill("sueños")
        page.get_by_role("button", name="Search").click()
        expect(page).to_have_url(re.compile(r"q=sue"))
        expect(cards).to_have_count(1)
        expect(cards.first).to_contain_text("Retro Futures")

        page.get_by_label("Search titles and descriptions").fill("")
        page.get_by_label("Theme colour").select_option("teal")
        page.get_by_role("button", name="Search").click()
        expect(cards).to_have_count(12)
        page.get_by_role("link", name="Older challenges").click()
        expect(page).to_have_url(re.compile(r"theme=teal"))
        expect(page).to_have_url(re.compile(r"after="))
        expect(cards).to_have_count(2)  # 14 teal ones: the rest, and only teal
        expect(page.get_by_text("Retro Futures")).to_have_count(0)
    finally:
        context.close()


def test_older_challenges_appends_with_htmx(page, archive):
    page.goto("/challenges/archive/")
    cards = page.locator("[data-testid=archive-card]")
    expect(cards).to_have_count(12)
    page.get_by_role("link", name="Older challenges").click()
    expect(cards).to_have_count(15)
    expect(page).to_have_url(re.compile(r"/challenges/archive/$"))  # appended, not navigated
