"""In real Chromium, in English and Spanish, at 1280 and at 375 x 812 (issue #11): the home
page, the challenge list, the landing page in each phase, the full leaderboard and a profile
have no serious or critical axe violation and never scroll sideways; on a phone the prizes and
the live board sit within the first two screens of the landing page, and a 20-character name
is shown whole in the widget, the full board and the profile. On a phone in Spanish a
countdown stays on one line ("2 d 23 h 59 min" broke after the "2") and a 13-character name
stays whole beside a four-digit points total on the all-time board (it broke mid-name), and a
profile's entries show their votes under the title on every row."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.services.ledger import grant
from tests.core.helpers import submit, vote
from tests.e2e.a11y import assert_accessible, assert_no_horizontal_overflow
from tests.pages.helpers import move_to_phase
from tests.support.factories import PASSWORD

pytestmark = pytest.mark.e2e

LONG_NAME = "abcdefghij_klmnopqrs"  # 20 characters
PHASES = ("upcoming", "active", "voting", "completed")
PHONE = {"width": 375, "height": 812}
PRIZES = {"1st": {"type": "cash", "amount": 100, "currency": "USD"},
          "2nd": {"type": "tokens", "amount": 500000},
          "3rd": {"type": "tokens", "amount": 250000},
          "participation": {"type": "tokens", "amount": 1000}}
# Screenshots for a person to look at: PAGES_SHOTS=/tmp/shots-pages pytest ...
SHOTS = os.environ.get("PAGES_SHOTS")


@pytest.fixture
def site(live_server, make_challenge, make_user):
    """A challenge in each phase (the three open ones with entries and votes, the long name
    leading), each with prizes and a hero image."""
    art = f"{live_server.url}/static/demo"
    leader = make_user(LONG_NAME)
    others = [make_user() for _ in range(3)]
    slugs = {}
    for n, phase in enumerate(PHASES, start=1):
        challenge = make_challenge("upcoming" if phase == "upcoming" else "active",
                                   title=f"Dreamscapes {phase}", prizes=PRIZES,
                                   hero_image_url=f"{art}/art-0{n}.svg")
        slugs[phase] = challenge.slug
        if phase == "upcoming":
            continue
        mine = submit(challenge, leader, title="Night garden", image_url=f"{art}/art-05.svg",
                      image_alt_text="A garden under the moon")
        for k, author in enumerate(others):
            submit(challenge, author, title=f"Piece {k}", image_url=f"{art}/art-0{k + 6}.svg",
                   image_alt_text="Shapes and colours")
        for voter in others:
            vote(mine, voter)
        if phase != "active":
            move_to_phase(challenge, phase)
    return slugs


def urls(slugs: dict[str, str]) -> list[str]:
    return ["/", "/challenges/",
            *[f"/challenges/{slugs[phase]}/" for phase in PHASES],
            f"/challenges/{slugs['voting']}/leaderboard/", f"/u/{LONG_NAME}"]


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.mark.parametrize("locale", ["en", "es"])
@pytest.mark.parametrize("width, height", [(1280, 800), (375, 812)])
def test_pages_pass_axe_and_never_scroll_sideways(open_page, site, locale, width, height):
    page = open_page(locale=locale, width=width, height=height)
    for url in urls(site):
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", locale)
        assert_accessible(page)
        assert_no_horizontal_overflow(page)
        shoot(page, f"{locale}-{width}-{url.strip('/').replace('/', '_') or 'home'}")


def log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


@pytest.mark.parametrize("phase, member", [*((phase, False) for phase in PHASES),
                                           ("active", True), ("voting", True)])
def test_prizes_and_the_board_are_within_two_phone_screens(open_page, site, phase, member):
    page = open_page(width=PHONE["width"], height=PHONE["height"])
    if member:  # a member also has the "Your status" card above them
        log_in(page, LONG_NAME)
    page.goto(f"/challenges/{site[phase]}/")
    for testid in ("prizes", "leaderboard"):
        top = page.get_by_test_id(testid).evaluate(
            "el => el.getBoundingClientRect().top + window.scrollY")
        assert top < 2 * PHONE["height"], (phase, testid, top)


def assert_name_whole(page: Page, selector: str) -> None:
    """The element shows the whole name: nothing clipped, no ellipsis."""
    element = page.locator(selector).filter(has_text=LONG_NAME).first
    expect(element).to_be_visible()
    assert LONG_NAME in element.inner_text()
    clipped = element.evaluate("el => el.scrollWidth > el.clientWidth")
    assert not clipped, f"{selector} clips {LONG_NAME!r}"


@pytest.mark.parametrize("width", [1280, 375])
def test_a_20_character_name_is_shown_whole(open_page, site, width):
    page = open_page(width=width, height=812)
    page.goto(f"/challenges/{site['voting']}/")
    assert_name_whole(page, "#leaderboard .who")
    page.goto(f"/challenges/{site['voting']}/leaderboard/")
    assert_name_whole(page, "#rank-list .who")
    page.goto(f"/u/{LONG_NAME}")
    assert_name_whole(page, "h1")
    assert_no_horizontal_overflow(page)


def one_line(page: Page, selector: str) -> bool:
    """Whether the first element ``selector`` finds is laid out on a single line."""
    return page.locator(selector).first.evaluate("el => el.getClientRects().length === 1")


def test_countdowns_and_usual_names_stay_on_one_line_on_a_phone(open_page, site, make_user,
                                                                app):
    creative = make_user("creativemind")  # 13 characters with the "@"
    with app.app_context():
        grant(creative.id, 1004, "bonus", "test:creativemind", utcnow())
        db.session.commit()
    page = open_page(locale="es", width=PHONE["width"], height=PHONE["height"])
    page.goto(f"/challenges/{site['active']}/")
    expect(page.locator("time[data-countdown]").first).to_contain_text(" d ")
    assert one_line(page, "time[data-countdown]")
    page.goto("/leaderboard/")
    row = page.locator(".board-row-alltime").filter(has_text="@creativemind")
    expect(row.locator(".votes")).to_have_text("1.004 pts")
    assert row.locator(".who").evaluate("el => el.getClientRects().length === 1 "
                                        "&& el.getBoundingClientRect().height < 30")


def test_a_profiles_entries_show_their_votes_under_the_title_on_a_phone(open_page, site):
    # Beside a short title and under a long one, row by row, read as a ragged list.
    page = open_page(width=PHONE["width"], height=PHONE["height"])
    page.goto(f"/u/{LONG_NAME}")
    places = page.locator(".list-row:has(.list-meta)").evaluate_all(
        """rows => rows.map(row => row.querySelector('.list-meta').getBoundingClientRect().top
                                   >= row.firstElementChild.getBoundingClientRect().bottom - 1)""")
    assert places and all(places), places


def test_accept_language_es_gives_a_spanish_landing_and_board(open_page, site):
    page = open_page(locale="es", width=PHONE["width"], height=PHONE["height"])
    page.goto(f"/challenges/{site['voting']}/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    action = page.get_by_role("link", name="Inicia sesión para votar", exact=True)
    expect(action).to_have_attribute("data-testid", "main-action")
    board = page.get_by_test_id("leaderboard")
    expect(board.get_by_role("heading", name="Clasificación")).to_be_visible()
    expect(board.get_by_test_id(f"votes-{LONG_NAME}")).to_have_text("3 votos")
    expect(page.get_by_test_id("prizes").get_by_role("heading", name="Premios")).to_be_visible()
