"""The admin side of judging: the challenge form's judging fields are validated on save with a
message at the field, and assigning a judge who already entered (or voted) warns the editor."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from flask import g
from sqlalchemy import func, select

from challenges.extensions import db
from challenges.models import ChallengeJudge, Role, WeeklyChallenge

from ..core.helpers import submit
from ..test_admin import challenge_form, form_token


@pytest.fixture
def editor(client, make_user, login):
    login(client, make_user(role=Role.EDITOR))
    g.pop("csrf_token", None)
    return client


def _alerts(response) -> list[str]:
    """The admin's flashed messages on a page (what the editor is told)."""
    page = unescape(response.get_data(as_text=True))
    return [m.strip() for m in re.findall(r"(?s)</button>([^<]+)</div>", page)]


def _post(client, url, data):
    token = form_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


@pytest.mark.parametrize(("fields", "message"), [
    ({"judging_mode": "blend", "community_share": "",
      "rubric": '[{"name": "Craft", "weight": 1}]'},
     "A blend needs the community's share, between 0 and 1"),
    ({"judging_mode": "judges", "rubric": ""},
     "A judged challenge needs a rubric: 1 to 3 criteria."),
    ({"judging_mode": "judges",
      "rubric": '[{"name": "Craft", "weight": 0.5}, {"name": "Idea", "weight": 0.4}]'},
     "The weights must add up to 1 (they add up to 0.9)."),
])
def test_invalid_judging_settings_are_refused_with_a_message(editor, fields, message):
    response = _post(editor, "/admin/challenges/new/", challenge_form(**fields))
    assert response.status_code == 200
    assert message in unescape(response.get_data(as_text=True))
    assert db.session.scalar(select(func.count()).select_from(WeeklyChallenge)) == 0


def test_a_blended_challenge_is_saved_from_the_admin(editor):
    response = _post(editor, "/admin/challenges/new/", challenge_form(
        judging_mode="blend", community_share="0.7",
        rubric='[{"name": "Originality", "weight": 0.6}, {"name": "Craft", "weight": 0.4}]'))
    assert response.status_code == 302, _alerts(response)
    saved = db.session.scalar(select(WeeklyChallenge))
    assert (saved.judging_mode, saved.community_share) == ("blend", 0.7)
    assert saved.rubric == [{"name": "Originality", "weight": 0.6},
                            {"name": "Craft", "weight": 0.4}]


def test_a_community_challenge_needs_no_judging_fields(editor):
    response = _post(editor, "/admin/challenges/new/", challenge_form())
    assert response.status_code == 302
    assert db.session.scalar(select(WeeklyChallenge.judging_mode)) == "community"


def test_assigning_a_judge_who_entered_warns_the_editor(editor, make_challenge, make_user,
                                                        frozen_clock):
    challenge = make_challenge("active", judging_mode="judges",
                               rubric=[{"name": "Overall", "weight": 1}])
    frozen_clock.set(challenge.starts_at + timedelta(hours=1))
    member = make_user("entrant")
    submit(challenge, member)
    response = _post(editor, "/admin/judges/new/",
                     {"challenge": str(challenge.id), "user": str(member.id)})
    assert response.status_code == 302
    page = unescape(editor.get(response.headers["Location"]).get_data(as_text=True))
    assert "This judge has 1 entry in the challenge: they cannot judge it" in page
    assert db.session.scalar(select(func.count()).select_from(ChallengeJudge)) == 1
    # Assigning the same member twice is refused by the unique (challenge, user).
    again = _post(editor, "/admin/judges/new/",
                  {"challenge": str(challenge.id), "user": str(member.id)})
    assert again.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(ChallengeJudge)) == 1
