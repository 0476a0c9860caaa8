"""In real Chromium: the bell picks up a new notification on the next wc:tick, "Mark read" with
htmx updates the row and the bell at once, and without JavaScript the bell is a plain link and
the forms post and redirect. No console errors and no CSP violations."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from challenges.notifications.inbox import InboxItem, add_notifications
from challenges.transactions import commit_with_retry
from tests.support.factories import PASSWORD

from .conftest import TIMEOUT_MS, Console, LiveServer

pytestmark = pytest.mark.e2e

POLL_WAIT_MS = 7_000  # one poll interval (5 s) and some slack


def log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


def notify(user, n: int, text: str = "News") -> None:
    items = [InboxItem(user_id=user.id, kind="test", key=f"browser:{user.id}:{text}:{i}",
                       text=f"{text} {i}", link="/challenges/") for i in range(n)]
    commit_with_retry(lambda: add_notifications(items))


def test_the_bell_updates_on_the_tick_and_after_mark_read(page: Page, console: Console,
                                                         live_server: LiveServer, make_user):
    member = make_user()
    notify(member, 2)
    log_in(page, member.username)
    bell = page.locator("#notification-bell")
    expect(bell).to_have_attribute("aria-label", "Notifications, 2 unread")
    notify(member, 1, text="Later")
    expect(bell).to_have_attribute("aria-label", "Notifications, 3 unread",
                                   timeout=POLL_WAIT_MS)
    page.goto("/notifications")
    rows = page.locator("li.notification.is-unread")
    expect(rows).to_have_count(3)
    rows.first.get_by_role("button", name="Mark read").click()
    expect(page.locator("li.notification.is-unread")).to_have_count(2)
    expect(page.locator("#notification-bell")).to_have_attribute(
        "aria-label", "Notifications, 2 unread", timeout=TIMEOUT_MS)
    assert page.url.endswith("/notifications")  # htmx swapped the row; no navigation
    console.assert_clean()
    assert not live_server.errors


def test_without_javascript_the_bell_is_a_link_and_forms_post(browser: Browser,
                                                             live_server: LiveServer,
                                                             console: Console, make_user):
    member = make_user()
    notify(member, 2)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.on("console", console.on_console)
        log_in(page, member.username)
        page.locator("#notification-bell").click()
        page.wait_for_url("**/notifications")
        page.locator("li.notification").first.get_by_role("button", name="Mark read").click()
        page.wait_for_url("**/notifications")
        expect(page.locator("li.notification.is-unread")).to_have_count(1)
        expect(page.locator("#notification-bell")).to_have_attribute(
            "aria-label", "Notifications, 1 unread")
        page.get_by_role("button", name="Mark all read").click()
        expect(page.locator("li.notification.is-unread")).to_have_count(0)
        expect(page.locator("#notification-bell")).to_have_attribute(
            "aria-label", "Notifications, 0 unread")
    finally:
        context.close()
    console.assert_clean()
    assert not live_server.errors
