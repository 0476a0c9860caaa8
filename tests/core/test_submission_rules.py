"""SPEC §3, one test per rule."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from challenges.clock import utcnow
from challenges.errors import (
    DuplicateProjectEntry,
    EditingClosed,
    EditorOnlyAction,
    LoginRequired,
    NotYourEntry,
    SubmissionLimitReached,
    SubmissionsClosed,
    ValidationFailed,
)
from challenges.extensions import db
from challenges.models import ChallengeSubmission, Role, User
from challenges.services.entries import (
    disqualify_entry,
    edit_entry,
    set_featured,
    submit_entry,
    withdraw_entry,
)
from challenges.transactions import commit_with_retry

from ..support.concurrency import run_concurrently
from .helpers import entry_input, redis_board, submit, vote


def live_entries(challenge, user=None):
    query = select(func.count()).select_from(ChallengeSubmission).where(
        ChallengeSubmission.challenge_id == challenge.id,
        ChallengeSubmission.is_withdrawn.is_(False),
    )
    if user is not None:
        query = query.where(ChallengeSubmission.user_id == user.id)
    return db.session.scalar(query)


def test_only_logged_in_members_can_submit(make_challenge):
    challenge = make_challenge("active")
    with pytest.raises(LoginRequired):
        submit_entry(challenge.id, None, entry_input(), utcnow())


@pytest.mark.parametrize("phase", ["upcoming", "voting", "completed", "draft", "cancelled"])
def test_entries_are_accepted_only_while_the_challenge_is_active(make_challenge, make_user, phase):
    editor = make_user(role=Role.EDITOR)  # editors can see drafts, and still cannot submit there
    challenge = make_challenge(phase if phase in ("upcoming", "voting", "completed") else "active",
                               status=phase)
    with pytest.raises(SubmissionsClosed):
        submit_entry(challenge.id, editor, entry_input(), utcnow())


def test_submission_opens_at_start_and_closes_at_the_deadline(frozen_clock, make_challenge,
                                                              make_user):
    challenge, user = make_challenge("upcoming"), make_user()
    frozen_clock.set(challenge.starts_at - timedelta(microseconds=1))
    with pytest.raises(SubmissionsClosed):
        submit(challenge, user)
    frozen_clock.set(challenge.starts_at)
    submit(challenge, user)
    frozen_clock.set(challenge.submission_deadline)
    with pytest.raises(SubmissionsClosed):
        submit(challenge, user, title="Too late")


def test_at_most_max_submissions_per_user(make_challenge, make_user):
    challenge, user = make_challenge("active", max_submissions_per_user=2), make_user()
    submit(challenge, user, title="One")
    submit(challenge, user, title="Two")
    with pytest.raises(SubmissionLimitReached) as raised:
        submit(challenge, user, title="Three")
    assert "2 entries" in raised.value.message
    assert live_entries(challenge, user) == 2


def test_withdrawing_an_entry_frees_its_slot(make_challenge, make_user):
    challenge, user = make_challenge("active", max_submissions_per_user=1), make_user()
    first = submit(challenge, user)
    commit_with_retry(lambda: withdraw_entry(first.id, user, utcnow()))
    submit(challenge, user, title="Second try")
    assert live_entries(challenge, user) == 1


@pytest.mark.postgres_only
def test_submission_limit_holds_under_concurrency(app, make_challenge, make_user):
    """max + 5 simultaneous submits by one user leave exactly max rows.

    RELIABILITY #5: N+5 concurrent entries leave exactly N."""
    limit = 3
    challenge, user = make_challenge("active", max_submissions_per_user=limit), make_user()
    challenge_id, user_id = challenge.id, user.id  # threads must not touch this session's objects

    def attempt(n: int) -> str:
        author = db.session.get(User, user_id)
        try:
            commit_with_retry(lambda: submit_entry(challenge_id, author,
                                                   entry_input(title=f"Entry {n}"), utcnow()))
        except SubmissionLimitReached:
            return "limit"
        return "ok"

    outcomes = run_concurrently(app, attempt, limit + 5)
    assert sorted(outcomes) == ["limit"] * 5 + ["ok"] * limit
    assert live_entries(challenge, user) == limit
    db.session.expire_all()
    assert challenge.submission_count == limit and challenge.participant_count == 1


@pytest.mark.parametrize(("title", "ok"), [("", False), ("   ", False), ("x", True),
                                           ("x" * 200, True), ("x" * 201, False)])
def test_title_is_required_and_at_most_200_characters(make_challenge, make_user, title, ok):
    challenge, user = make_challenge("active"), make_user()
    if ok:
        submit(challenge, user, title=title)
    else:
        with pytest.raises(ValidationFailed) as raised:
            submit(challenge, user, title=title)
        assert "title" in raised.value.errors


def test_description_is_at_most_5000_characters(make_challenge, make_user):
    challenge, user = make_challenge("active"), make_user()
    submit(challenge, user, description="d" * 5000)
    with pytest.raises(ValidationFailed) as raised:
        submit(challenge, user, title="Long", description="d" * 5001)
    assert "description" in raised.value.errors


def test_an_entry_needs_a_project_an_image_or_a_link(make_challenge, make_user, make_project):
    challenge, user = make_challenge("active"), make_user()
    with pytest.raises(ValidationFailed):
        submit(challenge, user, image_url="", image_alt_text="")
    submit(challenge, user, title="Link", image_url="", image_alt_text="",
           external_url="https://example.com/work")
    submit(challenge, user, title="Project", image_url="", image_alt_text="",
           project_id=make_project(user).id)


def test_require_project_link_makes_the_project_mandatory(make_challenge, make_user, make_project):
    challenge, user = make_challenge("active", require_project_link=True), make_user()
    with pytest.raises(ValidationFailed) as raised:
        submit(challenge, user)
    assert "project_id" in raised.value.errors
    submit(challenge, user, project_id=make_project(user).id)


def test_the_project_must_be_the_submitters_own(make_challenge, make_user, make_project):
    """RELIABILITY #11: another member's entry or project cannot be used."""
    challenge, user, other = make_challenge("active"), make_user(), make_user()
    with pytest.raises(ValidationFailed) as raised:
        submit(challenge, user, project_id=make_project(other).id)
    assert "project_id" in raised.value.errors
    with pytest.raises(ValidationFailed):
        submit(challenge, user, project_id=uuid.uuid4())


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", " javascript:alert(1)", "JaVaScRiPt:alert(1)",
    "data:image/png;base64,AAAA", "/relative/path.png", "relative.png", "//host.example/x.png",
    "ftp://files.example/x.png", "https://", "https://example.com/" + "a" * 5000,
    "https://exa mple.com/x.png", "https://example.com/\x00.png",
])
def test_urls_must_be_absolute_http_and_at_most_2048_characters(make_challenge, make_user, url):
    """RELIABILITY #24: URL fields take absolute http(s) only."""
    challenge, user = make_challenge("active"), make_user()
    for field in ("image_url", "external_url"):
        with pytest.raises(ValidationFailed) as raised:
            submit(challenge, user, **{field: url, "image_alt_text": "alt"})
        assert field in raised.value.errors


def test_urls_up_to_2048_characters_are_accepted(make_challenge, make_user):
    challenge, user = make_challenge("active"), make_user()
    url = "https://example.com/" + "a" * (2048 - len("https://example.com/"))
    entry = submit(challenge, user, image_url=url, external_url="http://example.com/plain")
    assert entry.image_url == url


def test_alt_text_is_required_when_an_image_is_given(make_challenge, make_user):
    challenge, user = make_challenge("active"), make_user()
    with pytest.raises(ValidationFailed) as raised:
        submit(challenge, user, image_alt_text="")
    assert "image_alt_text" in raised.value.errors


def test_prompt_used_and_tool_used_are_optional_and_kept(make_challenge, make_user):
    challenge, user = make_challenge("active"), make_user()
    entry = submit(challenge, user, prompt_used="a castle of clouds", tool_used="Midjourney v7")
    assert (entry.prompt_used, entry.tool_used) == ("a castle of clouds", "Midjourney v7")


def test_one_submission_per_challenge_user_and_project(make_challenge, make_user, make_project):
    challenge, user = make_challenge("active"), make_user()
    project = make_project(user)
    submit(challenge, user, project_id=project.id)
    with pytest.raises(DuplicateProjectEntry):
        submit(challenge, user, title="Again", project_id=project.id)


def test_the_author_can_edit_until_the_submission_deadline(frozen_clock, make_challenge, make_user):
    challenge, user = make_challenge("active"), make_user()
    entry = submit(challenge, user)
    commit_with_retry(lambda: edit_entry(entry.id, user, entry_input(title="Better"), utcnow()))
    assert entry.title == "Better"
    frozen_clock.set(challenge.submission_deadline)
    with pytest.raises(EditingClosed):
        edit_entry(entry.id, user, entry_input(title="Too late"), utcnow())
    with pytest.raises(EditingClosed):
        withdraw_entry(entry.id, user, utcnow())


def test_only_the_author_can_edit_or_withdraw(make_challenge, make_user):
    challenge, author, other = make_challenge("active"), make_user(), make_user()
    entry = submit(challenge, author)
    with pytest.raises(NotYourEntry):
        edit_entry(entry.id, other, entry_input(title="Mine now"), utcnow())
    with pytest.raises(NotYourEntry):
        withdraw_entry(entry.id, other, utcnow())


def test_withdrawing_removes_its_votes_from_the_leaderboard(make_challenge, make_user,
                                                            redis_client):
    challenge, author, voter = make_challenge("active"), make_user(), make_user()
    keep = submit(challenge, author, title="Keep")
    gone = submit(challenge, author, title="Gone")
    vote(keep, voter)
    vote(gone, voter)
    from challenges.leaderboard.live import board_for_page

    board_for_page(challenge, None, utcnow())  # builds the board in Redis
    assert redis_board(redis_client, challenge) == {author.id: 2.0}
    commit_with_retry(lambda: withdraw_entry(gone.id, author, utcnow()))
    assert redis_board(redis_client, challenge) == {author.id: 1.0}
    commit_with_retry(lambda: withdraw_entry(keep.id, author, utcnow()))
    assert redis_board(redis_client, challenge) == {}


def test_editors_may_feature_an_entry_at_any_time(frozen_clock, make_challenge, make_user):
    challenge, author = make_challenge("active"), make_user()
    editor = make_user(role=Role.EDITOR)
    entry = submit(challenge, author)
    frozen_clock.advance(days=30)  # long after the challenge ended
    commit_with_retry(lambda: set_featured(entry.id, editor, True, utcnow()))
    assert entry.is_featured


def test_only_editors_may_feature_or_disqualify(make_challenge, make_user):
    challenge, author, member = make_challenge("active"), make_user(), make_user()
    entry = submit(challenge, author)
    with pytest.raises(EditorOnlyAction):
        set_featured(entry.id, member, True, utcnow())
    with pytest.raises(EditorOnlyAction):
        disqualify_entry(entry.id, member, "spam", utcnow())


def test_disqualifying_needs_a_reason(make_challenge, make_user):
    challenge, author, editor = make_challenge("active"), make_user(), make_user(role=Role.EDITOR)
    entry = submit(challenge, author)
    with pytest.raises(ValidationFailed):
        disqualify_entry(entry.id, editor, "   ", utcnow())


def test_disqualified_entries_leave_every_ranking_and_their_votes_stop_counting(
    make_challenge, make_user, redis_client
):
    """RELIABILITY #7: what covers vote-ring abuse today (vote weights, disqualification
    recomputes)."""
    challenge, author, voter = make_challenge("active"), make_user(), make_user()
    editor = make_user(role=Role.EDITOR)
    entry = submit(challenge, author)
    vote(entry, voter)
    from challenges.leaderboard.live import board_for_page

    board_for_page(challenge, None, utcnow())
    assert redis_board(redis_client, challenge) == {author.id: 1.0}
    commit_with_retry(lambda: disqualify_entry(entry.id, editor, "Not original work", utcnow()))
    assert redis_board(redis_client, challenge) == {}
    assert entry.disqualification_reason == "Not original work"
    db.session.expire_all()
    assert challenge.submission_count == 0 and challenge.participant_count == 0
