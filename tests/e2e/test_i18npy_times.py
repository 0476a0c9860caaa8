"""In Chromium: app.js writes local times and live countdowns in the page's language
(``<html lang>``), with the unit length the server chose, not the browser's (issue #11).
Also the API docs page: rendered code, accessible, no sideways scroll on a phone."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from challenges.clock import utcnow

from .a11y import assert_accessible, assert_no_horizontal_overflow

pytestmark = pytest.mark.e2e

SPANISH_WEEKDAY = re.compile(r"^(lun|mar|mié|jue|vie|sáb|dom)")
COUNTDOWN = {"en": re.compile(r"^(\d+d )?(\d+h )?\d+m$"),
             "es": re.compile(r"^(\d+ d )?(\d+ h )?\d+ min$")}


@pytest.mark.parametrize("language", ["en", "es"])
def test_countdowns_tick_in_the_pages_language(open_page: Callable[..., Page], make_challenge,
                                               language: str) -> None:
    challenge = make_challenge("active", submission_deadline=utcnow() + timedelta(days=3, hours=4))
    page = open_page(locale=language)
    page.clock.install()
    page.goto(f"/challenges/{challenge.slug}/")
    countdown = page.locator("time[data-countdown]").first
    expect(countdown).to_have_text(COUNTDOWN[language])  # as the server rendered it
    server_text = countdown.text_content()
    page.clock.run_for(31_000)  # app.js rewrites every countdown each 30 s
    expect(countdown).to_have_text(COUNTDOWN[language])
    # Rewritten by the script, with the same units (the minute may have turned).
    assert countdown.get_attribute("data-unit-display") == {"en": "narrow", "es": "short"}[
        language]
    assert server_text and COUNTDOWN[language].fullmatch(server_text)


def test_local_times_name_the_day_in_the_pages_language(open_page: Callable[..., Page],
                                                         make_challenge) -> None:
    challenge = make_challenge("active")
    page = open_page(locale="es")
    page.goto(f"/challenges/{challenge.slug}/")
    local = page.locator("time[data-local]").first
    utc = local.get_attribute("title") or ""
    assert utc.endswith(" UTC") and SPANISH_WEEKDAY.match(utc)  # the server's label
    expect(local).not_to_have_text(utc)  # app.js replaced it with the viewer's local time
    expect(local).to_have_text(SPANISH_WEEKDAY)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_api_docs_page_is_accessible_and_fits_a_phone(open_page: Callable[..., Page],
                                                           language: str) -> None:
    page = open_page(locale=language, width=375, height=812)
    page.goto("/api/docs")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator(".api-docs code").first).to_be_visible()
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
