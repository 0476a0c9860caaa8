"""Freeze, then reveal (issue #13) in real Chromium: the results page announces 10th to 1st by
htmx steps and ends with the podium; with reduced motion the reader steps by hand (focus stays
on the control) or shows all; with JavaScript off the whole list and the podium are simply
there. The frozen board's page is accessible and fits a phone. No serious or critical axe
violation, in English and Spanish.

Screenshots for a person to look at (and the README's): FREEZE_SHOTS=/tmp/shots-freeze pytest ...
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from challenges.clock import utcnow
from challenges.extensions import get_redis
from challenges.leaderboard.rebuild import rebuild
from tests.core.helpers import submit, vote
from tests.e2e.a11y import assert_accessible, assert_no_horizontal_overflow
from tests.e2e.entries_support import log_in
from tests.rewards.helpers import finalize

pytestmark = pytest.mark.e2e

SHOTS = os.environ.get("FREEZE_SHOTS")
SLUG = "night-lights"


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


NAMES = ["lumen", "pixelmaster", "oceanic", "neonfox", "aurora_b", "kestrel", "moth",
         "quietwave", "saffron", "tidepool", "zephyr"]


@pytest.fixture
def published(live_server, frozen_clock, make_challenge, make_user):
    """A challenge whose results are out: eleven members ranked 1st to 11th by votes."""
    art = f"{live_server.url}/static/demo"
    challenge = make_challenge("active", slug=SLUG, title="Night Lights", theme_color="indigo")
    voters = [make_user() for _ in range(len(NAMES))]
    for n, name in enumerate(NAMES):
        entry = submit(challenge, make_user(name), title=f"Lights {n}",
                       image_url=f"{art}/retro-futures-0{n % 4 + 1}.svg",
                       image_alt_text="City lights at night")
        for voter in voters[: len(NAMES) - n]:
            vote(entry, voter)
    frozen_clock.set(challenge.ends_at + timedelta(hours=1))
    finalize(challenge)
    rebuild(get_redis(), challenge.id, utcnow())
    return challenge


@pytest.mark.parametrize("locale", ["en", "es"])
def test_the_reveal_runs_from_10th_to_1st_and_ends_with_the_podium(open_page, published,
                                                                   locale):
    page = open_page(locale=locale)
    page.goto(f"/challenges/{SLUG}/results/")
    stage = page.locator("#reveal")
    expect(stage).to_be_visible()
    expect(page.locator("[data-testid=reveal-place-10]")).to_be_visible()
    expect(page.locator("[data-testid=reveal-place-1]")).to_have_count(0)  # not yet
    assert_accessible(page)
    # Each step is an htmx request; the sequence reaches 1st and then the podium.
    expect(page.locator("[data-testid=reveal-place-1]")).to_be_visible(timeout=30_000)
    expect(page.locator("[data-testid=results-podium]")).to_be_visible()
    expect(page.locator("[data-testid=reveal-next]")).to_have_count(0)
    assert page.locator(".reveal-place").count() == 10
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
    shoot(page, f"reveal-{locale}-1280")


def test_with_reduced_motion_the_reader_steps_by_hand_or_shows_all(browser, live_server,
                                                                    published):
    context = browser.new_context(base_url=live_server.url, reduced_motion="reduce",
                                  viewport={"width": 375, "height": 812})
    try:
        page = context.new_page()
        page.goto(f"/challenges/{SLUG}/results/")
        start = page.locator("[data-testid=reveal-next]")
        expect(start).to_be_visible()
        expect(page.locator("#reveal")).to_have_attribute("data-step", "0")
        start.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#reveal")).to_have_attribute("data-step", "1")
        expect(page.locator("[data-testid=reveal-place-10]")).to_be_visible()
        expect(page.locator("[data-testid=reveal-next]")).to_be_focused()  # focus follows
        page.keyboard.press("Enter")
        expect(page.locator("[data-testid=reveal-place-9]")).to_be_visible()
        page.locator("[data-testid=reveal-show-all]").click()
        expect(page.locator("[data-testid=reveal-place-1]")).to_be_visible()
        expect(page.locator("[data-testid=results-podium]")).to_be_visible()
        assert_accessible(page)
        assert_no_horizontal_overflow(page)
        shoot(page, "reveal-reduced-375")
    finally:
        context.close()


def test_without_javascript_the_whole_list_and_the_podium_are_there(browser, live_server,
                                                                     published):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"/challenges/{SLUG}/results/")
        places = page.locator(".reveal-place")
        expect(places).to_have_count(10)
        expect(page.locator("[data-testid=reveal-place-1]")).to_be_visible()
        expect(page.locator("[data-testid=reveal-place-1]")).to_contain_text("@lumen")
        expect(page.locator("[data-testid=reveal-place-10]")).to_contain_text("@tidepool")
        expect(page.locator("[data-testid=results-podium]")).to_be_visible()
        expect(page.locator("[data-testid=final-board] tbody tr")).to_have_count(11)
        expect(page.locator("[data-testid=reveal-next]")).to_be_hidden()  # no dead buttons
    finally:
        context.close()


@pytest.fixture
def frozen_challenge(live_server, frozen_clock, make_challenge, make_user):
    """A challenge 2 h into its 12 h freeze: @oceanic led at the freeze, @kestrel leads now."""
    challenge = make_challenge("active", slug=SLUG, title="Night Lights", theme_color="indigo",
                               freeze_hours=12)
    voters = [make_user() for _ in range(6)]
    art = f"{live_server.url}/static/demo"
    entries = {name: submit(challenge, make_user(name), title=f"Lights {n}",
                            image_url=f"{art}/retro-futures-0{n + 1}.svg",
                            image_alt_text="City lights at night")
               for n, name in enumerate(("oceanic", "kestrel", "lumen", "moth"))}
    for voter in voters[:4]:
        vote(entries["oceanic"], voter)
    for voter in voters[:2]:
        vote(entries["lumen"], voter)
    vote(entries["kestrel"], voters[0])
    frozen_clock.set(challenge.voting_deadline - timedelta(hours=10))
    for voter in voters[1:]:
        vote(entries["kestrel"], voter)
    return challenge


@pytest.mark.parametrize("locale", ["en", "es"])
def test_the_frozen_board_is_accessible_and_shows_the_members_live_row(open_page,
                                                                       frozen_challenge,
                                                                       locale):
    for width, height in [(1280, 900), (375, 812)]:
        page = open_page(locale=locale, width=width, height=height)
        log_in(page, "kestrel")
        page.goto(f"/challenges/{SLUG}/")
        board = page.locator("[data-testid=leaderboard]")
        expect(board.locator("[data-testid=frozen-note]")).to_be_visible()
        expect(board.locator(".board-row").first).to_contain_text("@oceanic")  # frozen
        expect(board.locator("[data-testid=you-live]")).to_be_visible()
        expect(board.locator(".board-you")).to_contain_text("1.")  # live: first
        assert_accessible(page)
        assert_no_horizontal_overflow(page)
        board.scroll_into_view_if_needed()
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            board.screenshot(path=f"{SHOTS}/frozen-board-{locale}-{width}.png")
