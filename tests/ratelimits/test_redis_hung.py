"""A hung Redis (stopped, or cut off: it accepts connections and never answers) costs a member's
login and vote one socket timeout in all: the limiter's connections share the app client's
breaker (``redisguard``), so whichever of them meets the hung Redis first rests it for both.
Before, the limiter waited out the timeout on its own and the app's client again: a vote click
took ~3 s on ``make run`` with Valkey stopped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from challenges.config import limiter_uri
from challenges.extensions import db, get_redis, limiter
from challenges.models import ChallengeVote
from challenges.redisguard import breaker_of, forget_failure
from tests.core.helpers import submit
from tests.poll14.test_redis_hung import HungRedis
from tests.support.factories import PASSWORD


@pytest.fixture
def hung() -> Iterator[HungRedis]:
    server = HungRedis()
    yield server
    server.close()


@pytest.fixture
def app_on_hung_redis(make_app: Any, hung: HungRedis) -> Iterator[Any]:
    url = f"redis://127.0.0.1:{hung.port}/0"
    other = make_app(REDIS_URL=url, RATELIMIT_STORAGE_URI=url)
    with other.app_context():
        yield other


def test_the_limiter_shares_the_app_clients_breaker(app_on_hung_redis):
    pool = limiter.storage.storage.connection_pool
    assert pool.connection_kwargs["breaker"] is breaker_of(get_redis())


def test_a_login_and_a_vote_wait_on_a_hung_redis_once_in_all(app_on_hung_redis, hung,
                                                             make_user, make_challenge):
    make_user("bob")
    entry = submit(make_challenge("active"), make_user())
    member = app_on_hung_redis.test_client()
    forget_failure()  # the setup (outside a request) found Redis hung: that pause is over
    breaker_of(get_redis()).seconds = 60  # a slow machine's login and vote stay in one pause
    before = hung.connections
    answer = member.post_form("/login", {"login": "bob", "password": PASSWORD})
    assert answer.status_code == 302
    voted = member.post(f"/challenges/{entry.challenge.slug}/submissions/{entry.id}/vote",
                        data={"csrf_token": member.csrf_token()}, headers={"HX-Request": "true"})
    assert voted.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(ChallengeVote)) == 1
    # Each wait on a hung Redis is a connection of its own (redis-py drops one that timed
    # out): one connection is one 1 s socket timeout in all, not one for each client.
    assert hung.connections - before == 1


def test_a_separate_limiter_redis_gets_a_breaker_of_its_own(make_app, hung):
    other = make_app(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{hung.port}/0")
    with other.app_context():
        breaker = limiter.storage.storage.connection_pool.connection_kwargs["breaker"]
        assert breaker is not breaker_of(get_redis())  # a failure of one Redis rests only it


def test_a_unix_socket_redis_is_shared_by_its_limiter_too(make_app, tmp_path):
    # make run's embedded Valkey is a Unix socket, which the limiter spells redis+unix://
    # (the default storage URI is limiter_uri(REDIS_URL), config.load_config).
    socket = f"{tmp_path}/valkey.sock"
    other = make_app(REDIS_URL=f"unix://{socket}",
                     RATELIMIT_STORAGE_URI=limiter_uri(f"unix://{socket}"))
    with other.app_context():
        pool = limiter.storage.storage.connection_pool
        assert pool.connection_kwargs["path"] == socket
        assert pool.connection_kwargs["breaker"] is breaker_of(get_redis())
