"""In the browser: a vote over the member's limit shows why on the button, which keeps working
(issue #10; the server side is in tests/ratelimits/test_votes.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from challenges.ratelimits.rules import VOTE_LIMIT_MESSAGE
from tests.core.helpers import submit

from .conftest import Console, LiveServer
from .test_core_loop import log_in, wait_for_htmx

pytestmark = pytest.mark.e2e


def test_a_vote_over_the_limit_shows_the_message_on_the_button(page: Page, console: Console,
                                                                live_server: LiveServer, app,
                                                                make_challenge, make_user,
                                                                monkeypatch):
    monkeypatch.setitem(app.config, "VOTE_RATE_LIMIT", "2 per minute")
    console.allow(r"status of 429 .*/submissions/[0-9a-f-]+/(un)?vote\)")
    entry = submit(make_challenge("active"), make_user(),
                   image_url=f"{live_server.url}/static/demo/art-01.svg")
    voter = make_user()
    log_in(page, voter.username)
    page.goto(f"/challenges/{entry.challenge.slug}/submissions/{entry.id}/")
    wait_for_htmx(page)
    button = page.get_by_test_id(f"vote-{entry.id}")

    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "false")
    button.click()  # the third in a minute

    expect(page.get_by_role("alert").filter(has_text=VOTE_LIMIT_MESSAGE)).to_be_visible()
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button).to_be_enabled()  # usable again once the window passes
