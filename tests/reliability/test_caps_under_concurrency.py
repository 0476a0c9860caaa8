"""The "at most N" caps hold when the creates arrive together: a member's projects
(``MAX_PROJECTS``), their live API tokens (``MAX_TOKENS``) and a sponsor's webhook endpoints
(``MAX_ENDPOINTS_PER_SPONSOR``). Each counts rows and then inserts, which no unique constraint
can hold; ``transactions.serialize_on`` makes concurrent creates of one owner count one at a
time. Found by a double-submit drill: eight creates at N - 1 left 201 projects, 22 tokens and
21 endpoints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from challenges.clock import utcnow
from challenges.errors import DomainError
from challenges.extensions import db
from challenges.models import ApiToken, Project, Role, User
from challenges.projects.service import MAX_PROJECTS, ProjectInput, create_project
from challenges.services.api_tokens import MAX_TOKENS, create_token
from challenges.transactions import commit_with_retry
from challenges.webhooks.models import WebhookEndpoint
from challenges.webhooks.service import (
    MAX_ENDPOINTS_PER_SPONSOR,
    EndpointInput,
    create_endpoint,
    new_secret,
)

from ..support.concurrency import run_concurrently

AT_ONCE = 8
ROUNDS = 3  # a race shows in most rounds without the lock; three make a miss unlikely


@dataclass(frozen=True)
class Cap:
    """One cap: how to fill an owner up to ``limit - 1``, create one more, and count."""

    limit: int
    fill: Callable[[User, int], None]
    create: Callable[[User], Any]
    count: Callable[[User], int]


def _fill_projects(owner: User, n: int) -> None:
    db.session.add_all(Project(owner_id=owner.id, title=f"Project {i}", created_at=utcnow())
                       for i in range(n))


def _fill_tokens(owner: User, n: int) -> None:
    for i in range(n):
        create_token(owner, f"token {i}", utcnow())


def _fill_endpoints(owner: User, n: int) -> None:
    db.session.add_all(
        WebhookEndpoint(owner_id=owner.id, sponsor_id=owner.sponsor_id, secret=new_secret(),
                        url=f"https://hooks.example/{i}", description="", event_types="",
                        enabled=True, consecutive_failures=0, disabled_reason="")
        for i in range(n))


def _count(model: Any, column: Any) -> Callable[[User], int]:
    return lambda owner: db.session.scalar(
        select(func.count()).select_from(model).where(column == owner.id)) or 0


CAPS = {
    "projects": Cap(
        MAX_PROJECTS, _fill_projects,
        lambda owner: create_project(owner, ProjectInput(title="One more"), utcnow()),
        _count(Project, Project.owner_id)),
    "api-tokens": Cap(
        MAX_TOKENS, _fill_tokens,
        lambda owner: create_token(owner, "one more", utcnow()),
        _count(ApiToken, ApiToken.user_id)),
    "webhook-endpoints": Cap(
        MAX_ENDPOINTS_PER_SPONSOR, _fill_endpoints,
        lambda owner: create_endpoint(owner, EndpointInput(
            url="http://127.0.0.1:9/hook", description="", events=["submission.created"]),
            sponsor_id=owner.sponsor_id),
        _count(WebhookEndpoint, WebhookEndpoint.owner_id)),
}


@pytest.mark.parametrize("name", list(CAPS))
def test_creates_arriving_together_never_pass_the_cap(app: Flask, monkeypatch, make_user,
                                                      make_sponsor, name: str) -> None:
    """Eight creates at once, one below the cap: one succeeds, seven are refused, and the
    owner ends at the cap, round after round."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)  # the endpoint's loopback URL
    cap = CAPS[name]
    for round_ in range(ROUNDS):
        owner = make_user(role=Role.SPONSOR, sponsor=make_sponsor())
        commit_with_retry(lambda owner=owner: cap.fill(owner, cap.limit - 1))
        owner_id = owner.id  # the threads load their own copy

        def attempt(_: int) -> str:
            me = db.session.get(User, owner_id)
            assert me is not None
            try:
                commit_with_retry(lambda: cap.create(me))
            except DomainError:  # the cap's refusal (ValidationFailed, Conflict, TooMany...)
                return "refused"
            return "created"

        outcomes = run_concurrently(app, attempt, AT_ONCE)
        assert sorted(outcomes) == ["created"] + ["refused"] * (AT_ONCE - 1), (round_, outcomes)
        assert cap.count(owner) == cap.limit, round_
