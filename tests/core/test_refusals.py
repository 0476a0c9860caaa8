"""The refusals (SPEC §3, §4): one non-raising rule per action says why it is refused, or None;
the raising services, the pages (button state, the visible reason) and the API all use it."""

from __future__ import annotations

import html
import re

import pytest

from challenges.clock import utcnow
from challenges.errors import (
    EditingClosed,
    EntryNotVotable,
    LoginRequired,
    NotYourEntry,
    SelfVote,
    SubmissionLimitReached,
    SubmissionsClosed,
    VotingClosed,
)
from challenges.extensions import db
from challenges.models import Role
from challenges.services.api_tokens import create_token
from challenges.services.entries import (
    disqualify_entry,
    entry_change_refusal,
    submission_refusal,
    withdraw_entry,
)
from challenges.services.votes import cast_vote, vote_refusal, voting_refusal, withdraw_vote
from challenges.transactions import commit_with_retry

from .helpers import submit, vote

HTMX = {"HX-Request": "true"}
CLOSED = "Voting has closed for this challenge."


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def vote_button(body: str, entry) -> str:
    """The <button> tag of ``entry``'s vote form."""
    match = re.search(r'<button type="submit" class="vote-button[^>]*data-testid="vote-'
                      + str(entry.id) + '"', body, re.S)
    assert match, body
    return match.group(0)


@pytest.fixture
def author(make_user):
    return make_user()


@pytest.fixture
def voter(make_user):
    return make_user()


@pytest.fixture
def entry(make_challenge, author, frozen_clock):
    return submit(make_challenge("active"), author, title="Sunrise")


def entry_url(entry, action: str = "") -> str:
    return f"/challenges/{entry.challenge.slug}/submissions/{entry.id}/{action}"


# --- The rules, and the raising checks that use them ---------------------------------------------

def test_voting_is_open_while_active_or_voting_and_allowed(make_challenge, frozen_clock):
    challenge = make_challenge("active")
    assert voting_refusal(challenge, utcnow()) is None
    frozen_clock.set(challenge.submission_deadline)
    assert voting_refusal(challenge, utcnow()) is None
    frozen_clock.set(challenge.voting_deadline)
    assert voting_refusal(challenge, utcnow()).message == CLOSED


@pytest.mark.parametrize(("phase", "fields", "message"), [
    ("upcoming", {}, "Voting opens when the challenge starts."),
    ("completed", {}, CLOSED),
    ("active", {"allow_voting": False}, "Voting is turned off for this challenge."),
    ("active", {"status": "draft"}, "Voting is not open for this challenge."),
])
def test_voting_refusal_says_why_voting_is_closed(make_challenge, frozen_clock, phase, fields,
                                                   message):
    refusal = voting_refusal(make_challenge(phase, **fields), utcnow())
    assert isinstance(refusal, VotingClosed) and refusal.code == "voting_closed"
    assert refusal.message == message


def test_vote_refusal_names_each_reason_and_none_when_allowed(entry, author, voter, make_user,
                                                              frozen_clock):
    now = utcnow()
    assert vote_refusal(entry, voter, now) is None
    assert isinstance(vote_refusal(entry, None, now), LoginRequired)
    assert isinstance(vote_refusal(entry, author, now), SelfVote)
    commit_with_retry(lambda: disqualify_entry(entry.id, make_user(role=Role.EDITOR), "copied",
                                               utcnow()))
    db.session.refresh(entry)
    assert isinstance(vote_refusal(entry, voter, now), EntryNotVotable)
    assert isinstance(vote_refusal(entry, voter, entry.challenge.voting_deadline), VotingClosed)


def test_cast_vote_raises_what_vote_refusal_returns(entry, voter, frozen_clock):
    frozen_clock.set(entry.challenge.voting_deadline)
    refusal = vote_refusal(entry, voter, utcnow())
    with pytest.raises(VotingClosed) as raised:
        cast_vote(entry.id, voter, utcnow())
    assert (raised.value.code, raised.value.message) == (refusal.code, refusal.message)


def test_withdraw_vote_asks_the_same_voting_rule(entry, voter, frozen_clock):
    vote(entry, voter)
    frozen_clock.set(entry.challenge.voting_deadline)
    with pytest.raises(VotingClosed, match=CLOSED):
        withdraw_vote(entry.id, voter, utcnow())
    db.session.rollback()
    entry.challenge.allow_voting = False
    frozen_clock.set(entry.challenge.submission_deadline)
    db.session.commit()
    with pytest.raises(VotingClosed, match="turned off"):
        withdraw_vote(entry.id, voter, utcnow())


def test_submission_refusal_names_each_reason_and_none_when_allowed(make_challenge, author,
                                                                    frozen_clock):
    challenge = make_challenge("active", max_submissions_per_user=1)
    now = utcnow()
    assert submission_refusal(challenge, author, now) is None
    assert isinstance(submission_refusal(challenge, None, now), LoginRequired)
    assert submission_refusal(make_challenge("upcoming"), author, now).message == (
        "Entries open when the challenge starts.")
    assert isinstance(submission_refusal(make_challenge("voting"), author, now), SubmissionsClosed)
    submit(challenge, author)
    refusal = submission_refusal(challenge, author, now)
    assert isinstance(refusal, SubmissionLimitReached)
    assert "You have already submitted 1 entry," in refusal.message


def test_the_limit_counts_live_entries_even_when_a_slot_is_free(make_challenge, author,
                                                               frozen_clock):
    challenge = make_challenge("active", max_submissions_per_user=3)
    first, _second, _third = (submit(challenge, author, title=t) for t in ("A", "B", "C"))
    commit_with_retry(lambda: withdraw_entry(first.id, author, utcnow()))  # frees slot 1
    challenge.max_submissions_per_user = 2  # an editor lowers the limit: 2 live entries is full
    db.session.commit()
    with pytest.raises(SubmissionLimitReached):
        submit(challenge, author, title="D")


def test_entry_change_refusal_is_the_author_until_the_deadline(entry, author, voter,
                                                             frozen_clock):
    assert entry_change_refusal(entry, author, utcnow()) is None
    assert isinstance(entry_change_refusal(entry, None, utcnow()), LoginRequired)
    assert isinstance(entry_change_refusal(entry, voter, utcnow()), NotYourEntry)
    frozen_clock.set(entry.challenge.submission_deadline)
    assert isinstance(entry_change_refusal(entry, author, utcnow()), EditingClosed)
    with pytest.raises(EditingClosed):
        withdraw_entry(entry.id, author, utcnow())


# --- The pages ask the rule: button state and the visible reason ---------------------------------

def test_htmx_vote_after_the_voting_deadline_returns_a_disabled_button_with_the_reason(
        client, login, entry, voter, frozen_clock):
    login(client, voter)
    token = client.csrf_token()
    frozen_clock.set(entry.challenge.voting_deadline)
    response = client.post(entry_url(entry, "vote"), headers={**HTMX, "X-CSRFToken": token})
    assert response.status_code == 200
    body = text_of(response)
    assert body.lstrip().startswith('<form class="vote-form"')
    assert " disabled " in vote_button(body, entry)
    assert CLOSED in body
    assert "HX-Trigger" not in response.headers


def test_htmx_vote_while_open_returns_an_enabled_button(client, login, entry, voter,
                                                       frozen_clock):
    login(client, voter)
    response = client.post(entry_url(entry, "vote"),
                           headers={**HTMX, "X-CSRFToken": client.csrf_token()})
    assert "disabled" not in vote_button(text_of(response), entry)


def test_the_gallery_says_why_nobody_can_vote(client, entry, frozen_clock):
    frozen_clock.set(entry.challenge.voting_deadline)
    body = text_of(client.get(f"/challenges/{entry.challenge.slug}/submissions/"))
    assert f'data-testid="voting-refusal">{CLOSED}<' in body
    assert 'class="vote-form"' not in body  # no button to press


def test_the_gallery_offers_the_button_only_where_the_viewer_may_vote(client, login, entry,
                                                                     author, voter,
                                                                     frozen_clock):
    mine = submit(entry.challenge, voter, title="Mine")
    login(client, voter)
    body = text_of(client.get(f"/challenges/{entry.challenge.slug}/submissions/"))
    assert "voting-refusal" not in body
    assert f'data-testid="vote-{entry.id}"' in body
    assert f'data-testid="vote-{mine.id}"' not in body  # one's own entry: no button


def test_the_submission_page_shows_why_the_viewer_cannot_vote(client, login, entry, voter,
                                                             frozen_clock):
    vote(entry, voter)
    frozen_clock.set(entry.challenge.voting_deadline)
    login(client, voter)
    body = text_of(client.get(entry_url(entry)))
    button = vote_button(body, entry)
    assert " disabled " in button and 'aria-pressed="true"' in button
    assert f'id="vote-why-{entry.id}">{CLOSED}<' in body


def test_the_submission_page_tells_a_visitor_why_voting_is_closed(client, entry, frozen_clock):
    frozen_clock.set(entry.challenge.voting_deadline)
    body = text_of(client.get(entry_url(entry)))
    assert f'data-testid="vote-refusal">{CLOSED}<' in body
    assert "Log in to vote" not in body


def test_pages_say_why_a_member_cannot_submit_another_entry(client, login, make_challenge,
                                                            author, frozen_clock):
    challenge = make_challenge("active", max_submissions_per_user=1)
    submit(challenge, author)
    login(client, author)
    landing = text_of(client.get(f"/challenges/{challenge.slug}/"))
    assert "Your entry is in" in landing  # the main action, with a limit of one
    assert "You have already submitted 1 entry" in landing
    form_page = text_of(client.get(f"/challenges/{challenge.slug}/submit"))
    assert 'data-testid="submission-refusal">You have already submitted 1 entry' in form_page
    assert 'name="title"' not in form_page  # no form to fill in for nothing
    modal = text_of(client.get(f"/challenges/{challenge.slug}/submit", headers=HTMX))
    assert "You have already submitted 1 entry" in modal


def test_the_landing_page_says_when_entries_open(client, make_challenge, frozen_clock):
    challenge = make_challenge("upcoming")
    body = text_of(client.get(f"/challenges/{challenge.slug}/"))
    assert "Entries open when the challenge starts." in body  # beside "Add to calendar"


def test_the_api_refuses_with_the_rules_code_and_message(client, entry, voter, frozen_clock):
    """RELIABILITY #3: no votes outside the voting window."""
    _, token = create_token(voter, "tests", utcnow())
    db.session.commit()
    frozen_clock.set(entry.challenge.voting_deadline)
    response = client.post(f"/api/challenges/{entry.challenge.slug}/vote/{entry.id}/",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "voting_closed"
    assert response.get_json()["error"]["message"] == CLOSED
