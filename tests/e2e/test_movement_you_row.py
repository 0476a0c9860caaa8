"""In real Chromium, the "you" row with movement (issue #13): the viewer's rank change since
00:00 UTC and the votes to pass the member above read as words (not only arrows), in English
and Spanish, inside the top 10 and below it; they fit a phone's width and pass axe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from challenges.clock import utcnow
from challenges.leaderboard.live import board_for_page
from tests.core.helpers import submit, vote
from tests.e2e.a11y import assert_accessible, assert_no_horizontal_overflow
from tests.support.factories import PASSWORD

pytestmark = pytest.mark.e2e

SHOTS = "/tmp/shots-movement"


LOGIN_LABELS = {"en": ("Username or email", "Password", "Log in"),
                "es": ("Nombre de usuario o correo", "Contraseña", "Entrar")}


def log_in(page: Page, username: str, locale: str = "en") -> None:
    login, password, button = LOGIN_LABELS[locale]
    page.goto("/login")
    page.get_by_label(login).fill(username)
    page.get_by_label(password, exact=True).fill(PASSWORD)
    page.get_by_role("button", name=button).click()
    expect(page.get_by_test_id("nav-username")).to_have_text(f"@{username}")


@pytest.fixture
def climbing_viewer(frozen_clock, make_challenge, make_user):
    """Twelve members with 12 .. 1 votes by last evening; the viewer (12th, one vote) got three
    more votes since 00:00 UTC and is 10th now."""
    frozen_clock.set(frozen_clock.now.replace(hour=21, minute=0, second=0))
    challenge = make_challenge("active", title="Dreamscapes")
    authors = [make_user(username=f"artist{i:02d}") for i in range(11)]
    me = make_user(username="lumen_fan_with_a_long_name")
    # Links, not images: the factories' image host does not exist.
    entries = [submit(challenge, author, image_url="", image_alt_text="",
                      external_url=f"https://example.com/work/{n}")
               for n, author in enumerate([*authors, me])]
    for i, entry in enumerate(entries):
        for _ in range(12 - i):
            vote(entry, make_user())
    board_for_page(challenge, None, utcnow())
    frozen_clock.set(frozen_clock.now.replace(hour=0) + timedelta(days=1, minutes=30))
    for _ in range(3):
        vote(entries[-1], make_user())
    return challenge, me, entries


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (375, 812)])
def test_the_you_row_reads_well_and_passes_axe(open_page, climbing_viewer, width: int,
                                               height: int) -> None:
    challenge, me, _ = climbing_viewer
    page = open_page(width=width, height=height)
    log_in(page, me.username)
    page.goto(f"/challenges/{challenge.slug}/")
    mine = page.locator("#leaderboard li.is-you")
    expect(mine).to_contain_text(f"@{me.username}")
    movement = mine.get_by_test_id("you-movement")
    # 4 votes vs @artist08's 4, whose first entry came earlier: one more vote passes.
    expect(movement).to_contain_text("Up 2 places since 00:00 UTC")
    expect(movement).to_contain_text("1 vote to pass @artist08")
    expect(movement).to_contain_text("one fewer ties")
    movement.scroll_into_view_if_needed()
    page.locator("#leaderboard").screenshot(path=f"{SHOTS}/you-row-{width}.png")
    assert_no_horizontal_overflow(page)
    assert_accessible(page)


def test_the_you_row_below_the_top_10_in_spanish(open_page, climbing_viewer,
                                                  make_user) -> None:
    challenge, me, entries = climbing_viewer
    # @artist09 and @artist10 climb past the viewer (4 votes): 12th again, as at 00:00 UTC,
    # behind @artist08's 4 votes (earlier first entry).
    for entry in entries[9:11]:
        for _ in range(4):
            vote(entry, make_user())
    page = open_page(locale="es", width=375, height=812)
    log_in(page, me.username, "es")
    page.goto(f"/challenges/{challenge.slug}/")
    you = page.locator("#leaderboard .board-you")
    expect(you).to_contain_text("El mismo puesto que a las 00:00 UTC")
    expect(you).to_contain_text("1 voto para superar a @artist08")
    you.scroll_into_view_if_needed()
    page.locator("#leaderboard").screenshot(path=f"{SHOTS}/you-row-below-es-375.png")
    assert_no_horizontal_overflow(page)
    assert_accessible(page)
