"""Drafts stay hidden from members everywhere, their own lists included (RELIABILITY.md #13;
issue #10): a challenge put back to draft is not named on its entrants' "My submissions", and
an editor demoted while polling a draft board gets 404 on the very next poll."""

from __future__ import annotations

import html

import pytest

from challenges.extensions import db
from challenges.models import Role, WeeklyChallenge
from challenges.transactions import commit_with_retry

from ..core.helpers import submit


def _set_status(challenge: WeeklyChallenge, status: str) -> None:
    def work() -> None:
        db.session.get(WeeklyChallenge, challenge.id).status = status
    commit_with_retry(work)


def test_a_draft_challenge_is_not_named_on_its_entrants_my_submissions(
        client, make_user, make_challenge, login):
    """RELIABILITY #13."""
    hidden = make_challenge("active", title="Secret Project Falcon")
    shown = make_challenge("active", title="Public Prompt")
    member = make_user()
    submit(hidden, member, title="Entry in the hidden one")
    submit(shown, member, title="Entry in the public one")
    login(client, member)
    page = html.unescape(client.get("/me/submissions").get_data(as_text=True))
    assert "Secret Project Falcon" in page  # published: listed

    _set_status(hidden, "draft")
    page = html.unescape(client.get("/me/submissions").get_data(as_text=True))
    assert "Secret Project Falcon" not in page and "Entry in the hidden one" not in page
    assert "Public Prompt" in page and "Entry in the public one" in page


def editor_edits_role(editor_client, user, role: str) -> None:
    response = editor_client.post(f"/admin/users/edit/?id={user.id}", data={
        "role": role, "is_verified": "y", "sponsor": "__None",
        "csrf_token": editor_client.csrf_token()})
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[-2000:]


@pytest.mark.parametrize("how", ["admin", "cli"])
def test_a_demoted_editor_gets_404_on_the_next_poll_of_a_draft_board(
        app, client, make_user, make_challenge, login, runner, how):
    """RELIABILITY #13."""
    challenge = make_challenge("active", status="draft")
    poll = f"/challenges/{challenge.slug}/leaderboard/live"
    editor = make_user(role=Role.EDITOR)
    login(client, editor)
    assert client.get(f"/challenges/{challenge.slug}/").status_code == 200  # the page loads
    assert client.get(poll).status_code == 200

    if how == "admin":
        admin = app.test_client()
        login(admin, make_user(role=Role.EDITOR))
        editor_edits_role(admin, editor, "member")
    else:
        result = runner.invoke(args=["users", "role", editor.username, "member"])
        assert result.exit_code == 0, result.output
        assert f"@{editor.username} is now member" in result.output

    assert client.get(poll).status_code == 404  # no page load in between
    assert client.get(poll + "?v=0").status_code == 404
    assert client.get(f"/challenges/{challenge.slug}/").status_code == 404


def test_promoting_a_member_opens_draft_polls_without_a_page_load(
        app, client, make_user, make_challenge, login, runner):
    challenge = make_challenge("active", status="draft")
    poll = f"/challenges/{challenge.slug}/leaderboard/live"
    member = make_user()
    login(client, member)
    client.get("/")
    assert client.get(poll).status_code == 404
    assert runner.invoke(args=["users", "role", member.username, "editor"]).exit_code == 0
    assert client.get(poll).status_code == 200


def test_the_role_command_refuses_unknown_accounts_and_roles(runner, make_user):
    assert runner.invoke(args=["users", "role", "nobody-here", "member"]).exit_code != 0
    member = make_user()
    result = runner.invoke(args=["users", "role", member.username, "admin"])
    assert result.exit_code != 0
    db.session.rollback()
    assert db.session.get(type(member), member.id).role == "member"
