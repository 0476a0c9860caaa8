"""RELIABILITY #12: fields a form does not have (score=999, status=approved, user_id=...,
role=editor, counters, flags) are ignored: the forms bind only their own fields, and the
services take plain values. The JSON API refuses them with a 422
(tests/api/test_bad_input.py::test_unknown_fields_are_a_422)."""

from __future__ import annotations

from sqlalchemy import select

from challenges.extensions import db
from challenges.models import ChallengeSubmission, Project, User

SMUGGLED = {
    "score": "999", "vote_count": "999", "counted_votes": "999", "status": "approved",
    "is_featured": "y", "is_disqualified": "y", "is_withdrawn": "y", "final_rank": "1",
    "slot": "9", "entry_number": "99", "role": "editor", "is_verified": "y",
    "points_balance": "999", "tokens_balance": "999",
}


def test_extra_fields_on_the_submit_and_edit_forms_are_ignored(client, login, make_challenge,
                                                                make_user):
    """RELIABILITY #12: an entry is the author's, with zero votes, whatever else was posted."""
    challenge, member, other = make_challenge("active"), make_user(), make_user()
    login(client, member)
    smuggled = {**SMUGGLED, "user_id": str(other.id), "challenge_id": "x", "id": "x"}
    data = {"title": "Mine", "image_url": "https://img.example/x.png", "image_alt_text": "X",
            **smuggled}
    assert client.post_form(f"/challenges/{challenge.slug}/submit", data).status_code == 302
    entry = db.session.scalar(select(ChallengeSubmission))
    url = f"/challenges/{challenge.slug}/submissions/{entry.id}/edit"
    assert client.post_form(url, {**data, "title": "Mine, edited"}).status_code == 302

    db.session.expire_all()
    entry = db.session.scalar(select(ChallengeSubmission))
    assert (entry.title, entry.user_id, entry.challenge_id) == ("Mine, edited", member.id,
                                                                challenge.id)
    assert (entry.vote_count, entry.counted_votes, entry.final_rank) == (0, 0, None)
    assert not (entry.is_featured or entry.is_disqualified or entry.is_withdrawn)
    assert (entry.slot, entry.entry_number) == (1, 1)
    db.session.refresh(member)
    assert member.role == "member" and member.points_balance == 50  # the submit reward only


def test_extra_fields_on_the_account_forms_are_ignored(client, login, make_user):
    """RELIABILITY #12: registering or changing a password never sets a role, a balance or
    the verified flag."""
    data = {"username": "mallory", "email": "mallory@example.com",
            "password": "correct horse battery", "confirm": "correct horse battery", **SMUGGLED}
    response = client.post_form("/register", data)
    assert response.status_code in (200, 302), response.status_code
    created = db.session.scalar(select(User).where(User.username == "mallory"))
    assert created is not None
    assert (created.role, created.is_verified, created.points_balance,
            created.tokens_balance) == ("member", False, 0, 0)

    member = make_user()
    login(client, member)
    client.post_form("/account/password", {
        "current_password": "correct horse battery", "new_password": "another long passphrase",
        "confirm": "another long passphrase", **SMUGGLED})
    db.session.expire_all()
    assert db.session.get(User, member.id).role == "member"


def test_extra_fields_on_the_project_form_are_ignored(client, login, make_user):
    """RELIABILITY #12: a project belongs to whoever created it, whatever ``owner_id`` says."""
    member, other = make_user(), make_user()
    login(client, member)
    data = {"title": "Portfolio", "url": "https://work.example/", "owner_id": str(other.id),
            "user_id": str(other.id), "owner": str(other.id), **SMUGGLED}
    assert client.post_form("/me/projects/new", data).status_code == 302
    project = db.session.scalar(select(Project))
    assert project.owner_id == member.id
