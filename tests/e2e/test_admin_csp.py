"""In real Chromium: the admin's JavaScript runs under the app's Content-Security-Policy.

Flask-Admin is given the request's CSP nonce for its scripts; nothing may be refused.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, got_request_exception
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server

from challenges.models import Role
from tests.support.factories import PASSWORD

pytestmark = [
    pytest.mark.e2e,
]

# Collected in the page before any of its scripts run; an init script is not subject to the CSP.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


class AdminServer:
    """The test app served on a free port, with the exceptions its requests raised."""

    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.errors: list[BaseException] = []


@pytest.fixture(scope="module")
def admin_server(app: Flask) -> Iterator[AdminServer]:
    live = AdminServer(app)

    def record(sender: Flask, exception: BaseException, **extra: Any) -> None:
        live.errors.append(exception)

    got_request_exception.connect(record, app)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    thread = threading.Thread(target=live.server.serve_forever, name="admin-server", daemon=True)
    thread.start()
    try:
        yield live
    finally:
        live.server.shutdown()
        live.server.server_close()
        thread.join(timeout=10)
        got_request_exception.disconnect(record, app)


@pytest.fixture
def admin_page(browser: Browser, admin_server: AdminServer) -> Iterator[tuple[Page, list[str]]]:
    """A fresh browser context and page, and the list its console errors are collected in."""
    admin_server.errors.clear()
    context = browser.new_context(base_url=admin_server.url)
    context.set_default_timeout(10_000)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e.name}: {e.message}"))
    # A request the browser itself cancelled (the page moved on) is not a failure of ours.
    page.on("requestfailed", lambda r: None if "ERR_ABORTED" in (r.failure or "") else
            problems.append(f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}")
            if r.status >= 400 else None)
    yield page, problems
    context.close()
    assert not admin_server.errors, f"the server raised: {admin_server.errors!r}"


def log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("nav-username")).to_have_text(f"@{username}")


def assert_no_refusals(page: Page, problems: list[str]) -> None:
    violations = page.evaluate("() => window.__cspViolations")
    refused = [p for p in problems if "Refused to" in p or "Content Security Policy" in p]
    assert not violations, f"CSP violations on {page.url}: {violations}"
    assert not refused, f"CSP refusals on {page.url}: {refused}"
    assert not problems, f"console errors on {page.url}: {problems}"


def test_admin_scripts_run_under_the_csp(admin_page, make_user, make_sponsor) -> None:
    page, problems = admin_page
    make_user("editor", role=Role.EDITOR)
    make_sponsor(name="Acme")
    log_in(page, "editor")

    response = page.goto("/admin/")
    assert response is not None and response.status == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in csp and "unsafe-eval" not in csp
    page.wait_for_function("() => window.jQuery !== undefined")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    # Bootstrap's JavaScript runs: the collapsed navbar opens on click at a phone's width.
    page.set_viewport_size({"width": 480, "height": 800})
    page.locator(".navbar-toggler").click()
    expect(page.locator("#admin-navbar-collapse")).to_have_class(re.compile(r"\bshow\b"))
    assert_no_refusals(page, problems)

    page.set_viewport_size({"width": 1280, "height": 800})
    response = page.goto("/admin/challenges/")
    assert response is not None and response.status == 200
    page.wait_for_function("() => window.jQuery !== undefined")
    assert_no_refusals(page, problems)

    response = page.goto("/admin/challenges/new/")
    assert response is not None and response.status == 200
    # form.js turned the selects into Select2 widgets; the times are the browser's own
    # date-time control (issue #11: the date picker garbled typed dates).
    expect(page.locator("#s2id_status")).to_be_visible()
    page.locator("#s2id_sponsor").click()
    expect(page.locator(".select2-drop-active .select2-results")).to_contain_text("Acme")
    page.keyboard.press("Escape")
    expect(page.locator("#starts_at")).to_have_attribute("type", "datetime-local")
    assert_no_refusals(page, problems)


def test_list_actions_work_without_inline_handlers(admin_page, make_user, make_challenge) -> None:
    """Flask-Admin's own templates put onclick="..." on the delete button, the bulk actions and
    the filter links; the CSP refuses those, so ours carry data attributes instead."""
    page, problems = admin_page
    make_user("editor", role=Role.EDITOR)
    kept = make_challenge("upcoming", title="Kept")
    make_challenge("upcoming", title="Deleted one by one")
    make_challenge("upcoming", title="Deleted in bulk")
    log_in(page, "editor")
    page.goto("/admin/challenges/")
    page.wait_for_function("() => window.modelActions !== undefined")
    assert page.locator("[onclick]").count() == 0

    # A filter link adds its filter row and navigates nowhere.
    page.get_by_role("link", name="Add Filter").click()
    page.locator("a.filter", has_text="Status").click()
    expect(page.locator("#filter_form table.filters tr")).to_have_count(1)

    # The row's delete button asks first: dismissed, nothing happens; accepted, the row goes.
    row = page.locator("tr", has_text="Deleted one by one")
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.get_by_title("Delete Record").click()
    expect(row).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_title("Delete Record").click()
    expect(page.get_by_text("Record was successfully deleted.")).to_be_visible()
    expect(page.locator("tr", has_text="Deleted one by one")).to_have_count(0)

    # A bulk action runs on the checked rows, after its confirmation. The delete above loaded
    # the list again: its scripts must have run before the dropdown is clicked (a click while
    # the page was still loading opened nothing, and the menu item never showed: a CI flake).
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.modelActions !== undefined")
    page.locator("tr", has_text="Deleted in bulk").locator("input.action-checkbox").check()
    page.get_by_role("button", name="With selected").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-admin-action=delete]").click()
    expect(page.get_by_text("Record was successfully deleted.")).to_be_visible()
    expect(page.locator("tr", has_text="Deleted in bulk")).to_have_count(0)
    expect(page.locator("tr", has_text=kept.title)).to_have_count(1)
    assert_no_refusals(page, problems)
