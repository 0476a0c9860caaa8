"""SPEC §10: personal API tokens are created on the account page and shown once, stored only as a
hash, work as ``Authorization: Bearer`` for the API, stop working when revoked, and never open
the admin or the HTML pages."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select, text

from challenges.extensions import db
from challenges.models import ApiToken, ChallengeSubmission, ChallengeVote, Role

from ..core.helpers import submit
from .conftest import assert_error, bearer

NEW_TOKEN = re.compile(r'data-testid="new-token">(wc_[A-Za-z0-9_-]+)<')
ENTRY = {"title": "By token", "external_url": "https://example.com/work"}


def create_on_account_page(client, name: str = "my script") -> str:
    response = client.post_form("/account/tokens", {"name": name})
    assert response.status_code == 200
    match = NEW_TOKEN.search(response.get_data(as_text=True))
    assert match, "the new token is shown on the page"
    return match.group(1)


def every_stored_value() -> list[str]:
    """Every value of every row of api_tokens, as text (whatever the columns are)."""
    rows = db.session.execute(text("SELECT * FROM api_tokens")).all()
    return [str(value) for row in rows for value in row]


def test_a_token_is_shown_once_and_only_its_hash_is_stored(client, make_user, login):
    member = make_user()
    login(client, member)
    raw = create_on_account_page(client)

    listing = client.get("/account/tokens").get_data(as_text=True)
    assert raw not in listing, "shown only once"
    assert "my script" in listing and raw[:10] in listing  # its name and prefix tell it apart

    stored = db.session.scalars(select(ApiToken)).one()
    assert stored.user_id == member.id and stored.name == "my script"
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    values = every_stored_value()
    assert not any(raw in value for value in values), "never stored in clear"
    assert not any(raw[10:] in value for value in values), "not even the secret part"


def test_a_token_works_for_submit_vote_and_my_submissions(client, make_user, make_challenge,
                                                          login):
    challenge = make_challenge("active")
    member, other = make_user(), make_user()
    login(client, member)
    raw = create_on_account_page(client)
    theirs = submit(challenge, other)

    api = client.application.test_client()  # no session: the token alone
    created = api.post(f"/api/challenges/{challenge.slug}/submit/", json=ENTRY,
                       headers=bearer(raw))
    assert created.status_code == 201, created.get_json()
    voted = api.post(f"/api/challenges/{challenge.slug}/vote/{theirs.id}/", headers=bearer(raw))
    assert voted.status_code == 200 and voted.get_json()["voted"] is True
    mine = api.get(f"/api/challenges/{challenge.slug}/my-submissions/", headers=bearer(raw))
    assert [e["title"] for e in mine.get_json()["results"]] == ["By token"]

    db.session.expire_all()
    entry = db.session.scalars(select(ChallengeSubmission).where(
        ChallengeSubmission.user_id == member.id)).one()
    assert entry.title == "By token"
    assert db.session.scalars(select(ChallengeVote.voter_id)).all() == [member.id]
    assert db.session.scalars(select(ApiToken)).one().last_used_at is not None


def test_a_revoked_token_is_refused_with_a_401(client, make_user, make_challenge, login):
    challenge = make_challenge("active")
    member = make_user()
    login(client, member)
    raw = create_on_account_page(client)
    url = f"/api/challenges/{challenge.slug}/my-submissions/"
    api = client.application.test_client()
    assert api.get(url, headers=bearer(raw)).status_code == 200

    token = db.session.scalars(select(ApiToken)).one()
    response = client.post_form(f"/account/tokens/{token.id}/revoke")
    assert response.status_code == 302

    for request in (lambda: api.get(url, headers=bearer(raw)),
                    lambda: api.get("/api/challenges/", headers=bearer(raw)),
                    lambda: api.post(f"/api/challenges/{challenge.slug}/submit/", json=ENTRY,
                                     headers=bearer(raw))):
        refused = request()
        assert_error(refused, 401, "invalid_token")
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert db.session.scalar(select(ChallengeSubmission.id)) is None
    assert raw not in client.get("/account/tokens").get_data(as_text=True)


def test_a_member_cannot_revoke_someone_elses_token(client, make_user, make_token, login):
    owner, intruder = make_user(), make_user()
    raw = make_token(owner)
    token = db.session.scalars(select(ApiToken)).one()
    login(client, intruder)
    assert client.post_form(f"/account/tokens/{token.id}/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None
    assert client.get("/api/challenges/", headers=bearer(raw)).status_code == 200


@pytest.mark.parametrize("path", ["/admin/", "/admin/challenges/", "/admin/challenges/new/",
                                  "/admin/users/"])
def test_an_editors_token_never_opens_the_admin(client, make_user, make_token, path):
    """RELIABILITY #10: an editor's API token is no key to the admin."""
    editor = make_user(role=Role.EDITOR)
    response = client.get(path, headers=bearer(make_token(editor)))
    assert response.status_code != 200
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]


def test_an_editors_token_cannot_post_to_the_admin(client, make_user, make_token):
    editor = make_user(role=Role.EDITOR)
    response = client.post("/admin/challenges/new/", data={"title": "x"},
                           headers=bearer(make_token(editor)))
    assert response.status_code in (302, 400)  # to the login page, or refused for want of CSRF
    from challenges.models import WeeklyChallenge

    assert db.session.scalar(select(WeeklyChallenge.id)) is None


@pytest.mark.parametrize("path", ["/account/tokens", "/me/submissions"])
def test_a_token_does_not_log_into_the_html_pages(client, make_user, make_token, path):
    response = client.get(path, headers=bearer(make_token(make_user())))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("header", [
    "Bearer", "Bearer ", "Bearer    ", "Basic dXNlcjpwYXNz", "Token wc_abc", "wc_abc", "",
    "Bearer wc_not-a-real-token", "Bearer not-even-prefixed", "Bearer " + "wc_" + "x" * 500,
    "Bearer wc_a wc_b",
])
def test_a_malformed_or_unknown_authorization_header_is_a_401(client, make_challenge, header):
    challenge = make_challenge("active")
    for method, url in (("get", "/api/challenges/"), ("get", "/api/challenges/current/"),
                        ("post", f"/api/challenges/{challenge.slug}/submit/")):
        response = getattr(client, method)(url, headers={"Authorization": header})
        error = assert_error(response, 401)
        assert error["code"] == "invalid_token"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_of_one_member_acts_as_that_member_only(client, make_user, make_challenge,
                                                        make_token):
    challenge = make_challenge("active")
    alice, bob = make_user(), make_user()
    submit(challenge, alice, title="Alice's")
    submit(challenge, bob, title="Bob's")
    url = f"/api/challenges/{challenge.slug}/my-submissions/"
    assert [e["title"] for e in client.get(url, headers=bearer(make_token(alice))).get_json()[
        "results"]] == ["Alice's"]
    assert [e["title"] for e in client.get(url, headers=bearer(make_token(bob))).get_json()[
        "results"]] == ["Bob's"]
