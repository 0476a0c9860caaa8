"""SPEC §10: the OpenAPI document tells the truth. Schemathesis generates requests from
/api/openapi.json and sends them to the app on a real port (real database, real Valkey), as a
visitor and with an API token: no 5xx, and every response is documented (status code, content
type, body schema, headers).

Path parameters mix what Hypothesis invents with the real slugs and entry ids of a seeded world
(an active challenge with entries, a voting one, a completed one, an upcoming one, a draft and a
cancelled one), so the happy paths run too, not only the 404s.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from challenges.api.openapi import openapi_document
from challenges.extensions import db, limiter

from ..core.helpers import submit, vote
from .conftest import bearer

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]


@dataclass
class Seed:
    slugs: list[str] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)  # (slug, entry id), some crossed


@pytest.fixture
def seed(make_challenge, make_user, make_sponsor, make_token) -> tuple[Seed, str]:
    """The world the generated requests land in, and the token of the member who calls."""
    member, others = make_user("caller"), [make_user() for _ in range(3)]
    active = make_challenge("active", slug="dreamscapes", sponsor=make_sponsor(),
                            prizes={"1st": {"type": "cash", "amount": 100, "currency": "USD"},
                                    "participation": {"type": "tokens", "amount": 10}})
    voting = make_challenge("active", slug="voting-now")
    completed = make_challenge("active", slug="all-done")
    draft = make_challenge("active", slug="secret-draft")
    entries: dict[str, list[Any]] = {}
    for challenge in (active, voting, completed, draft):
        made = [submit(challenge, user, title=f"{challenge.slug} by {user.username}")
                for user in (member, *others)]
        for voter in others[:2]:
            for entry in made:
                if entry.user_id != voter.id:
                    vote(entry, voter)
        entries[challenge.slug] = made
    # Move the schedules into their phases now that the entries exist.
    for challenge, days, phase in ((voting, 3, "voting"), (completed, 10, "completed")):
        for name in ("starts_at", "submission_deadline", "voting_deadline", "ends_at"):
            setattr(challenge, name, getattr(challenge, name) - timedelta(days=days))
        challenge.status = phase
    draft.status = "draft"
    make_challenge("upcoming", slug="coming-soon")
    make_challenge("voting", status="cancelled", slug="called-off")
    db.session.commit()
    world = Seed(slugs=["dreamscapes", "voting-now", "all-done", "secret-draft", "coming-soon",
                        "called-off"])
    for slug, made in entries.items():
        world.pairs += [(slug, str(e.id)) for e in made]
    world.pairs.append(("dreamscapes", str(entries["voting-now"][1].id)))  # another challenge's
    return world, make_token(member)


@pytest.fixture(params=["anonymous", "token"])
def caller(request, seed) -> dict[str, str]:
    world, token = seed
    SEEDED.slugs, SEEDED.pairs = world.slugs, world.pairs
    return {} if request.param == "anonymous" else bearer(token)


# The document itself, built as the app builds it; requests go to the live server's base URL.
# (Schemathesis's fixture-based loader does not run on pytest 9.2, hence a module-level schema.)
schema = schemathesis.openapi.from_dict(openapi_document("http://127.0.0.1"))
SEEDED = Seed()


def with_real_data(case: Any) -> None:
    """Two cases in three go to a real challenge (and entry): chosen by a hash of what was
    generated, so every phase (examples, coverage, fuzzing) mixes real and invented values
    and a failing case replays the same. Submits to a real challenge get, half the time, an
    entry the rules accept, so 201 and then 409 (limit reached) are met too."""
    params = case.path_parameters
    if not params or "slug" not in params or not SEEDED.slugs:
        return
    pick = zlib.crc32(repr(sorted(params.items())).encode() + repr(case.body).encode())
    if pick % 3 == 0:
        return
    choice = pick // 3  # independent of the keep-or-replace decision above
    if "submission_id" in params:
        params["slug"], params["submission_id"] = SEEDED.pairs[choice % len(SEEDED.pairs)]
    else:
        params["slug"] = SEEDED.slugs[choice % len(SEEDED.slugs)]
    if case.operation.path.endswith("/submit/") and case.media_type == "application/json" \
            and choice // 64 % 2:
        case.body = {"title": f"Entry {pick}", "external_url": "https://example.com/work"}


@pytest.fixture
def without_rate_limits(monkeypatch):
    """Hundreds of generated writes a minute would meet the rate limit (a documented 429)
    instead of the rules; the limits have their own tests below and in test_bad_input."""
    monkeypatch.setattr(limiter, "enabled", False)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_its_openapi_document_says(case, caller, api_live_server,
                                                       without_rate_limits):
    api_live_server.errors.clear()
    with_real_data(case)
    case.call_and_validate(base_url=api_live_server.url, headers=caller, checks=CHECKS)
    assert not api_live_server.errors, api_live_server.errors


def test_rate_limited_writes_answer_as_documented(seed, api_live_server, app, monkeypatch):
    monkeypatch.setitem(app.config, "VOTE_RATE_LIMIT", "30 per minute")  # the suite's is generous
    world, token = seed
    submit_op = schema["/api/challenges/{slug}/submit/"]["POST"]
    vote_op = schema["/api/challenges/{slug}/vote/{submission_id}/"]["POST"]
    slug, entry_id = next((s, e) for s, e in world.pairs if s == "voting-now")
    for operation, parameters, body in (
        (submit_op, {"slug": "dreamscapes"}, {"title": ""}),
        (vote_op, {"slug": slug, "submission_id": entry_id}, None),
    ):
        statuses = []
        for _ in range(31):
            kwargs = {"body": body} if body is not None else {}
            case = operation.Case(path_parameters=parameters, **kwargs)
            response = case.call_and_validate(base_url=api_live_server.url, headers=bearer(token),
                                              checks=CHECKS)
            statuses.append(response.status_code)
        assert statuses[-1] == 429, statuses
        assert int(response.headers["retry-after"][0]) > 0
    assert not api_live_server.errors, api_live_server.errors
