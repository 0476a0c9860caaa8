"""Factories for test data, as fixtures (a pytest plugin loaded by conftest)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from challenges import clock
from challenges.extensions import db
from challenges.models import ChallengeSponsor, Project, Role, User, WeeklyChallenge
from challenges.services.accounts import hash_password
from challenges.services.challenges import prepare_challenge

PASSWORD = "correct horse battery"
_HASH: str | None = None
_counter = itertools.count(1)

DAY = timedelta(days=1)
# (starts_at, submission_deadline, voting_deadline) offsets from "now" for each phase.
SCHEDULES = {
    "upcoming": (1 * DAY, 4 * DAY, 6 * DAY),
    "active": (-1 * DAY, 2 * DAY, 4 * DAY),
    "voting": (-5 * DAY, -1 * DAY, 1 * DAY),
    "completed": (-10 * DAY, -5 * DAY, -3 * DAY),
}


def _password_hash() -> str:
    global _HASH
    if _HASH is None:  # Argon2 is deliberately slow; hash the shared test password once
        _HASH = hash_password(PASSWORD)
    return _HASH


def create_user(username: str | None = None, role: Role = Role.MEMBER, **fields: Any) -> User:
    """A member (or ``role``) with the shared test password. Verified unless the test says
    ``is_verified=False``, and two days old unless it gives ``created_at``, so a test's votes
    count the full ``VERIFIED_VOTE_WEIGHT`` (SPEC §4: verified and older than 24 h)."""
    n = next(_counter)
    fields.setdefault("is_verified", True)
    fields.setdefault("created_at", clock.utcnow() - 2 * DAY)
    username = username or f"member{n}"
    user = User(
        username=username,
        email=fields.pop("email", f"{username}@example.com"),
        password_hash=_password_hash(),
        role=role.value,
        **fields,
    )
    db.session.add(user)
    db.session.commit()
    return user


def create_challenge(
    phase: str = "active",
    *,
    now: datetime | None = None,
    status: str | None = None,
    **fields: Any,
) -> WeeklyChallenge:
    """A challenge whose schedule puts it in ``phase`` at ``now`` (the app clock by default)."""
    now = now or clock.utcnow()
    start, submit, vote = SCHEDULES[phase if phase in SCHEDULES else "upcoming"]
    n = next(_counter)
    values: dict[str, Any] = {
        "title": f"Challenge {n}",
        "slug": f"challenge-{n}",
        "description": "A test challenge.",
        "prompt": "Make something.",
        "starts_at": now + start,
        "submission_deadline": now + submit,
        "voting_deadline": now + vote,
        "ends_at": now + vote,
        "status": status or (phase if phase in SCHEDULES else phase),
        "require_project_link": False,
        "week_number": 0,
        "year": 0,
    }
    values.update(fields)
    challenge = WeeklyChallenge(**values)
    prepare_challenge(challenge)
    db.session.add(challenge)
    db.session.commit()
    return challenge


def create_sponsor(**fields: Any) -> ChallengeSponsor:
    n = next(_counter)
    sponsor = ChallengeSponsor(
        name=fields.pop("name", f"Sponsor {n}"),
        slug=fields.pop("slug", f"sponsor-{n}"),
        logo_url=fields.pop("logo_url", "https://sponsor.example/logo.png"),
        website_url=fields.pop("website_url", "https://sponsor.example"),
        **fields,
    )
    db.session.add(sponsor)
    db.session.commit()
    return sponsor


def create_project(owner: User, **fields: Any) -> Project:
    project = Project(owner=owner, title=fields.pop("title", "My project"), **fields)
    db.session.add(project)
    db.session.commit()
    return project


@pytest.fixture
def make_user() -> Callable[..., User]:
    return create_user


@pytest.fixture
def make_challenge() -> Callable[..., WeeklyChallenge]:
    return create_challenge


@pytest.fixture
def make_sponsor() -> Callable[..., ChallengeSponsor]:
    return create_sponsor


@pytest.fixture
def make_project() -> Callable[..., Project]:
    return create_project


@pytest.fixture
def login() -> Callable[..., Any]:
    """Log ``user`` in through the real login form."""

    def _login(client: Any, user: User, remember: bool = False) -> Any:
        data = {"login": user.username, "password": PASSWORD}
        if remember:
            data["remember"] = "y"
        response = client.post_form("/login", data)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return _login
