"""Issue #14: a member's page reads whether they judge the challenge with the challenge itself
(``services.challenges.on_member_lookup``, registered by judging), not in a statement of its
own; and the answer is theirs alone."""

from __future__ import annotations

import re

import pytest

from challenges.extensions import db
from challenges.models import ChallengeJudge

from ..core.helpers import submit


def _reads(statements: list[str]) -> list[str]:
    return [" ".join(sql.split()) for sql in statements if sql.lstrip().startswith("SELECT")]


@pytest.mark.parametrize("page", ["/", "/submissions/"])
def test_a_members_page_asks_no_judge_question_of_its_own(
        client, login, make_challenge, make_user, count_sql, page):
    challenge = make_challenge("active")
    submit(challenge, make_user())
    login(client, make_user())
    count_sql.clear()
    assert client.get(f"/challenges/{challenge.slug}{page}").status_code == 200
    reads = _reads(count_sql)
    assert any("FROM weekly_challenges" in sql and "challenge_judges" in sql for sql in reads)
    alone = [sql for sql in reads if re.search(r"^SELECT challenge_judges\.id FROM", sql)]
    assert not alone, "\n".join(alone)


def test_the_judge_bit_read_with_the_challenge_refuses_a_judges_vote_and_no_one_elses(
        app, client, login, make_challenge, make_user):
    challenge = make_challenge("active")
    entry = submit(challenge, make_user())
    judge, member = make_user(), make_user()
    db.session.add(ChallengeJudge(challenge_id=challenge.id, user_id=judge.id))
    db.session.commit()
    url = f"/challenges/{challenge.slug}/submissions/{entry.id}/vote"
    answers = []
    for who, browser in ((judge, client), (member, app.test_client())):
        login(browser, who)
        answers.append(browser.post(url, headers={"HX-Request": "true",
                                                  "X-CSRFToken": browser.csrf_token()}))
    refused, voted = (answer.get_data(as_text=True) for answer in answers)
    assert "Judges of this challenge can&#39;t vote in it." in refused
    assert "Judges of this challenge" not in voted and 'aria-pressed="true"' in voted
    db.session.refresh(entry)
    assert entry.vote_count == 1


def test_an_entry_named_under_another_challenges_slug_is_not_found(
        client, login, make_challenge, make_user):
    """The lookup joins the entry on (id, challenge): an entry of another challenge is not
    loaded with it, and ``get_challenge_entry``'s own check answers 404; nothing is voted."""
    here, there = make_challenge("active"), make_challenge("active")
    elsewhere = submit(there, make_user())
    login(client, make_user())
    base = f"/challenges/{here.slug}/submissions/{elsewhere.id}"
    assert client.get(f"{base}/").status_code == 404
    vote = client.post(f"{base}/vote", headers={"HX-Request": "true",
                                                "X-CSRFToken": client.csrf_token()})
    assert vote.status_code == 404
    db.session.refresh(elsewhere)
    assert elsewhere.vote_count == 0
    assert client.get(f"/challenges/{there.slug}/submissions/{elsewhere.id}/").status_code == 200
