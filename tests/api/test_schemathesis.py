"""SPEC §10: the OpenAPI document tells the truth. Schemathesis generates requests from
/api/openapi.json and sends them to the app on a real port (real database, real Valkey), as a
visitor and with an API token: no 5xx, and every response is documented (status code, content
type, body schema, headers).

Path parameters mix what Hypothesis invents with the real slugs and entry ids of a seeded world
(an active challenge with entries, a voting one, a completed one, an upcoming one, a draft and a
cancelled one), so the happy paths run too, not only the 404s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from challenges.api.openapi import openapi_document
from challenges.extensions import db
from challenges.models import Role

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
    editor = make_user(role=Role.EDITOR)
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
    shift = {"voting-now": 3, "all-done": 10}
    for challenge in (voting, completed):
        days = shift[challenge.slug]
        for name in ("starts_at", "submission_deadline", "voting_deadline", "ends_at"):
            setattr(challenge, name, getattr(challenge, name) - _days(days))
    draft.status = "draft"
    make_challenge("upcoming", slug="coming-soon")
    make_challenge("voting", status="cancelled", slug="called-off")
    db.session.commit()
    world = Seed(slugs=["dreamscapes", "voting-now", "all-done", "secret-draft", "coming-soon",
                        "called-off"])
    for slug, made in entries.items():
        world.pairs += [(slug, str(e.id)) for e in made]
    world.pairs.append(("dreamscapes", str(entries["voting-now"][1].id)))  # another challenge's
    del editor
    return world, make_token(member)


def _days(n: int) -> Any:
    from datetime import timedelta

    return timedelta(days=n)


@pytest.fixture(params=["anonymous", "token"])
def caller(request, seed) -> dict[str, str]:
    world, token = seed
    SEEDED.slugs, SEEDED.pairs = world.slugs, world.pairs
    return {} if request.param == "anonymous" else bearer(token)


# The document itself, built as the app builds it; requests go to the live server's base URL.
# (Schemathesis's fixture-based loader does not run on pytest 9.2, hence a module-level schema.)
schema = schemathesis.openapi.from_dict(openapi_document("http://127.0.0.1"))
SEEDED = Seed()


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    """Half the time a real slug (and a real entry id of it, or of another challenge)."""
    if not path_parameters or "slug" not in path_parameters or not SEEDED.slugs:
        return st.just(path_parameters)
    real = [{**path_parameters, "slug": slug} for slug in SEEDED.slugs]
    if "submission_id" in path_parameters:
        real = [{**path_parameters, "slug": slug, "submission_id": entry_id}
                for slug, entry_id in SEEDED.pairs]
    return st.one_of(st.just(path_parameters), st.sampled_from(real))


def test_the_served_document_is_the_one_tested(client):
    served = client.get("/api/openapi.json").get_json()
    assert served["servers"] == [{"url": "http://localhost"}]
    assert {**served, "servers": None} == {**openapi_document("x"), "servers": None}


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_its_openapi_document_says(case, caller, api_live_server):
    api_live_server.errors.clear()
    case.call_and_validate(base_url=api_live_server.url, headers=caller, checks=CHECKS)
    assert not api_live_server.errors, api_live_server.errors
