"""``ends_at`` publishes the results (issue #13, SPEC §2 and §7): between the voting deadline and
``ends_at`` the board and the landing page say "Results at ..." and polling goes on; finalization
runs at ``ends_at`` and not before; the final board then equals the SQL ranking, and the poll
answers 286. The results page reveals the top ten, 10th to 1st, one htmx step at a time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from challenges.clock import utcnow
from challenges.errors import ValidationFailed
from challenges.extensions import db
from challenges.freeze.service import frozen_now
from challenges.leaderboard import ranks
from challenges.models import ChallengeSubmission, User, WeeklyChallenge
from challenges.phase import is_frozen, results_published, results_published_clause
from challenges.services.challenges import prepare_challenge
from challenges.services.finalization import NotFinished, finalize_challenge, unfinalized_completed
from challenges.transactions import commit_with_retry

from ..core.helpers import sql_truth, submit, vote
from ..rewards.helpers import finalize

HX = {"HX-Request": "true"}
PLACE = re.compile(r'data-testid="reveal-place-(\d+)"')


@dataclass
class Closed:
    challenge: WeeklyChallenge
    authors: list[User]  # authors[i] gets 12 - i votes: authors[0] wins


@pytest.fixture
def closed(frozen_clock, make_challenge, make_user) -> Closed:
    """Twelve authors, ranked by votes; voting closed an hour ago, results due in a day."""
    challenge = make_challenge("active")
    challenge.ends_at = challenge.voting_deadline + timedelta(days=1)
    db.session.commit()
    authors = [make_user(username=f"artist{i:02d}") for i in range(12)]
    voters = [make_user() for _ in range(12)]
    for i, author in enumerate(authors):
        entry = submit(challenge, author)
        for voter in voters[:12 - i]:
            vote(entry, voter)
    frozen_clock.set(challenge.voting_deadline + timedelta(hours=1))
    return Closed(challenge, authors)


def test_between_the_deadline_and_ends_at_the_board_says_results_at(client, closed):
    slug = closed.challenge.slug
    page = client.get(f"/challenges/{slug}/").get_data(as_text=True)
    assert 'data-testid="results-at"' in page and 'data-testid="hero-results-at"' in page
    assert "Final results" not in page
    poll = client.get(f"/challenges/{slug}/leaderboard/live?v=-1")
    assert poll.status_code == 200  # not 286: polling goes on until the results are out
    body = poll.get_data(as_text=True)
    assert "Results at" in body and "hx-trigger" in body
    version = body.split('data-version="')[1].split('"')[0]
    assert client.get(f"/challenges/{slug}/leaderboard/live?v={version}").status_code == 204
    results = client.get(f"/challenges/{slug}/results/").get_data(as_text=True)
    assert 'data-testid="results-later"' in results and "reveal-place" not in results


def test_finalization_waits_for_ends_at(closed, frozen_clock):
    challenge = closed.challenge
    assert challenge.id not in unfinalized_completed(utcnow())
    with pytest.raises(NotFinished):
        commit_with_retry(lambda: finalize_challenge(challenge.id, utcnow()))
    frozen_clock.set(challenge.ends_at)
    assert challenge.id in unfinalized_completed(utcnow())


def test_after_ends_at_the_final_board_equals_the_sql_ranking(client, closed, frozen_clock):
    challenge = closed.challenge
    frozen_clock.set(challenge.ends_at)
    assert not finalize(challenge)["already_done"]
    db.session.expire_all()
    truth = [user_id for user_id, _, _ in sql_truth(challenge)]
    page = ranks.board_page(challenge, None, ranks.FIRST, utcnow(), size=100)
    assert page.completed and [r.user_id for r in page.rows] == truth
    finals = dict(db.session.execute(
        select(ChallengeSubmission.user_id, ChallengeSubmission.final_rank)
        .where(ChallengeSubmission.challenge_id == challenge.id)).all())
    assert sorted(finals, key=lambda u: finals[u]) == truth
    assert truth == [a.id for a in closed.authors]
    response = client.get(f"/challenges/{challenge.slug}/leaderboard/live?v=0")
    assert response.status_code == 286 and "Final results" in response.get_data(as_text=True)


def test_the_reveal_announces_10th_to_1st_then_the_podium(client, closed, frozen_clock):
    challenge = closed.challenge
    frozen_clock.set(challenge.ends_at)
    finalize(challenge)
    url = f"/challenges/{challenge.slug}/results/reveal"
    first = client.get(f"{url}?step=1", headers=HX).get_data(as_text=True)
    assert PLACE.findall(first) == ["10"] and "Reveal 9th place" in first
    assert 'data-testid="results-podium"' not in first
    nine = client.get(f"{url}?step=9", headers=HX).get_data(as_text=True)
    assert PLACE.findall(nine) == [str(n) for n in range(2, 11)]  # best on top
    assert "Reveal 1st place" in nine and "@artist01" in nine and "@artist00" not in nine
    last = client.get(f"{url}?step=10", headers=HX).get_data(as_text=True)
    assert PLACE.findall(last)[0] == "1" and "@artist00" in last
    assert 'data-testid="results-podium"' in last and 'data-testid="final-board"' in last
    assert 'data-testid="reveal-next"' not in last
    # Without htmx the step URL is the results page, where the whole list is there anyway.
    assert client.get(f"{url}?step=3").status_code == 302


def test_the_results_page_holds_the_reveal_stage_and_the_whole_list_without_javascript(
        client, closed, frozen_clock):
    challenge = closed.challenge
    frozen_clock.set(challenge.ends_at)
    finalize(challenge)
    body = client.get(f"/challenges/{challenge.slug}/results/").get_data(as_text=True)
    stage, noscript = body.split("<noscript>")
    assert 'data-step="0"' in stage and "Start the reveal" in stage and "data-js-only" in stage
    assert PLACE.findall(noscript) == [str(n) for n in range(1, 11)]
    assert 'data-testid="results-podium"' in noscript


def test_reveal_steps_of_an_unpublished_challenge_are_not_there(client, closed):
    url = f"/challenges/{closed.challenge.slug}/results/reveal?step=1"
    response = client.get(url, headers=HX)
    assert response.status_code == 302  # back to the results page: "Results at ..."


@pytest.mark.parametrize("hours, ok", [(None, True), (1, True), (48, True), (49, False),
                                       (0, False), (-3, False)])
def test_freeze_hours_must_lie_within_the_voting_period(make_challenge, hours, ok):
    challenge = make_challenge("active")  # voting period: 48 h
    challenge.freeze_hours = hours
    if ok:
        prepare_challenge(challenge)
    else:
        with pytest.raises(ValidationFailed) as error:
            prepare_challenge(challenge)
        assert "freeze_hours" in error.value.errors
    db.session.rollback()


@pytest.mark.parametrize("hours, saved", [("49", False), ("0", False), ("12", True)])
def test_the_admin_form_validates_freeze_hours_at_its_field(client, make_user, login, hours,
                                                            saved):
    from challenges.models import Role

    from ..test_admin import challenge_form, form_token, text_of

    login(client, make_user("editor", role=Role.EDITOR))
    editor = client
    page = editor.get("/admin/challenges/new/").get_data(as_text=True)
    assert 'name="freeze_hours"' in page
    response = editor.post("/admin/challenges/new/", data={
        **challenge_form(freeze_hours=hours), "csrf_token": form_token(page)})
    created = db.session.scalar(select(WeeklyChallenge).where(
        WeeklyChallenge.slug == "winter-light"))
    if saved:
        assert response.status_code == 302 and created is not None
        assert created.freeze_hours == 12
    else:
        assert response.status_code == 200 and created is None
        assert "Between 1 and 48 hours (the voting period)" in text_of(response)


T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("offset", [timedelta(hours=-1), timedelta(0), timedelta(microseconds=1),
                                    timedelta(hours=1)])
def test_results_published_and_its_sql_twin_agree(make_challenge, offset):
    challenge = make_challenge("voting", now=T0, ends_at=T0 + timedelta(days=2))
    now = challenge.ends_at + offset
    in_sql = db.session.scalar(select(WeeklyChallenge.id).where(
        WeeklyChallenge.id == challenge.id, results_published_clause(now))) is not None
    assert in_sql == results_published(challenge, now) == (offset >= timedelta(0))


def test_the_frozen_window_runs_from_the_freeze_to_the_results(make_challenge):
    challenge = make_challenge("voting", now=T0, freeze_hours=6,
                               ends_at=T0 + timedelta(days=1, hours=2))
    freeze_at = challenge.voting_deadline - timedelta(hours=6)
    assert not is_frozen(challenge, freeze_at - timedelta(microseconds=1))
    assert is_frozen(challenge, freeze_at)
    assert is_frozen(challenge, challenge.voting_deadline)  # still frozen until published
    assert not is_frozen(challenge, challenge.ends_at)
    assert challenge in frozen_now(freeze_at) and challenge not in frozen_now(challenge.ends_at)
