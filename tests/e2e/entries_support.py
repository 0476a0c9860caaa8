"""Shared steps of the entries browser tests (test_entries_*.py): data, logging in by the form,
and the pages under test."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.core.helpers import submit, vote
from tests.support.factories import PASSWORD

# A form posted with errors answers 422 (htmx swaps it in); Chromium logs every 4xx response.
EXPECTED_422 = r"status of 422 .*/challenges/[a-z0-9-]+/submit\)"
SIZES = [(1280, 800), (375, 812)]


def log_in(page: Page, username: str) -> None:
    """Log in through the real form (by field names, so label wording may change)."""
    page.goto("/login")
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    expect(page.locator("input[name=password]")).to_have_count(0)


def wait_for_htmx(page: Page) -> None:
    page.wait_for_function("() => window.htmx !== undefined && document.body")


def gallery_with_entries(make_challenge: Any, make_user: Any, image: str,
                         count: int = 4) -> tuple[Any, list[Any]]:
    """An active challenge with ``count`` entries (the first with an image and a long title),
    a few votes, and a member with no entry of their own."""
    challenge = make_challenge("active")
    entries = []
    for n in range(count):
        fields: dict[str, Any] = {"title": f"Dream number {n}", "image_url": "",
                                  "image_alt_text": "",
                                  "external_url": f"https://example.com/work/{n}"}
        if n == 0:
            fields = {"title": "A very long title about a purple dream " * 3,
                      "image_url": image, "image_alt_text": "A purple circle"}
        entries.append(submit(challenge, make_user(), **fields))
    voter = make_user()
    vote(entries[0], voter)
    return challenge, entries


def open_modal(page: Page, slug: str) -> Any:
    """Open the landing page's submit modal with the keyboard; returns (opener, dialog)."""
    page.goto(f"/challenges/{slug}/")
    wait_for_htmx(page)
    opener = page.locator(f"a[hx-get='/challenges/{slug}/submit']").first
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#modal [role=dialog]")
    expect(dialog).to_be_visible()
    return opener, dialog
