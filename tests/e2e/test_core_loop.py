"""In real Chromium, the core loop (SPEC §3-§5, §9): member A submits an entry through the landing
page's modal, member B votes in the gallery from another browser, and A's open landing page shows
the new score within one poll. Then the same loop with JavaScript off: forms post and redirect.
No console errors and no CSP violations on the way."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.factories import PASSWORD

from .conftest import TIMEOUT_MS, Console, LiveServer

pytestmark = pytest.mark.e2e

POLL_WAIT_MS = 7_000  # one poll interval (5 s) and some slack
ENTRY_URL = r"/challenges/{slug}/submissions/([0-9a-f-]{{36}})/$"
# A form posted with errors answers 422 (htmx swaps it in; without JavaScript it is the page).
# Chromium reports every 4xx response on the console; these are expected.
EXPECTED_422 = r"status of 422 .*/challenges/[a-z0-9-]+/submit\)"


class Browsers:
    """More browser contexts for the same test, each a separate person with their own cookies,
    whose console reports go to the test's ``console`` like the ``page`` fixture's do."""

    def __init__(self, browser: Browser, live_server: LiveServer, console: Console) -> None:
        self.browser, self.live_server, self.console = browser, live_server, console
        self.contexts: list[BrowserContext] = []

    def page(self, javascript: bool = True) -> Page:
        context = self.browser.new_context(base_url=self.live_server.url,
                                           java_script_enabled=javascript)
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", self.console.on_console)
        page.on("pageerror", self.console.on_page_error)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsers(browser: Browser, live_server: LiveServer, console: Console) -> Iterator[Browsers]:
    more = Browsers(browser, live_server, console)
    yield more
    more.close()


def log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("nav-username")).to_have_text(f"@{username}")


def wait_for_htmx(page: Page) -> None:
    page.wait_for_function("() => window.htmx !== undefined && document.body")


def fill_entry(scope, title: str, image_url: str) -> None:
    scope.get_by_label("Title").fill(title)
    scope.get_by_label("Image link").fill(image_url)
    scope.get_by_label("Image description (alt text)").fill("A demo picture")


def score(page: Page, username: str):
    return page.get_by_test_id("leaderboard").get_by_test_id(f"votes-{username}")


def test_submit_in_the_modal_and_see_a_vote_arrive_live(page: Page, browsers: Browsers,
                                                        live_server: LiveServer, console: Console,
                                                        make_user, make_challenge) -> None:
    console.allow(EXPECTED_422)
    challenge = make_challenge("active")
    slug = challenge.slug
    a, b = make_user(), make_user()
    image = f"{live_server.url}/static/demo/art-01.svg"  # absolute http(s), and it loads

    # A opens the landing page and the "Submit Your Entry" modal (htmx).
    log_in(page, a.username)
    page.goto(f"/challenges/{slug}/")
    wait_for_htmx(page)
    page.get_by_role("link", name="Submit Your Entry").click()
    modal = page.get_by_role("dialog", name="Submit your entry")
    expect(modal).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/challenges/{slug}/$"))  # still the landing page
    expect(modal.get_by_label("Title")).to_be_focused()

    # An empty form: inline errors inside the modal, nothing leaves the page.
    modal.get_by_role("button", name="Submit entry").click()
    expect(modal.locator("#title-error")).to_have_text("Give your entry a title.")
    expect(modal.locator("#image_url-error")).to_contain_text("Add an image, a link")
    expect(modal.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(re.compile(rf"/challenges/{slug}/$"))

    # A bad link is refused beside its field, still in the modal.
    fill_entry(modal, "Purple dream", "javascript:alert(1)")
    modal.get_by_role("button", name="Submit entry").click()
    expect(modal.locator("#image_url-error")).to_contain_text("https://")
    expect(modal.locator("#title-error")).to_have_count(0)

    # A good entry: HX-Redirect to the new entry's page.
    fill_entry(modal, "Purple dream", image)
    modal.get_by_role("button", name="Submit entry").click()
    expect(page).to_have_url(re.compile(ENTRY_URL.format(slug=slug)))
    entry_id = re.search(ENTRY_URL.format(slug=slug), page.url).group(1)
    expect(page.get_by_role("heading", name="Purple dream")).to_be_visible()
    expect(page.get_by_text("Your entry is in!")).to_be_visible()
    expect(page.get_by_role("img", name="A demo picture")).to_be_visible()

    # A keeps the landing page open: A leads with 0 votes.
    page.goto(f"/challenges/{slug}/")
    wait_for_htmx(page)
    expect(score(page, a.username)).to_have_text("0 votes")
    expect(page.get_by_test_id("submission-count")).to_have_text("1")

    # B, in another browser, votes in the gallery.
    other = browsers.page()
    log_in(other, b.username)
    other.goto(f"/challenges/{slug}/submissions/")
    wait_for_htmx(other)
    button = other.get_by_test_id(f"vote-{entry_id}")
    expect(button).to_have_attribute("aria-pressed", "false")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button.locator(".vote-count")).to_have_text("1")
    expect(other).to_have_url(re.compile(rf"/challenges/{slug}/submissions/$"))  # no reload

    # A's open page shows the new score within one poll interval, with no reload.
    expect(score(page, a.username)).to_have_text("1 vote", timeout=POLL_WAIT_MS)
    expect(page.locator("#leaderboard-announcer")).to_contain_text("Leading: @" + a.username)
    assert console.csp_violations() == []


def test_the_same_loop_without_javascript(page: Page, browsers: Browsers, console: Console,
                                          live_server: LiveServer, make_user,
                                          make_challenge) -> None:
    console.allow(EXPECTED_422)
    challenge = make_challenge("active")
    slug = challenge.slug
    a, b = make_user(), make_user()
    image = f"{live_server.url}/static/demo/art-02.svg"

    # A, without JavaScript: the "Submit Your Entry" link is a page with a plain form.
    mine = browsers.page(javascript=False)
    log_in(mine, a.username)
    mine.goto(f"/challenges/{slug}/")
    mine.get_by_role("link", name="Submit Your Entry").click()
    expect(mine).to_have_url(re.compile(rf"/challenges/{slug}/submit$"))
    expect(mine.get_by_role("heading", name="Submit your entry")).to_be_visible()

    mine.get_by_role("button", name="Submit entry").click()  # empty: the page, with errors
    expect(mine.locator("#title-error")).to_have_text("Give your entry a title.")

    fill_entry(mine, "Quiet dream", image)
    mine.get_by_role("button", name="Submit entry").click()  # posts, then redirects
    expect(mine).to_have_url(re.compile(ENTRY_URL.format(slug=slug)))
    entry_id = re.search(ENTRY_URL.format(slug=slug), mine.url).group(1)
    expect(mine.get_by_role("heading", name="Quiet dream")).to_be_visible()
    expect(mine.get_by_text("Your entry is in!")).to_be_visible()

    mine.goto(f"/challenges/{slug}/")
    expect(score(mine, a.username)).to_have_text("0 votes")

    # B, without JavaScript: the vote button is a form that posts and comes back.
    theirs = browsers.page(javascript=False)
    log_in(theirs, b.username)
    theirs.goto(f"/challenges/{slug}/submissions/")
    button = theirs.get_by_test_id(f"vote-{entry_id}")
    expect(button).to_have_attribute("aria-pressed", "false")
    button.click()
    expect(theirs).to_have_url(re.compile(rf"/challenges/{slug}/submissions/#entry-{entry_id}$"))
    expect(theirs.get_by_test_id(f"vote-{entry_id}")).to_have_attribute("aria-pressed", "true")
    expect(theirs.get_by_test_id(f"vote-{entry_id}").locator(".vote-count")).to_have_text("1")

    # A reloads: the new score.
    mine.reload()
    expect(score(mine, a.username)).to_have_text("1 vote")

    # And B takes the vote back, still without JavaScript.
    theirs.get_by_test_id(f"vote-{entry_id}").click()
    expect(theirs.get_by_test_id(f"vote-{entry_id}")).to_have_attribute("aria-pressed", "false")
    mine.reload()
    expect(score(mine, a.username)).to_have_text("0 votes")

    # The page fixture's own (JavaScript) page sees the same board, cleanly.
    page.goto(f"/challenges/{slug}/")
    wait_for_htmx(page)
    expect(score(page, a.username)).to_have_text("0 votes")
    assert console.csp_violations() == []
