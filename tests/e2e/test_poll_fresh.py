"""In real Chromium (issue #14): a web process may answer the widget's periodic poll from its
copy of the board's version (``POLL_SEEN_MAX_AGE_SECONDS``), but the poll right after this
browser's own vote sends ``X-WC-Fresh`` (static/js/app.js) and reads Redis, so the voter sees
their vote on the board at once, however long the copy may live."""

from __future__ import annotations

import html
import re

import pytest
from playwright.sync_api import Page, expect

from tests.core.helpers import submit

from .entries_support import log_in, wait_for_htmx

pytestmark = pytest.mark.e2e

POLL_URL = re.compile(r'hx-get="([^"]+/leaderboard/live\?[^"]+)"')


def test_the_voters_own_widget_shows_the_vote_though_the_copy_would_say_unchanged(
        page: Page, app, make_user, make_challenge, monkeypatch) -> None:
    # A copy that outlives the test: no periodic poll can show the vote, only the fresh one.
    monkeypatch.setitem(app.config, "POLL_SEEN_MAX_AGE_SECONDS", 600)
    challenge, author, voter = make_challenge("active"), make_user(), make_user()
    entry = submit(challenge, author, image_url="", image_alt_text="",
                   external_url="https://example.com/work")
    log_in(page, voter.username)
    page.goto(f"/challenges/{challenge.slug}/")
    wait_for_htmx(page)
    widget = page.get_by_test_id("leaderboard")
    expect(widget.get_by_test_id(f"votes-{author.username}")).to_have_text("0 votes")

    # A poll at the page's version fills this process's copy (a 204 from Redis).
    url = html.unescape(POLL_URL.search(page.content()).group(1))
    assert page.request.get(url, headers={"HX-Request": "true"}).status == 204
    assert page.request.get(url, headers={"HX-Request": "true"}).status == 204

    page.get_by_test_id(f"vote-{entry.id}").click()
    expect(page.get_by_test_id(f"vote-{entry.id}")).to_have_attribute("aria-pressed", "true")
    expect(widget.get_by_test_id(f"votes-{author.username}")).to_have_text("1 vote")
