"""Issue #11 in real Chromium: the account, notification, calendar, webhook and project pages
pass axe (no serious or critical violation) and fit the screen (no sideways scrolling), in
English and in Spanish, at 1280 wide and on a 375 x 812 phone.

Set ``I18NMAIL_SCREENSHOTS`` to a folder to keep a screenshot of every page checked."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

from challenges.extensions import db
from challenges.models import Role
from challenges.notifications.inbox import InboxItem, add_notifications
from tests.core.helpers import submit
from tests.support.factories import PASSWORD

from .a11y import assert_accessible, assert_no_horizontal_overflow

pytestmark = pytest.mark.e2e

VIEWPORTS = {"desktop": (1280, 800), "phone": (375, 812)}
# What each language's pages must say, so a page is known to be in that language.
HEADINGS = {
    "en": {"inbox": "Notifications", "prefs": "Email notifications", "calendar": "Calendar feed",
           "email": "Your email", "forgot": "Forgot your password?", "webhooks": "Webhooks",
           "projects": "My projects"},
    "es": {"inbox": "Notificaciones", "prefs": "Notificaciones por correo",
           "calendar": "Calendario", "email": "Tu correo", "forgot": "¿Olvidaste tu contraseña?",
           "webhooks": "Webhooks", "projects": "Mis proyectos"},
}


def _check(page: Page, name: str, shots: str | None, tag: str) -> None:
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
    if shots:
        page.screenshot(path=f"{shots}/{tag}-{name}.png", full_page=True)


def _log_in(page: Page, username: str) -> None:
    """Through the real login form, by field names (its labels are translated)."""
    page.goto("/login")
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


@pytest.mark.parametrize("locale", ["en", "es"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_account_and_feature_pages_are_accessible_and_fit(
        open_page, console, app, monkeypatch, make_user, make_sponsor, make_challenge,
        make_project, locale: str, viewport: str) -> None:
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)  # a loopback receiver
    console.allow(r"sponsor\.example/logo\.png")  # the factory's logo is not reachable offline
    shots = os.environ.get("I18NMAIL_SCREENSHOTS")
    tag = f"{locale}-{viewport}"
    said = HEADINGS[locale]
    sponsor = make_sponsor(name="Brand")
    member = make_user("brandmember", role=Role.SPONSOR, sponsor=sponsor, is_verified=False)
    make_project(member, title="A rather long portfolio project title", url="https://example.com/p")
    challenge = make_challenge("active", sponsor=sponsor)
    add_notifications([InboxItem(user_id=member.id, kind="first_vote", key="first-vote:x",
                                 text="Your entry “Dream” got its first vote.", link="/")])
    db.session.commit()
    width, height = VIEWPORTS[viewport]
    page = open_page(locale=locale, width=width, height=height)

    page.goto("/password/forgot")  # logged out
    expect(page.get_by_role("heading", level=1)).to_have_text(said["forgot"])
    expect(page.locator("html")).to_have_attribute("lang", locale)
    _check(page, "forgot", shots, tag)

    _log_in(page, member.username)
    for name, path in (("inbox", "/notifications"), ("prefs", "/account/notifications"),
                       ("calendar", "/account/calendar"), ("email", "/account/email"),
                       ("projects", "/me/projects")):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(said[name])
        _check(page, name, shots, tag)

    page.goto("/account/calendar")  # with a feed: the address, and the challenges in it
    page.locator("form[action$='/account/calendar/token'] [type=submit]").click()
    expect(page.get_by_test_id("feed-url")).to_be_visible()
    _check(page, "calendar-feed", shots, tag)

    page.goto("/sponsor/webhooks/")
    expect(page.get_by_role("heading", level=1)).to_have_text(said["webhooks"])
    page.locator("input[name=url]").fill("http://127.0.0.1:9/hook")
    page.locator("input[name=description]").fill("Our CRM")
    page.locator("input[name=events][value='submission.created']").check()
    page.locator("form[action$='/sponsor/webhooks/'] [type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Our CRM")
    submit(challenge, make_user())  # a delivery (refused by the closed port) in the log
    page.reload()
    expect(page.get_by_test_id("delivery-log")).to_be_visible()
    _check(page, "webhook-endpoint", shots, tag)
    page.goto("/sponsor/webhooks/")
    _check(page, "webhooks", shots, tag)
