"""SPEC §4a, the judges' rules: a judge cannot vote (service, page, API, the gallery's button)
nor enter the challenge they judge, cannot judge their own entry, and sees other judges'
scores only once judging closes (the voting deadline). Scores are upserted; the page is for
the challenge's judges only; the rubric is validated on save."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from challenges.errors import ValidationFailed
from challenges.extensions import db
from challenges.judging.service import (
    JudgeCannotEnter,
    JudgeCannotVote,
    JudgeOwnEntry,
    JudgingClosed,
    save_scores,
)
from challenges.models import ChallengeVote, JudgeScore
from challenges.services.challenges import prepare_challenge

from ..api.conftest import assert_error, bearer, make_token  # noqa: F401  (a fixture)
from ..core.helpers import submit, vote
from .helpers import RUBRIC, assign, score


@pytest.fixture
def judged(make_challenge, make_user, frozen_clock):
    """A blended challenge in its voting phase with two entries, and a judge."""
    challenge = make_challenge("voting", judging_mode="blend", community_share=0.7,
                               rubric=RUBRIC)
    frozen_clock.set(challenge.starts_at + timedelta(hours=1))
    alice, bob = make_user("alice"), make_user("bob")
    entries = [submit(challenge, alice, title="Alice's"), submit(challenge, bob, title="Bob's")]
    frozen_clock.set(challenge.submission_deadline + timedelta(hours=1))  # voting, judging open
    judge = make_user("judy")
    assign(challenge, judge)
    return challenge, entries, judge


def test_a_judge_cannot_vote_anywhere(judged, client, login, make_token):  # noqa: F811
    challenge, entries, judge = judged
    with pytest.raises(JudgeCannotVote):
        vote(entries[0], judge)
    login(client, judge)
    gallery = unescape(client.get(f"/challenges/{challenge.slug}/submissions/")
                       .get_data(as_text=True))
    assert "Judges of this challenge can't vote in it." in gallery
    assert f'data-testid="vote-{entries[0].id}"' not in gallery  # no live button on the cards
    detail = client.get(f"/challenges/{challenge.slug}/submissions/{entries[0].id}/")
    button = unescape(detail.get_data(as_text=True))
    assert "disabled" in button and "Judges of this challenge can't vote in it." in button
    response = client.post_form(
        f"/challenges/{challenge.slug}/submissions/{entries[0].id}/vote")
    assert response.status_code in (302, 403)
    raw = make_token(judge)
    api = client.post(f"/api/challenges/{challenge.slug}/vote/{entries[0].id}/",
                      headers=bearer(raw))
    assert_error(api, 403, "judge_cannot_vote")
    assert db.session.scalar(select(func.count()).select_from(ChallengeVote)) == 0


def test_a_judge_cannot_enter(make_challenge, make_user, frozen_clock):
    challenge = make_challenge("active", judging_mode="judges", rubric=RUBRIC)
    judge = make_user("judy")
    assign(challenge, judge)
    with pytest.raises(JudgeCannotEnter):
        submit(challenge, judge)


def test_a_judge_cannot_judge_their_own_entry(make_challenge, make_user, frozen_clock, client,
                                              login):
    challenge = make_challenge("voting", judging_mode="judges", rubric=RUBRIC)
    frozen_clock.set(challenge.starts_at + timedelta(hours=1))
    judge = make_user("judy")
    own = submit(challenge, judge)  # entered before being assigned
    frozen_clock.set(challenge.submission_deadline + timedelta(hours=1))
    assign(challenge, judge)
    with pytest.raises(JudgeOwnEntry):
        score(own, judge, 10, 10)
    login(client, judge)
    url = f"/challenges/{challenge.slug}/judging/{own.id}/"
    page = client.get(url).get_data(as_text=True)
    assert "You can&#39;t judge your own entry." in page
    assert 'data-testid="judging-form"' not in page
    response = client.post_form(url, {"c0": "10", "c1": "10"}, headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(JudgeScore)) == 0


def test_other_judges_scores_stay_hidden_until_judging_closes(judged, make_user, client,
                                                              login, frozen_clock):
    challenge, entries, judy = judged
    kim = make_user("kim")
    assign(challenge, kim)
    score(entries[0], judy, 7, 8)
    score(entries[0], kim, 3, 4)
    login(client, judy)
    url = f"/challenges/{challenge.slug}/judging/{entries[0].id}/"
    before = client.get(url).get_data(as_text=True)
    assert "@judy" in before and "@kim" not in before
    frozen_clock.set(challenge.voting_deadline)  # judging closes
    after = client.get(url).get_data(as_text=True)
    assert "@judy" in after and "@kim" in after
    assert "Judging is not open" in after  # and no more scoring
    with pytest.raises(JudgingClosed):
        score(entries[0], judy, 9, 9)


def test_judging_opens_only_at_the_submission_deadline(make_challenge, make_user, frozen_clock):
    challenge = make_challenge("active", judging_mode="judges", rubric=RUBRIC)
    frozen_clock.set(challenge.starts_at + timedelta(hours=1))
    entry = submit(challenge, make_user())
    judge = make_user()
    assign(challenge, judge)
    with pytest.raises(JudgingClosed):
        score(entry, judge, 5, 5)


def test_saving_twice_updates_the_one_row(judged, client, login):
    challenge, entries, judge = judged
    login(client, judge)
    url = f"/challenges/{challenge.slug}/judging/{entries[0].id}/"
    first = client.post_form(url, {"c0": "6", "c1": "9"})
    assert first.status_code == 302
    assert first.headers["Location"].endswith(f"/judging/{entries[1].id}/")  # on to the next
    again = client.post_form(url, {"c0": "8", "c1": "9"}, headers={"HX-Request": "true"})
    assert again.status_code == 200
    panel = again.get_data(as_text=True)
    assert "Scores saved." in panel and "1 of 2 scored" in panel
    rows = db.session.scalars(select(JudgeScore)).all()
    assert len(rows) == 1
    assert rows[0].scores == [8, 9]
    assert rows[0].weighted_score == pytest.approx(0.6 * 8 + 0.4 * 9)


def test_a_score_out_of_range_is_shown_at_its_field(judged, client, login):
    challenge, entries, judge = judged
    login(client, judge)
    url = f"/challenges/{challenge.slug}/judging/{entries[0].id}/"
    response = client.post_form(url, {"c0": "11", "c1": ""})
    assert response.status_code == 422
    assert response.get_data(as_text=True).count("Score from 1 to 10.") == 2
    with pytest.raises(ValidationFailed):
        save_scores(entries[0], judge, [0, 5], challenge.submission_deadline + timedelta(hours=2))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(JudgeScore)) == 0


def test_the_judging_page_is_for_the_challenges_judges_only(judged, make_user, client, login):
    challenge, entries, _judge = judged
    url = f"/challenges/{challenge.slug}/judging/"
    assert client.get(url).status_code == 404  # signed out
    login(client, make_user("stranger"))
    assert client.get(url).status_code == 404
    assert client.post_form(f"{url}{entries[0].id}/", {"c0": "5", "c1": "5"}).status_code == 404


def test_the_judging_page_shows_progress_and_the_first_unscored_entry(judged, client, login):
    challenge, entries, judge = judged
    score(entries[0], judge, 5, 5)
    login(client, judge)
    page = client.get(f"/challenges/{challenge.slug}/judging/").get_data(as_text=True)
    assert "1 of 2 scored" in page
    assert "Bob&#39;s" in page and 'accesskey="p"' in page and "autofocus" in page


@pytest.mark.parametrize(("fields", "field"), [
    ({"judging_mode": "judges", "rubric": None}, "rubric"),
    ({"judging_mode": "blend", "rubric": RUBRIC, "community_share": None}, "community_share"),
    ({"judging_mode": "blend", "rubric": RUBRIC, "community_share": 1.5}, "community_share"),
    ({"judging_mode": "judges", "rubric": [{"name": "A", "weight": 0.5}]}, "rubric"),
    ({"judging_mode": "judges", "rubric": [{"name": c, "weight": 0.25} for c in "ABCD"]},
     "rubric"),
    ({"judging_mode": "judges", "rubric": '[{"name": "", "weight": 1}]'}, "rubric"),
    ({"judging_mode": "judges", "rubric": "not json"}, "rubric"),
    ({"judging_mode": "jury"}, "judging_mode"),
])
def test_judging_settings_are_validated_on_save(make_challenge, fields, field):
    challenge = make_challenge("upcoming")
    for name, value in fields.items():
        setattr(challenge, name, value)
    with pytest.raises(ValidationFailed) as refused:
        prepare_challenge(challenge)
    assert field in refused.value.errors
    db.session.rollback()


def test_a_rubric_typed_as_json_is_stored_as_a_list(make_challenge):
    challenge = make_challenge("upcoming")
    challenge.judging_mode = "judges"
    challenge.rubric = ('[{"name": " Originality ", "weight": 0.5}, '
                        '{"name": "Craft", "weight": 0.5}]')
    challenge.community_share = 0.3  # not a blend: cleared
    prepare_challenge(challenge)
    assert challenge.rubric == [{"name": "Originality", "weight": 0.5},
                                {"name": "Craft", "weight": 0.5}]
    assert challenge.community_share is None


def test_the_live_board_says_final_ranks_include_the_judges(judged, client):
    challenge, _entries, _judge = judged
    for url in (f"/challenges/{challenge.slug}/", f"/challenges/{challenge.slug}/leaderboard/"):
        page = unescape(client.get(url).get_data(as_text=True))
        assert "Final ranks include the judges' scores (30 %)." in page, url
