"""SPEC §10: ``GET /api/challenges/current/`` answers exactly the plan's example response, key by
key and type by type; with no challenge open it is a 404 in the API's error shape."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from challenges.models import Role

from ..core.helpers import submit, vote
from .conftest import assert_error, bearer

# The plan's "Response Examples" for GET /api/challenges/current/, verbatim (the contract).
PLAN_EXAMPLE: dict[str, Any] = {
    "id": "uuid",
    "title": "AI Art Week: Dreamscapes",
    "slug": "ai-art-week-dreamscapes",
    "prompt": "Create a surreal dreamscape using your favorite AI image generator...",
    "status": "active",
    "starts_at": "2024-12-02T00:00:00Z",
    "submission_deadline": "2024-12-06T23:59:59Z",
    "ends_at": "2024-12-08T23:59:59Z",
    "sponsor": {
        "name": "Midjourney",
        "logo_url": "https://...",
        "website_url": "https://midjourney.com",
    },
    "prizes": {
        "1st": {"type": "cash", "amount": 100, "currency": "USD"},
        "2nd": {"type": "tokens", "amount": 500000},
        "participation": {"type": "tokens", "amount": 10000},
    },
    "stats": {
        "submission_count": 47,
        "participant_count": 35,
        "time_remaining": "3d 4h 22m",
    },
    "user_status": {
        "has_submitted": True,
        "submission_count": 2,
        "can_submit_more": True,
        "votes_cast": 12,
    },
}
TIMESTAMPS = ("starts_at", "submission_deadline", "ends_at")
ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
TIME_REMAINING = re.compile(r"^(\d+d )?(\d+h )?\d+m$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def shape(value: Any) -> Any:
    """The keys and JSON types of ``value``, recursively (what a client's parser relies on)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return type(value).__name__


def assert_matches_plan(body: dict[str, Any], *, user_status: bool) -> None:
    expected = dict(PLAN_EXAMPLE)
    if not user_status:
        expected["user_status"] = None
    assert set(body) == set(expected), "exactly the plan's keys, no more, no fewer"
    for key, example in expected.items():
        assert shape(body[key]) == shape(example), (key, body[key], example)
    assert UUID_RE.fullmatch(body["id"])
    for key in TIMESTAMPS:
        assert ISO_Z.fullmatch(body[key]), (key, body[key])
        assert datetime.fromisoformat(body[key]).utcoffset() == timedelta(0)
    assert TIME_REMAINING.fullmatch(body["stats"]["time_remaining"]), body["stats"]


@pytest.fixture
def current(make_challenge, make_sponsor, frozen_clock):
    """The plan's challenge: sponsored, with its prizes, 3d 4h 22m (and some seconds) to go."""
    now = frozen_clock.now
    return make_challenge(
        "active",
        title="AI Art Week: Dreamscapes",
        slug="ai-art-week-dreamscapes",
        prompt="Create a surreal dreamscape using your favorite AI image generator...",
        starts_at=now - timedelta(days=1),
        submission_deadline=now + timedelta(days=3, hours=4, minutes=22, seconds=40),
        voting_deadline=now + timedelta(days=5),
        ends_at=now + timedelta(days=5),
        sponsor=make_sponsor(name="Midjourney", website_url="https://midjourney.com"),
        prizes=PLAN_EXAMPLE["prizes"],
    )


def test_current_challenge_for_a_visitor_has_the_plans_shape_and_null_user_status(client, current):
    response = client.get("/api/challenges/current/")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert_matches_plan(body, user_status=False)
    assert body["user_status"] is None
    assert body["stats"]["time_remaining"] == "3d 4h 22m"
    assert body["slug"] == "ai-art-week-dreamscapes" and body["status"] == "active"
    assert body["sponsor"] == {"name": "Midjourney",
                               "logo_url": "https://sponsor.example/logo.png",
                               "website_url": "https://midjourney.com"}
    assert body["prizes"] == PLAN_EXAMPLE["prizes"]
    assert body["submission_deadline"] == current.submission_deadline.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_current_challenge_for_a_member_carries_their_status(client, current, make_user,
                                                             make_token, login):
    member, other = make_user(), make_user()
    submit(current, member, title="One")
    submit(current, member, title="Two")
    theirs = submit(current, other, title="Theirs")
    vote(theirs, member)
    expected_status = {"has_submitted": True, "submission_count": 2, "can_submit_more": True,
                       "votes_cast": 1}

    by_token = client.get("/api/challenges/current/", headers=bearer(make_token(member)))
    assert by_token.status_code == 200
    assert_matches_plan(by_token.get_json(), user_status=True)
    assert by_token.get_json()["user_status"] == expected_status
    assert by_token.get_json()["stats"]["submission_count"] == 3
    assert by_token.get_json()["stats"]["participant_count"] == 2

    login(client, member)
    by_session = client.get("/api/challenges/current/")
    assert_matches_plan(by_session.get_json(), user_status=True)
    assert by_session.get_json()["user_status"] == expected_status


def test_user_status_says_when_the_member_can_submit_no_more(client, current, make_user,
                                                             make_token):
    member = make_user()
    for n in range(current.max_submissions_per_user):
        submit(current, member, title=f"Entry {n}")
    body = client.get("/api/challenges/current/", headers=bearer(make_token(member))).get_json()
    assert body["user_status"]["can_submit_more"] is False
    assert body["user_status"]["submission_count"] == current.max_submissions_per_user


def test_an_unsponsored_challenge_has_a_null_sponsor(client, make_challenge):
    make_challenge("active")
    body = client.get("/api/challenges/current/").get_json()
    assert body["sponsor"] is None
    assert set(body) == set(PLAN_EXAMPLE)


@pytest.mark.parametrize("minutes, expected", [
    (0.5, "0m"), (59, "59m"), (60, "1h 0m"), (25 * 60 + 1, "1d 1h 1m"), (24 * 60, "1d 0h 0m"),
])
def test_time_remaining_reads_like_the_plan(client, make_challenge, frozen_clock, minutes,
                                            expected):
    now = frozen_clock.now
    make_challenge("active", submission_deadline=now + timedelta(minutes=minutes))
    remaining = client.get("/api/challenges/current/").get_json()["stats"]["time_remaining"]
    assert remaining == expected
    assert TIME_REMAINING.fullmatch(remaining)


def test_no_active_challenge_is_a_404_with_a_clear_message(client, make_challenge):
    make_challenge("upcoming")
    make_challenge("voting")
    make_challenge("completed")
    response = client.get("/api/challenges/current/")
    error = assert_error(response, 404, "no_active_challenge")
    assert "no challenge is open" in error["message"].lower()


def test_a_draft_is_never_the_current_challenge_even_for_editors(client, make_challenge,
                                                                 make_user, make_token):
    make_challenge("active", status="draft")
    editor = make_user(role=Role.EDITOR)
    assert_error(client.get("/api/challenges/current/"), 404, "no_active_challenge")
    assert_error(client.get("/api/challenges/current/", headers=bearer(make_token(editor))),
                 404, "no_active_challenge")
