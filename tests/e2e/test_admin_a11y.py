"""Issue #11 in real Chromium: the admin (index, a list, a create and an edit view) and the
sponsor dashboard have no serious or critical axe violation, in English and in Spanish, and do
not scroll sideways, at 1280 wide and on a phone (375 x 812; wide tables scroll in their box)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from challenges.models import Role
from tests.e2e.a11y import assert_accessible, assert_no_horizontal_overflow
from tests.support.factories import PASSWORD

pytestmark = [pytest.mark.e2e]

LOCALES = ["en", "es"]
ADMIN_HEADING = {"en": "Challenges", "es": "Retos"}


def log_in(page: Page, username: str) -> None:
    """Through the real login form, whatever language it is in."""
    page.goto("/login")
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("nav-username")).to_have_text(f"@{username}")


def check(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    page.wait_for_load_state("load")
    assert_accessible(page)
    assert_no_horizontal_overflow(page)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("size", [(1280, 800), (375, 812)])
def test_admin_pages_pass_axe_and_fit(open_page, console, make_user, make_sponsor,
                                      make_challenge, locale, size) -> None:
    console.allow(r"sponsor\.example")  # the factory's logo lives on a host that does not exist
    make_user("editor", role=Role.EDITOR)
    sponsor = make_sponsor(name="Acme")
    challenge = make_challenge("active", title="Winter Light", sponsor=sponsor,
                               description="https://example.com/" + "a" * 150,  # nowhere to break
                               prizes={"1st": {"type": "tokens", "amount": 500000}})
    make_challenge("upcoming", title="Spring Colours")
    page = open_page(locale=locale, width=size[0], height=size[1])
    log_in(page, "editor")

    check(page, "/admin/")
    expect(page.locator("html")).to_have_attribute("lang", locale)
    check(page, "/admin/challenges/")
    expect(page.get_by_role("heading", level=1)).to_have_text(ADMIN_HEADING[locale])
    check(page, "/admin/challenges/new/")
    check(page, f"/admin/challenges/edit/?id={challenge.id}")
    # A refused save: the errors at their fields pass too.
    page.locator("#submission_deadline").fill("2020-01-01T10:00")
    page.locator("form.admin-form input[type=submit]").first.click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    assert_accessible(page)
    # A details page: long values (the description, ids) wrap in their cells on a phone.
    check(page, f"/admin/challenges/details/?id={challenge.id}")


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("size", [(1280, 800), (375, 812)])
def test_sponsor_dashboard_passes_axe_and_fits(open_page, console, make_user, make_sponsor,
                                               make_challenge, locale, size) -> None:
    console.allow(r"sponsor\.example")  # the factory's logo lives on a host that does not exist
    sponsor = make_sponsor(name="DreamLabs")
    make_challenge("active", title="Dreamscapes", sponsor=sponsor,
                   prizes={"1st": {"type": "cash", "amount": 1500, "currency": "USD"},
                           "2nd": {"type": "tokens", "amount": 750000}})
    make_user("dreamlabs", role=Role.SPONSOR, sponsor_id=sponsor.id)
    page = open_page(locale=locale, width=size[0], height=size[1])
    log_in(page, "dreamlabs")
    check(page, "/sponsor/")
    expect(page.get_by_test_id("prize-value")).to_have_text(
        {"en": "$1,500 and 750,000 tokens", "es": "1.500\xa0US$ y 750.000 tokens"}[locale])
