"""Issue 13 in real Chromium: the entry page's raw and counted votes with the voter's reason,
and the admin's vote-ring review (list, evidence, void); axe-clean and no sideways scroll, in
English and Spanish, at 1280 wide and on a phone. Screenshots go to /tmp/shots-trust/."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import current_app
from playwright.sync_api import Page, expect

from challenges.clock import utcnow
from challenges.models import Role
from challenges.services.votes import cast_vote, network_hash
from challenges.transactions import commit_with_retry
from challenges.trust.rings import record_rings
from tests.core.helpers import submit
from tests.e2e.a11y import assert_accessible, assert_no_horizontal_overflow
from tests.e2e.entries_support import log_in

pytestmark = [pytest.mark.e2e]
SHOTS = Path("/tmp/shots-trust")
CASES = [("en", (1280, 800)), ("es", (375, 812))]
REASON = {"en": "Your vote counts 0.5: your account was less than a day old when you voted.",
          "es": "Tu voto cuenta 0,5: tu cuenta tenía menos de un día cuando votaste."}
VOIDED = {"en": "5 votes voided", "es": "5 votos anulados"}


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def ring_vote(entry, member, address: str) -> None:
    config = current_app.config
    commit_with_retry(lambda: cast_vote(entry.id, member, utcnow(),
                                        network=network_hash(address, config["SECRET_KEY"])))


@pytest.fixture
def ringed_entry(make_challenge, make_user):
    challenge = make_challenge("active", title="Night Garden")
    entry = submit(challenge, make_user("lumen"), title="Moonflowers")
    ring_vote(entry, make_user("oldhand"), "198.51.100.9")
    for n in range(5):
        ring_vote(entry, make_user(f"fresh{n}", created_at=utcnow() - timedelta(hours=2)),
                  f"203.0.113.{n + 1}")
    return entry


@pytest.mark.parametrize(("locale", "size"), CASES)
def test_the_entry_page_shows_raw_and_counted_votes_and_the_voters_reason(
        open_page, console, ringed_entry, locale, size) -> None:
    console.allow(r"img\.example")  # the factory's picture lives on a host that does not exist
    page = open_page(locale=locale, width=size[0], height=size[1])
    log_in(page, "fresh0")
    page.goto(f"/challenges/{ringed_entry.challenge.slug}/submissions/{ringed_entry.id}/")
    expect(page.get_by_test_id("raw-votes")).to_contain_text("6")
    expect(page.get_by_test_id("counted-votes")).to_contain_text("3,5" if locale == "es"
                                                                 else "3.5")
    expect(page.get_by_test_id("vote-weight-reason")).to_have_text(REASON[locale])
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
    shot(page, f"entry-{locale}-{size[0]}")


@pytest.mark.parametrize(("locale", "size"), CASES)
def test_editors_review_a_vote_ring_and_void_it(open_page, console, ringed_entry, make_user,
                                                locale, size) -> None:
    console.allow(r"img\.example")  # the entry's picture, on the page after the login
    [flag_id] = commit_with_retry(lambda: record_rings(utcnow()))
    make_user("editor", role=Role.EDITOR)
    page = open_page(locale=locale, width=size[0], height=size[1])
    log_in(page, "editor")
    page.goto("/admin/vote_rings/")
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
    shot(page, f"rings-list-{locale}-{size[0]}")
    page.goto(f"/admin/vote_rings/details/?id={flag_id}")
    expect(page.get_by_test_id("ring-evidence").locator("tbody tr")).to_have_count(5)
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
    shot(page, f"ring-details-{locale}-{size[0]}")
    page.locator("form[action$='/void/'] button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text(VOIDED[locale])
    assert_accessible(page)
    shot(page, f"ring-voided-{locale}-{size[0]}")
