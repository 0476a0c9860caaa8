"""Keyboard only, in Chromium (issue #11): the submit modal keeps the focus (Tab and Shift-Tab
cycle inside it, Escape closes it and the focus returns to its opener), and a vote with Enter
keeps the focus on that card's button. Without JavaScript a vote lands back at the card."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import TIMEOUT_MS, Console, LiveServer
from .entries_support import gallery_with_entries, log_in, open_modal, wait_for_htmx

pytestmark = pytest.mark.e2e

FOCUS_IN_MODAL = "() => !!document.activeElement.closest('#modal .modal')"
# The focused element, told apart from the others (tag, id, name, class, text).
ACTIVE = """() => { const el = document.activeElement;
  return [el.tagName, el.id, el.name || '', el.className, el.textContent.trim().slice(0, 20)]
    .join('|'); }"""


def test_the_modal_keeps_the_focus_and_gives_it_back_on_escape(page: Page, make_user,
                                                               make_challenge) -> None:
    challenge = make_challenge("active")
    log_in(page, make_user().username)
    opener, dialog = open_modal(page, challenge.slug)
    expect(dialog.locator("input[name=title]")).to_be_focused()

    # Tab forward through more stops than the modal has: the focus never leaves it, and after
    # one round (every control once) it is back on the first.
    start = page.evaluate(ACTIVE)
    trail = []
    for _ in range(30):
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS_IN_MODAL), f"Tab left the modal after {trail}"
        trail.append(page.evaluate(ACTIVE))
    assert len(set(trail)) >= 10  # the modal's fields, links and buttons
    round_trip = trail.index(start) + 1
    assert trail[round_trip:round_trip * 2] == trail[:round_trip], trail

    # Shift-Tab from the first control goes to the last one, still inside.
    dialog.locator(".modal-close").focus()
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUS_IN_MODAL)
    expect(dialog.get_by_role("link", name="Cancel")).to_be_focused()
    page.keyboard.press("Tab")
    expect(dialog.locator(".modal-close")).to_be_focused()

    # The page behind cannot be reached (inert) while the modal is open.
    assert page.evaluate("() => document.getElementById('main').inert") is True

    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()
    assert page.evaluate("() => document.getElementById('main').inert") is False


def test_the_modal_keeps_the_focus_after_a_post_with_errors(page: Page, console: Console,
                                                             make_user, make_challenge) -> None:
    console.allow(r"status of 422 .*/submit\)")
    challenge = make_challenge("active")
    log_in(page, make_user().username)
    opener, dialog = open_modal(page, challenge.slug)
    dialog.locator("input[name=title]").fill("x" * 10)
    dialog.locator("input[name=image_url]").fill("not a link")
    dialog.locator("button[type=submit]").focus()
    page.keyboard.press("Enter")
    expect(dialog.locator("#image_url-error")).to_be_visible()
    # The first field to fix has the focus, inside the swapped modal, and Tab stays inside.
    expect(dialog.locator("input[name=image_url]")).to_be_focused()
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
        assert page.evaluate(FOCUS_IN_MODAL)
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()


def test_a_vote_with_enter_keeps_the_focus_on_that_cards_button(page: Page, live_server,
                                                                make_user,
                                                                make_challenge) -> None:
    challenge, entries = gallery_with_entries(make_challenge, make_user,
                                              f"{live_server.url}/static/demo/art-01.svg")
    target = entries[2]
    log_in(page, make_user().username)
    page.goto(f"/challenges/{challenge.slug}/submissions/?sort=newest")
    wait_for_htmx(page)
    button = page.get_by_test_id(f"vote-{target.id}")
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button.locator(".vote-count")).to_have_text("1")
    expect(button).to_be_focused()

    page.keyboard.press("Enter")  # and again: the vote is taken back, the focus still there
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button).to_be_focused()


def test_load_more_with_enter_moves_the_focus_to_the_first_new_card(page: Page, live_server,
                                                                     make_user,
                                                                     make_challenge) -> None:
    challenge, entries = gallery_with_entries(make_challenge, make_user,
                                              f"{live_server.url}/static/demo/art-01.svg",
                                              count=14)
    page.goto(f"/challenges/{challenge.slug}/submissions/?sort=newest")
    wait_for_htmx(page)
    page.locator("#load-more a").focus()
    page.keyboard.press("Enter")
    first_new = page.locator(f"#entry-{entries[1].id} .entry-title a")  # 13th newest
    expect(first_new).to_be_focused()
    expect(page.locator("#entries > .entry-card")).to_have_count(14)


def test_without_javascript_a_vote_lands_back_at_the_cards_anchor(browser: Browser,
                                                                   live_server: LiveServer,
                                                                   make_user,
                                                                   make_challenge) -> None:
    challenge, entries = gallery_with_entries(make_challenge, make_user,
                                              f"{live_server.url}/static/demo/art-01.svg",
                                              count=14)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False,
                                  viewport={"width": 375, "height": 812})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        log_in(page, make_user().username)
        # The second page of the newest entries (by its "Load more" link), then a vote there.
        page.goto(f"/challenges/{challenge.slug}/submissions/?sort=newest")
        page.locator("#load-more a").click()
        expect(page).to_have_url(re.compile(r"sort=newest&after=\d+$"))
        cursor_url = page.url
        target = entries[0]  # the oldest: on the second page
        page.get_by_test_id(f"vote-{target.id}").click()
        expect(page).to_have_url(cursor_url + f"#entry-{target.id}")
        expect(page.get_by_test_id(f"vote-{target.id}")).to_have_attribute("aria-pressed", "true")
        expect(page.locator(f"#entry-{target.id}")).to_be_in_viewport()
    finally:
        context.close()
