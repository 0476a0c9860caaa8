"""axe-core and layout on the entries pages (issue #11), in English and Spanish, at 1280 wide
and at 375 x 812: the gallery (a visitor's and a member's), the entry page, and the submit
modal open with its errors shown. Zero serious or critical violations and no sideways scroll.
``Accept-Language: es`` renders the gallery in Spanish."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from .a11y import assert_accessible, assert_no_horizontal_overflow
from .conftest import Console, LiveServer
from .entries_support import (
    EXPECTED_422,
    SIZES,
    gallery_with_entries,
    log_in,
    open_modal,
    wait_for_htmx,
)

pytestmark = pytest.mark.e2e

SCREENSHOTS = "/tmp/shots-entries"


def check(page: Page, name: str, locale: str) -> None:
    """axe and overflow on what the page shows now, with a screenshot to look at."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    page.screenshot(path=f"{SCREENSHOTS}/{name}-{locale}-{width}.png", full_page=True)
    assert_accessible(page)
    assert_no_horizontal_overflow(page)


@pytest.mark.parametrize("locale", ["en", "es"])
@pytest.mark.parametrize(("width", "height"), SIZES, ids=["wide", "phone"])
def test_gallery_and_entry_page_pass_axe_without_overflow(open_page: Callable[..., Page],
                                                          live_server: LiveServer, make_user,
                                                          make_challenge, locale: str,
                                                          width: int, height: int) -> None:
    challenge, entries = gallery_with_entries(make_challenge, make_user,
                                              f"{live_server.url}/static/demo/art-01.svg")
    visitor = open_page(locale=locale, width=width, height=height)
    visitor.goto(f"/challenges/{challenge.slug}/submissions/")
    wait_for_htmx(visitor)
    expect(visitor.get_by_test_id(f"login-to-vote-{entries[1].id}")).to_be_visible()
    check(visitor, "gallery-visitor", locale)

    member = open_page(locale=locale, width=width, height=height)
    log_in(member, make_user().username)
    member.goto(f"/challenges/{challenge.slug}/submissions/")
    wait_for_htmx(member)
    expect(member.get_by_test_id(f"vote-{entries[1].id}")).to_be_visible()
    check(member, "gallery-member", locale)

    member.goto(f"/challenges/{challenge.slug}/submissions/{entries[0].id}/")
    expect(member.get_by_test_id(f"vote-{entries[0].id}")).to_be_visible()
    check(member, "entry", locale)


@pytest.mark.parametrize("locale", ["en", "es"])
@pytest.mark.parametrize(("width", "height"), SIZES, ids=["wide", "phone"])
def test_submit_modal_with_errors_passes_axe_without_overflow(open_page: Callable[..., Page],
                                                              console: Console, make_user,
                                                              make_challenge, locale: str,
                                                              width: int, height: int) -> None:
    console.allow(EXPECTED_422)
    challenge = make_challenge("active")
    page = open_page(locale=locale, width=width, height=height)
    log_in(page, make_user().username)
    _opener, dialog = open_modal(page, challenge.slug)
    dialog.locator("input[name=title]").fill("T" * 150)
    dialog.locator("input[name=image_url]").fill("not a link")
    dialog.locator("button[type=submit]").click()
    expect(dialog.locator("#image_url-error")).to_be_visible()
    expect(dialog.locator("#image_alt_text-error")).to_be_visible()
    check(page, "modal-errors", locale)


def test_accept_language_es_renders_the_gallery_in_spanish(open_page: Callable[..., Page],
                                                          live_server: LiveServer, make_user,
                                                          make_challenge) -> None:
    challenge, entries = gallery_with_entries(make_challenge, make_user,
                                              f"{live_server.url}/static/demo/art-01.svg")
    page = open_page(locale="es")
    page.goto(f"/challenges/{challenge.slug}/submissions/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Participaciones")
    expect(page.get_by_role("navigation", name="Ordenar participaciones")).to_contain_text(
        "Más votadas")
    expect(page.get_by_test_id(f"login-to-vote-{entries[1].id}")).to_contain_text(
        "Inicia sesión para votar")
    expect(page.get_by_test_id(f"login-to-vote-{entries[0].id}")).to_contain_text("1 voto")
