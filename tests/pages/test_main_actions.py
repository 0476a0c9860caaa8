"""Each phase leads with its own main action, on the landing page and the challenge cards
(issue #11): upcoming "Add to calendar", active "Submit your entry", voting "Vote now",
completed "See the results"; visitors are asked to join or log in where it takes an account,
and nothing offers to "View Submissions" when there are none."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.core.helpers import submit

from .helpers import move_to_phase

MAIN_ACTION = re.compile(r'<(a|span|p)\b[^>]*data-testid="main-action"[^>]*>(.*?)</\1>', re.S)
HIDDEN = re.compile(r'<span aria-hidden="true">.*?</span>', re.S)


def main_action(page: str) -> tuple[str, str | None]:
    """The text and link of the hero's main action."""
    match = MAIN_ACTION.search(page)
    assert match, "no main action on the page"
    tag = match.group(0)
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", HIDDEN.sub("", match.group(2)))).split())
    href = re.search(r'href="([^"]*)"', tag)
    return text, unescape(href.group(1)) if href else None


def landing(client, challenge) -> str:
    response = client.get(f"/challenges/{challenge.slug}/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def member(client, login, make_user):
    user = make_user()
    login(client, user)
    return user


@pytest.fixture
def with_entry(make_user):
    """A challenge in ``phase`` with one entry (entered while it was open)."""

    def _make(make_challenge, phase):
        challenge = make_challenge("active")
        submit(challenge, make_user(), title="Sunrise")
        if phase != "active":
            move_to_phase(challenge, phase)
        return challenge

    return _make


def test_upcoming_leads_with_add_to_calendar(client, make_challenge):
    challenge = make_challenge("upcoming")
    page = landing(client, challenge)
    assert main_action(page) == ("Add to calendar", "#calendar-card")
    assert 'id="calendar-card"' in page  # the remind widget it points at is on the page


def test_active_leads_with_submit_your_entry_for_a_member(client, make_challenge, member):
    challenge = make_challenge("active")
    text, href = main_action(landing(client, challenge))
    assert (text, href) == ("Submit your entry", f"/challenges/{challenge.slug}/submit")


def test_active_asks_a_visitor_to_join_to_enter(client, make_challenge):
    challenge = make_challenge("active")
    text, href = main_action(landing(client, challenge))
    assert text == "Join to enter"
    assert href == f"/register?next=/challenges/{challenge.slug}/submit"


def test_voting_leads_with_vote_now_for_a_member(client, make_challenge, member, with_entry):
    challenge = with_entry(make_challenge, "voting")
    assert main_action(landing(client, challenge)) == (
        "Vote now", f"/challenges/{challenge.slug}/submissions/")


def test_voting_asks_a_visitor_to_log_in_to_vote(client, make_challenge, with_entry):
    challenge = with_entry(make_challenge, "voting")
    assert main_action(landing(client, challenge)) == (
        "Log in to vote", f"/login?next=/challenges/{challenge.slug}/submissions/")


def test_completed_leads_with_see_the_results(client, make_challenge, with_entry):
    challenge = with_entry(make_challenge, "completed")
    assert main_action(landing(client, challenge)) == (
        "See the results", f"/challenges/{challenge.slug}/leaderboard/")


@pytest.mark.parametrize("phase", ["upcoming", "active", "voting", "completed"])
def test_no_entries_is_said_kindly_never_as_see_all_0(client, make_challenge, phase):
    challenge = make_challenge(phase)
    page = landing(client, challenge)
    assert "View Submissions" not in page and "See all 0" not in page
    assert 'data-testid="no-entries"' in page
    assert f'href="/challenges/{challenge.slug}/submissions/"' not in page


def test_a_voting_challenge_nobody_entered_offers_no_vote(client, make_challenge, member):
    challenge = make_challenge("voting")
    text, href = main_action(landing(client, challenge))
    assert href is None and "nothing to vote on" in text


def test_entries_are_linked_with_their_number_once_there_are_some(client, make_challenge,
                                                                 with_entry):
    challenge = with_entry(make_challenge, "active")
    page = landing(client, challenge)
    assert "See the entry" in page and 'data-testid="no-entries"' not in page


@pytest.mark.parametrize("logged_in, expected", [
    (False, {"upcoming": "Add to calendar", "active": "Join to enter",
             "voting": "Log in to vote", "completed": "See the results"}),
    (True, {"upcoming": "Add to calendar", "active": "Submit your entry",
            "voting": "Vote now", "completed": "See the results"}),
])
def test_challenge_cards_carry_their_phase_action(client, login, make_user, make_challenge,
                                                  with_entry, logged_in, expected):
    if logged_in:
        login(client, make_user())
    challenges = {phase: (with_entry(make_challenge, phase) if phase != "upcoming"
                          else make_challenge(phase)) for phase in expected}
    page = client.get("/challenges/").get_data(as_text=True)
    for phase, action in expected.items():
        card = page[page.index(f'/challenges/{challenges[phase].slug}/"'):]
        card = card[:card.index("</li>")] if "</li>" in card else card
        actions = card[card.index('class="card-actions"'):]
        assert action in actions, (phase, actions[:400])


def test_the_hero_shows_the_challenge_image_with_its_title_as_alt(client, make_challenge):
    challenge = make_challenge("active", title="Dreamscapes",
                               hero_image_url="https://img.example/hero.png")
    page = landing(client, challenge)
    img = re.search(r'<img class="hero-image"[^>]*>', page)
    assert img, "no hero image"
    assert 'src="https://img.example/hero.png"' in img.group(0)
    assert "Dreamscapes" in unescape(img.group(0))
    assert 'width="1200" height="630"' in img.group(0)  # its box is reserved while it loads


def test_spanish_landing_speaks_spanish(client, make_challenge):
    challenge = make_challenge("active")
    page = client.get(f"/challenges/{challenge.slug}/",
                      headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="es"' in page
    assert main_action(page)[0] == "Únete para participar"
    assert "Premios" in page and "Clasificación" in page


def test_the_polled_widget_speaks_the_browsers_language(client, make_challenge, with_entry):
    challenge = with_entry(make_challenge, "voting")
    response = client.get(f"/challenges/{challenge.slug}/leaderboard/live",
                          headers={"Accept-Language": "es"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Clasificación" in body and "0 votos" in body and "1 participante" in body
