"""In real Chromium: register (check your email), log in, log out, log in again; htmx runs
under the page's CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

USERNAME = "browser_user"
PASSWORD = "a long browser password"


def test_htmx_loads_under_the_csp(page: Page, console) -> None:
    response = page.goto("/")
    assert response is not None and response.ok
    assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]

    page.wait_for_function("() => window.htmx !== undefined")
    # The <meta name="htmx-config"> was read: htmx will not eval, so the CSP needs no unsafe-eval.
    assert page.evaluate("() => htmx.config.allowEval") is False
    assert page.evaluate("() => typeof htmx.version") == "string"
    console.assert_clean()


def test_register_log_out_and_log_in_again(page: Page) -> None:
    page.goto("/")
    nav_username = page.get_by_test_id("nav-username")
    expect(nav_username).to_have_count(0)

    page.get_by_role("link", name="Join").click()
    expect(page).to_have_url("/register")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Email").fill(f"{USERNAME}@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    # Registering signs nobody in (the answer is the same for a taken address): check your
    # email, or log in with the password at once.
    expect(page.get_by_text(f"We sent a link to {USERNAME}@example.com.")).to_be_visible()
    expect(nav_username).to_have_count(0)
    page.get_by_role("main").get_by_role("link", name="log in").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Username or email").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(nav_username).to_have_text(f"@{USERNAME}")

    page.get_by_test_id("account-menu-button").click()  # "Log out" is in the account menu
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    expect(nav_username).to_have_count(0)

    page.get_by_role("link", name="Log in").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Username or email").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(nav_username).to_have_text(f"@{USERNAME}")
    expect(page.get_by_text(f"Welcome back, @{USERNAME}.")).to_be_visible()
    page.wait_for_function("() => window.htmx !== undefined")




# Clicks "Create account" twice in one go and counts the submissions that would have been
# sent: a listener on window runs after app.js's (on document) and stops each one there, so
# nothing is sent and the count is exact.
TWO_CLICKS = """() => {
  let sent = 0;
  window.addEventListener("submit", (event) => {
    if (!event.defaultPrevented) { sent += 1; }
    event.preventDefault();
  });
  const button = document.querySelector("main form button[type=submit]");
  button.click();
  button.click();
  return sent;
}"""


def test_a_double_click_sends_a_form_once(page: Page) -> None:
    """A double-click on "Create account" sends one request. In a real double-click the first
    request reaches the server before the second click, and the second one's answer ("That
    username is taken": the first just made the account) replaces the first's. app.js lets a
    plain form go once while its page loads."""
    page.goto("/register")
    page.wait_for_function("() => document.readyState === 'complete'")
    assert page.evaluate(TWO_CLICKS) == 1
