"""Votes and unvotes are limited per member, one bucket for the vote button and the API, counted
before the vote is written (issue #10: 201 toggles in 1.2 s went through; RELIABILITY #8)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from challenges.extensions import db
from challenges.models import ChallengeVote
from challenges.ratelimits.rules import VOTE_LIMIT_MESSAGE
from tests.core.helpers import submit

LIMIT = 20


@pytest.fixture(autouse=True)
def _tight_vote_limit(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "VOTE_RATE_LIMIT", f"{LIMIT} per minute")


@pytest.fixture
def entry(make_challenge: Any, make_user: Any) -> Any:
    return submit(make_challenge("active"), make_user())


def page_url(entry: Any, action: str) -> str:
    return f"/challenges/{entry.challenge.slug}/submissions/{entry.id}/{action}"


def api_url(entry: Any) -> str:
    return f"/api/challenges/{entry.challenge.slug}/vote/{entry.id}/"


def toggle(client: Any, entry: Any, n: int, token: str, htmx: bool = True) -> int:
    """Vote on even turns and take it back on odd ones, as a member clicking the button."""
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(page_url(entry, "unvote" if n % 2 else "vote"),
                           data={"csrf_token": token}, headers=headers)
    return response.status_code


def test_150_vote_toggles_get_429s_and_exactly_the_limit_goes_through(client, login, make_user,
                                                                       entry):
    """RELIABILITY #8."""
    voter = make_user()
    login(client, voter)
    token = client.csrf_token()

    statuses = [toggle(client, entry, n, token) for n in range(150)]

    assert statuses.count(200) == LIMIT
    assert statuses.count(429) == 150 - LIMIT
    assert statuses[:LIMIT] == [200] * LIMIT  # counted up front: nothing slips in later
    votes = db.session.scalar(select(func.count()).select_from(ChallengeVote))
    assert votes == 0  # 20 toggles: vote, unvote, ... ends unvoted


def test_api_votes_share_the_bucket_with_the_vote_button(client, login, make_user, entry):
    """RELIABILITY #8."""
    login(client, make_user())
    token = client.csrf_token()
    page = [toggle(client, entry, n, token) for n in range(LIMIT // 2)]
    api_headers = {"X-CSRFToken": token}

    api = []
    for n in range(LIMIT):
        method = client.delete if n % 2 else client.post
        api.append(method(api_url(entry), headers=api_headers).status_code)

    assert page == [200] * (LIMIT // 2)
    assert api == [200] * (LIMIT // 2) + [429] * (LIMIT // 2)
    refused = client.post(api_url(entry), headers=api_headers)
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    assert toggle(client, entry, 0, token) == 429  # and the button is out of votes too


def test_the_vote_limit_counts_per_member(app, client, login, make_user, entry):
    login(client, make_user())
    token = client.csrf_token()
    for n in range(LIMIT):
        assert toggle(client, entry, n, token) == 200
    assert toggle(client, entry, LIMIT, token) == 429

    other = app.test_client()
    login(other, make_user())
    assert toggle(other, entry, 0, other.csrf_token()) == 200


def test_a_refused_htmx_vote_shows_why_on_a_button_that_still_works(client, login, make_user,
                                                                      entry):
    login(client, make_user())
    token = client.csrf_token()
    for n in range(LIMIT):
        toggle(client, entry, n, token)

    response = client.post(page_url(entry, "vote"), data={"csrf_token": token},
                           headers={"HX-Request": "true"})

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "HX-Request" in response.headers["Vary"]
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<form class="vote-form"')  # the widget alone, swapped in
    assert VOTE_LIMIT_MESSAGE.replace("'", "&#39;") in body
    assert 'role="alert"' in body
    assert "disabled" not in body.split("<button", 1)[1].split(">", 1)[0]  # usable afterwards
    assert "Traceback" not in body


def test_a_refused_vote_without_javascript_is_a_429_page_saying_why(client, login, make_user,
                                                                     entry):
    login(client, make_user())
    token = client.csrf_token()
    for n in range(LIMIT):
        toggle(client, entry, n, token, htmx=False)

    response = client.post(page_url(entry, "vote"), data={"csrf_token": token})

    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert int(response.headers["Retry-After"]) > 0
    assert VOTE_LIMIT_MESSAGE.replace("'", "&#39;") in response.get_data(as_text=True)


def test_the_page_lets_htmx_swap_a_429(client):
    """The vote button's 429 is a widget to swap in (htmx leaves other 4xx alone)."""
    page = client.get("/").get_data(as_text=True)
    assert '{"code": "(422|409|429)", "swap": true}' in page


def _commands(client: Any, name: str) -> int:
    """How many ``name`` commands the Redis server has run (INFO commandstats)."""
    return int(client.info("commandstats").get(f"cmdstat_{name}", {}).get("calls", 0))


def test_a_vote_let_through_does_not_read_its_limit_back(client, login, make_user, entry):
    """Issue #14: the limiter counts the vote (one script call) and that is all: no
    X-RateLimit-* headers, whose values cost every limited request a second read of its window
    (a TTL and a GET); a refusal still says when to come back (the tests above)."""
    from challenges.extensions import get_redis

    redis = get_redis()
    login(client, make_user())
    token = client.csrf_token()
    before = _commands(redis, "ttl")

    response = client.post(page_url(entry, "vote"), data={"csrf_token": token},
                           headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert not [name for name, _ in response.headers.items()
                if name.lower().startswith("x-ratelimit")]
    assert "Retry-After" not in response.headers
    assert _commands(redis, "ttl") == before
