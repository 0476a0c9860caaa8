"""SPEC §2: a draft is invisible to everyone but editors on every API response; a draft and a
challenge that does not exist answer alike (404)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from challenges.extensions import db
from challenges.models import ChallengeSubmission, ChallengeVote, Role

from ..core.helpers import submit, vote
from .conftest import assert_error, bearer

STATUS_FILTERS = [None, "upcoming", "active", "voting", "completed"]


@pytest.fixture
def world(make_challenge, make_user, make_token):
    """A draft (in its active window, with entries and a vote) beside a published challenge."""
    author, voter, member = make_user(), make_user(), make_user()
    editor = make_user(role=Role.EDITOR)
    draft = make_challenge("active", title="Secret draft", slug="secret-draft")
    entry = submit(draft, author, title="Hidden entry")
    vote(entry, voter)
    draft.status = "draft"  # entries exist only because it was published once; now hidden again
    cancelled = make_challenge("voting", status="cancelled", slug="cancelled-one")
    public = make_challenge("active", slug="public-one")
    submit(public, author, title="Visible entry")
    db.session.commit()
    return {
        "draft": draft, "cancelled": cancelled, "public": public, "entry": entry,
        "author": author, "voter": voter, "editor": editor,
        "callers": {
            "anonymous": {},
            "member": bearer(make_token(member)),
            "author": bearer(make_token(author)),
            "voter": bearer(make_token(voter)),
        },
        "editor_auth": bearer(make_token(editor)),
    }


def leaks(response, *secrets: str) -> bool:
    text = json.dumps(response.get_json())
    return any(secret in text for secret in secrets)


def test_drafts_are_absent_from_every_list_for_non_editors(client, world):
    """RELIABILITY #13: drafts are 404 and absent for non-editors."""
    secrets = ("secret-draft", "Secret draft", "cancelled-one", str(world["draft"].id))
    for name, headers in world["callers"].items():
        for status in STATUS_FILTERS:
            query = {"status": status} if status else {}
            response = client.get("/api/challenges/", query_string=query, headers=headers)
            assert response.status_code == 200, (name, status)
            assert not leaks(response, *secrets), (name, status, response.get_json())
        everything = client.get("/api/challenges/", headers=headers).get_json()["results"]
        assert [c["slug"] for c in everything] == ["public-one"], name


def test_a_draft_is_never_current(client, world):
    db.session.delete(world["public"].submissions[0])
    world["public"].status = "draft"
    db.session.commit()
    for headers in {**world["callers"], "editor": world["editor_auth"]}.values():
        assert_error(client.get("/api/challenges/current/", headers=headers), 404,
                     "no_active_challenge")


@pytest.mark.parametrize("path", ["", "submissions/", "submissions/?sort=newest",
                                  "submissions/?sort=featured", "leaderboard/", "my-submissions/"])
def test_a_drafts_pages_are_404_for_non_editors(client, world, path):
    """RELIABILITY #13: drafts are 404 and absent for non-editors."""
    for slug in ("secret-draft", "cancelled-one"):
        for name, headers in world["callers"].items():
            response = client.get(f"/api/challenges/{slug}/{path}", headers=headers)
            if path == "my-submissions/" and name == "anonymous":
                assert_error(response, 401)  # who you are is asked first
                continue
            error = assert_error(response, 404, "not_found")
            assert error["message"] == "No such challenge.", (slug, name, path)
            assert not leaks(response, "Hidden entry", "Secret draft")


def test_a_draft_answers_exactly_like_a_missing_challenge(client, world):
    headers = world["callers"]["member"]
    draft = client.get("/api/challenges/secret-draft/", headers=headers)
    missing = client.get("/api/challenges/no-such-thing/", headers=headers)
    assert (draft.status_code, draft.get_json()) == (missing.status_code, missing.get_json())


def test_votes_and_entries_on_a_draft_are_404_and_change_nothing(client, world):
    entry = world["entry"]
    votes_before = db.session.scalar(select(func.count()).select_from(ChallengeVote))
    for name in ("member", "author"):
        headers = world["callers"][name]
        for method in ("post", "delete"):
            response = getattr(client, method)(
                f"/api/challenges/secret-draft/vote/{entry.id}/", headers=headers)
            assert_error(response, 404)
        response = client.post("/api/challenges/secret-draft/submit/", headers=headers,
                               json={"title": "x", "external_url": "https://example.com"})
        assert_error(response, 404)
    # The voter who voted before it became a draft cannot withdraw it either.
    assert_error(client.delete(f"/api/challenges/secret-draft/vote/{entry.id}/",
                               headers=world["callers"]["voter"]), 404)
    # Nor reach the draft's entry through a published challenge's URL.
    assert_error(client.post(f"/api/challenges/public-one/vote/{entry.id}/",
                             headers=world["callers"]["member"]), 404)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ChallengeVote)) == votes_before
    assert db.session.scalar(select(func.count()).select_from(ChallengeSubmission).where(
        ChallengeSubmission.challenge_id == world["draft"].id)) == 1


def test_the_draft_entries_never_appear_in_a_published_challenges_lists(client, world):
    for headers in world["callers"].values():
        for path in ("submissions/", "submissions/?sort=newest", "leaderboard/"):
            response = client.get(f"/api/challenges/public-one/{path}", headers=headers)
            assert response.status_code == 200
            assert not leaks(response, "Hidden entry")


def test_editors_see_a_draft_in_detail(client, world):
    headers = world["editor_auth"]
    detail = client.get("/api/challenges/secret-draft/", headers=headers)
    assert detail.status_code == 200
    body = detail.get_json()
    assert body["slug"] == "secret-draft" and body["status"] == "draft"
    assert client.get("/api/challenges/cancelled-one/", headers=headers).get_json()[
        "status"] == "cancelled"
    gallery = client.get("/api/challenges/secret-draft/submissions/", headers=headers)
    assert [e["title"] for e in gallery.get_json()["results"]] == ["Hidden entry"]
    assert client.get("/api/challenges/secret-draft/leaderboard/", headers=headers).status_code \
        == 200


def test_editors_see_drafts_by_session_too(client, world, login):
    login(client, world["editor"])
    assert client.get("/api/challenges/secret-draft/").get_json()["status"] == "draft"
    assert_error(client.application.test_client().get("/api/challenges/secret-draft/"), 404)
