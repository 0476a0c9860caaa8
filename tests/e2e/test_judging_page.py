"""The judging page in Chromium (SPEC §4a): a judge scores entries with the keyboard alone
(autofocus on the first score, Enter saves through htmx without a reload, the focus moves to
"Next", Enter follows it), at 1280 px and 375 px, with axe and no sideways scrolling; without
JavaScript the form posts and the page moves on to the next entry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.judging.helpers import RUBRIC, assign

from .a11y import assert_accessible, assert_no_horizontal_overflow
from .conftest import TIMEOUT_MS, LiveServer
from .entries_support import log_in, wait_for_htmx

pytestmark = pytest.mark.e2e

SHOTS = "/tmp/shots-judges"


def _judged_challenge(make_challenge, make_user, frozen_clock, live_server):
    from tests.core.helpers import submit

    challenge = make_challenge("voting", title="Winter light", judging_mode="blend",
                               community_share=0.7, rubric=RUBRIC)
    frozen_clock.set(challenge.starts_at + timedelta(hours=1))
    entries = [
        submit(challenge, make_user("lumen"), title="Frost on the window",
               image_url=f"{live_server.url}/static/demo/art-01.svg",
               image_alt_text="Blue frost patterns", description="Ink and salt on glass."),
        submit(challenge, make_user("marlo"), title="Low sun over the river",
               image_url=f"{live_server.url}/static/demo/art-02.svg",
               image_alt_text="An orange sun over a river"),
    ]
    frozen_clock.set(challenge.submission_deadline + timedelta(hours=2))  # judging is open
    judge = make_user("judy")
    assign(challenge, judge)
    return challenge, entries, judge


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (375, 812)])
def test_a_judge_scores_every_entry_with_the_keyboard(open_page, make_challenge, make_user,
                                                      frozen_clock, live_server, width, height):
    challenge, entries, judge = _judged_challenge(make_challenge, make_user, frozen_clock,
                                                  live_server)
    page: Page = open_page(width=width, height=height)
    log_in(page, judge.username)
    page.goto(f"/challenges/{challenge.slug}/judging/")
    wait_for_htmx(page)
    progress = page.get_by_test_id("judging-progress")
    expect(progress).to_contain_text("0 of 2 scored")
    first = page.locator("input[name=c0]")
    expect(first).to_be_focused()  # autofocus: type at once
    assert_accessible(page)
    assert_no_horizontal_overflow(page)

    url_before = page.url
    page.keyboard.type("7")
    page.keyboard.press("Tab")
    page.keyboard.type("9")
    page.keyboard.press("Enter")  # htmx: saved without a reload
    expect(page.get_by_test_id("judging-saved")).to_be_visible()
    expect(progress).to_contain_text("1 of 2 scored")
    assert page.url == url_before
    next_link = page.get_by_test_id("judging-next")
    expect(next_link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Low sun over the river")).to_be_visible()
    expect(page.locator("input[name=c0]")).to_be_focused()
    page.keyboard.type("10")
    page.keyboard.press("Tab")
    page.keyboard.type("8")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("judging-progress")).to_contain_text("2 of 2 scored")
    assert_accessible(page)
    # Back with the "previous" link: the saved scores are in the form and in the table.
    page.get_by_test_id("judging-previous").click()
    expect(page.locator("input[name=c0]")).to_have_value("7")
    expect(page.get_by_test_id("judging-scores")).to_contain_text("@judy")
    # Last: a full-page screenshot resizes the page, which htmx's settling would then copy.
    page.screenshot(path=f"{SHOTS}/judging-{width}.png", full_page=True)


def test_without_javascript_the_form_posts_and_moves_on(browser: Browser, live_server: LiveServer,
                                                        make_challenge, make_user, frozen_clock):
    challenge, entries, judge = _judged_challenge(make_challenge, make_user, frozen_clock,
                                                  live_server)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False,
                                  viewport={"width": 375, "height": 812})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        log_in(page, judge.username)
        page.goto(f"/challenges/{challenge.slug}/judging/")
        page.locator("input[name=c0]").fill("6")
        page.locator("input[name=c1]").fill("5")
        page.get_by_role("button", name="Save scores").click()
        expect(page).to_have_url(f"{live_server.url}/challenges/{challenge.slug}/judging/"
                                 f"{entries[1].id}/")
        expect(page.get_by_text("Scores saved.")).to_be_visible()
        expect(page.get_by_test_id("judging-progress")).to_contain_text("1 of 2 scored")
    finally:
        context.close()
