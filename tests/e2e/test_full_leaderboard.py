"""In real Chromium, the full leaderboard (issue #8 §6): "Next" pages append with htmx and
navigate without JavaScript, "Previous" goes back, "jump to my rank" scrolls to the viewer's
highlighted row; the page fits a phone's width. No console errors, no CSP violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from challenges.extensions import get_redis
from tests.support.boards import leave_board_as_a_rebuild_would, place_member
from tests.support.factories import PASSWORD

pytestmark = pytest.mark.e2e

MEMBERS = 120  # three pages of 50 (the viewer makes it 121)


@pytest.fixture
def big_board(make_challenge, make_user):
    challenge = make_challenge("active")
    viewer = make_user()
    leave_board_as_a_rebuild_would(get_redis(), challenge, MEMBERS)
    # No votes and the latest first entry (members hold entry numbers 1..120): rank 121.
    place_member(get_redis(), challenge, viewer.id, viewer.username, 0, MEMBERS + 1)
    return challenge, viewer


def log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("nav-username")).to_have_text(f"@{username}")


def rows(page: Page):
    return page.locator("#rank-list > li.board-row")


@pytest.mark.parametrize("width", [1280, 375])
def test_next_appends_and_jump_to_my_rank_scrolls_to_my_row(page: Page, big_board,
                                                           width: int) -> None:
    challenge, viewer = big_board
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, viewer.username)
    page.goto(f"/challenges/{challenge.slug}/leaderboard/")
    page.wait_for_function("() => window.htmx !== undefined")
    expect(rows(page)).to_have_count(50)
    page.screenshot(path=f"/tmp/fullboard-{width}-top.png", full_page=False)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width

    page.get_by_test_id("rank-next").click()  # htmx: the next 50 append, the URL stays
    expect(rows(page)).to_have_count(100)
    expect(page.locator("#rank-announcer")).to_have_text("Ranks 51 to 100 loaded.")
    assert "after=" not in page.url
    page.get_by_test_id("rank-next").click()
    expect(rows(page)).to_have_count(121)
    expect(page.get_by_test_id("rank-next")).to_have_count(0)  # the end

    page.goto(f"/challenges/{challenge.slug}/leaderboard/")
    page.get_by_test_id("jump-to-me").click()
    expect(page).to_have_url(re.compile(r"\?at=me#you$"))
    mine = page.locator("#you")
    expect(mine).to_have_attribute("data-rank", "121")
    expect(rows(page).first).to_have_attribute("data-rank", "101")
    expect(mine).to_be_in_viewport()
    expect(mine).to_have_attribute("aria-current", "true")
    page.screenshot(path=f"/tmp/fullboard-{width}-me.png", full_page=False)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width


def test_without_javascript_next_and_previous_are_pages(browser, live_server, big_board) -> None:
    challenge, _ = big_board
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"/challenges/{challenge.slug}/leaderboard/")
        expect(rows(page)).to_have_count(50)
        page.get_by_test_id("rank-next").click()
        expect(page).to_have_url(re.compile(r"after="))
        expect(rows(page)).to_have_count(50)
        expect(rows(page).first).to_have_attribute("data-rank", "51")
        page.get_by_test_id("rank-prev").click()
        expect(rows(page).first).to_have_attribute("data-rank", "1")
        expect(page.get_by_test_id("rank-prev")).to_have_count(0)
    finally:
        context.close()
