"""In real Chromium, in English and Spanish, on a desktop and a phone (issue #11): the header is
one row on a phone with a menu button; the account menu opens with the keyboard, Escape closes
it and focus goes back to its button; without JavaScript the menu still opens and logs out;
the auth and account pages (register with its errors shown too) pass axe (no serious or
critical violation) and never scroll sideways; the account page's language choice applies."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.a11y import assert_accessible, assert_no_horizontal_overflow
from tests.support.factories import PASSWORD
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.e2e

SHOTS = Path("/tmp/shots-shell")
PHONE = {"width": 375, "height": 812}
ONE_ROW_PX = 72
SIZES = [pytest.param(1280, 800, id="desktop"), pytest.param(375, 812, id="phone")]
LOCALES = ["en", "es"]
# The few words the tests click, in each language (the rest is found by id or test id).
WORDS = {
    "en": {"log in": "Log in", "log out": "Log out", "create": "Create account",
           "profile": "Profile"},
    "es": {"log in": "Entrar", "log out": "Cerrar sesión", "create": "Crear cuenta",
           "profile": "Perfil"},
}


def check(page: Page, name: str) -> None:
    """axe and the sideways-scroll check on the page as it is now, and a screenshot to look at."""
    SHOTS.mkdir(exist_ok=True)
    size = page.viewport_size or {"width": 0}
    page.screenshot(path=str(SHOTS / f"{name}-{size['width']}.png"), full_page=True)
    assert_accessible(page)
    assert_no_horizontal_overflow(page)


def log_in(page: Page, username: str, locale: str = "en") -> None:
    page.goto("/login")
    page.locator("#login").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name=WORDS[locale]["log in"]).click()
    expect(page.get_by_test_id("nav-username")).to_have_text(f"@{username}")


def header_height(page: Page) -> float:
    box = page.locator("header.site-header").bounding_box()
    assert box is not None
    return box["height"]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_visitor_auth_pages_pass_axe_and_fit(open_page: Callable[..., Page], console, locale: str,
                                             width: int, height: int) -> None:
    console.allow(r"status of 422")  # the register form sent back with its errors
    page = open_page(locale=locale, width=width, height=height)
    page.goto("/login")
    assert page.locator("html").get_attribute("lang") == locale
    check(page, f"login-{locale}")

    page.goto("/register")
    check(page, f"register-{locale}")
    page.locator("#username").fill("Bad Name!")
    page.locator("#email").fill("not-an-email")
    page.locator("#password").fill("short")
    page.locator("#confirm").fill("short")
    page.locator("main").get_by_role("button", name=WORDS[locale]["create"]).click()
    for field in ("username", "email", "password"):
        expect(page.locator(f"#{field}-error")).to_be_visible()
    expect(page.locator("#email")).to_have_value("not-an-email")
    check(page, f"register-errors-{locale}")

    page.locator("#username").fill(f"new_{locale}_{width}")
    page.locator("#email").fill(f"new_{locale}_{width}@example.com")
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD)
    page.locator("main").get_by_role("button", name=WORDS[locale]["create"]).click()
    expect(page.get_by_test_id("register-sent")).to_be_visible()
    check(page, f"register-sent-{locale}")


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_member_account_pages_pass_axe_and_fit(open_page: Callable[..., Page], make_user,
                                               locale: str, width: int, height: int) -> None:
    member = make_user()
    page = open_page(locale=locale, width=width, height=height)
    log_in(page, member.username, locale)
    check(page, f"home-member-{locale}")
    page.get_by_test_id("account-menu-button").click()
    expect(page.locator("details.account-menu")).to_have_attribute("open", "")
    check(page, f"menu-open-{locale}")
    for path, name in (("/account", "account"), ("/account/password", "change-password"),
                       ("/account/tokens", "tokens"), ("/logout", "logout")):
        page.goto(path)
        check(page, f"{name}-{locale}")


@pytest.mark.parametrize("locale", LOCALES)
def test_the_header_is_one_row_on_a_phone_with_a_menu_button(
        open_page: Callable[..., Page], make_user, locale: str) -> None:
    member = make_user(username="a_rather_long_name_30_chars_xx")
    page = open_page(locale=locale, **PHONE)
    page.goto("/")
    assert header_height(page) < ONE_ROW_PX
    expect(page.get_by_test_id("menu-button")).to_be_visible()
    expect(page.locator(".nav-end > .nav-login")).to_be_visible()
    page.get_by_test_id("menu-button").click()
    # The visitor's menu: the main links, and "Log in" (the link beside it hides below 375 px).
    expect(page.locator(".menu-phone-only .menu-list a")).to_have_count(3)
    expect(page.locator(".menu-phone-only").get_by_role("link", name=WORDS[locale]["log in"])
           ).to_be_visible()
    assert_no_horizontal_overflow(page)
    page.set_viewport_size({"width": 320, "height": 640})  # the narrowest phones still fit
    assert header_height(page) < ONE_ROW_PX
    assert_no_horizontal_overflow(page)
    page.set_viewport_size(PHONE)

    log_in(page, member.username, locale)
    assert header_height(page) < ONE_ROW_PX
    button = page.get_by_test_id("account-menu-button")
    expect(button).to_be_visible()
    expect(page.get_by_test_id("bell")).to_be_visible()
    assert_no_horizontal_overflow(page)
    button.click()
    # On a phone the menu also holds the main links, and "Log out" stays on one line.
    panel = page.locator("details.account-menu .menu-panel")
    expect(panel.locator(".menu-main a")).to_have_count(2)
    logout = panel.get_by_role("button", name=WORDS[locale]["log out"])
    expect(logout).to_be_visible()
    box = logout.bounding_box()
    assert box is not None and box["height"] < 48
    assert_no_horizontal_overflow(page)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_account_menu_opens_with_the_keyboard_and_escape_closes_it(
        open_page: Callable[..., Page], make_user, width: int, height: int) -> None:
    member = make_user()
    page = open_page(width=width, height=height)
    log_in(page, member.username)
    page.wait_for_function("() => document.readyState === 'complete'")
    button = page.get_by_test_id("account-menu-button")
    expect(button).to_have_attribute("aria-expanded", "false")
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    menu = page.locator("details.account-menu .menu-panel")
    for name in ("Profile", "My entries", "My projects", "Account", "API tokens",
                 "Notification settings"):
        expect(menu.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(menu.get_by_role("button", name="Log out")).to_be_visible()
    page.keyboard.press("Tab")
    first = "Challenges" if width <= 720 else "Profile"
    expect(menu.get_by_role("link", name=first, exact=True)).to_be_focused()

    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    expect(menu).to_be_hidden()

    # A click elsewhere closes it too.
    button.click()
    expect(menu).to_be_visible()
    page.locator("main").click(position={"x": 5, "y": 5})
    expect(menu).to_be_hidden()


def test_without_javascript_the_menu_opens_and_logs_out(browser: Browser,
                                                        live_server: LiveServer,
                                                        make_user) -> None:
    member = make_user()
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False,
                                  viewport=PHONE)
    try:
        page = context.new_page()
        log_in(page, member.username)
        page.get_by_test_id("account-menu-button").click()
        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_text("You are logged out.")).to_be_visible()
        expect(page.get_by_test_id("nav-username")).to_have_count(0)
        assert not live_server.errors
    finally:
        context.close()


def test_the_account_page_language_choice_switches_the_site(open_page: Callable[..., Page],
                                                            make_user) -> None:
    member = make_user()
    page = open_page(locale="en")
    log_in(page, member.username)
    page.goto("/account")
    page.locator("#locale").select_option("es")
    page.get_by_role("button", name="Save language").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_text("Idioma guardado.")).to_be_visible()
    expect(page.locator("#locale")).to_have_value("es")
    check(page, "account-language-saved-es")

    # The footer switches back, to the same page.
    page.locator("footer").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url("/account")
