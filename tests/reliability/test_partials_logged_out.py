"""RELIABILITY #14: an htmx partial asked for directly, while logged out, gets the same
authorization as its full page: every URL of the site is requested by a visitor as a page and
as an htmx request, and both get the same answer (a login redirect, which htmx receives as
``HX-Redirect``; a 404; or the same public content)."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from challenges.extensions import db
from tests.core.helpers import submit, vote

HTMX = {"HX-Request": "true"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def outcome(response: Any) -> tuple[str, ...]:
    """What the visitor gets, with the page/htmx difference in *how* it is said removed."""
    if response.status_code in (301, 302, 303, 307, 308):
        return ("redirect", urlsplit(response.headers["Location"]).path)
    if "HX-Redirect" in response.headers:
        return ("redirect", urlsplit(response.headers["HX-Redirect"]).path)
    if response.status_code < 300 or response.status_code == 286:
        return ("content",)
    return ("status", str(response.status_code))


def concrete(rule: str, values: dict[str, str]) -> str:
    url = rule
    while "<" in url:
        start, end = url.index("<"), url.index(">")
        name = url[start + 1:end].split(":")[-1]
        url = url[:start] + values.get(name, "x") + url[end + 1:]
    return url


@pytest.fixture
def world(make_challenge, make_user, make_project):
    challenge, draft = make_challenge("active"), make_challenge("active")
    author = make_user()
    entry = submit(challenge, author)
    hidden = submit(draft, author, title="Hidden")
    draft.status = "draft"  # entered while active, then hidden again by an editor
    db.session.commit()
    vote(entry, make_user())
    project = make_project(author)
    return {"published": (challenge, entry), "draft": (draft, hidden),
            "author": author, "project": project}


def site_rules(app: Flask) -> list[tuple[str, str, str]]:
    return sorted(
        (rule.rule, rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
        if not rule.rule.startswith(("/admin", "/api", "/static"))
        and rule.endpoint not in {"probes.healthz", "probes.readyz"}
    )


@pytest.mark.parametrize("which", ["published", "draft"])
def test_a_visitor_gets_the_same_answer_from_every_partial_as_from_its_page(app, client, world,
                                                                             which):
    """RELIABILITY #14: page and partial agree for every rule; nothing login-only answers a
    visitor with content."""
    challenge, entry = world[which]
    values = {"slug": challenge.slug, "submission_id": str(entry.id),
              "username": world["author"].username, "project_id": str(world["project"].id),
              "endpoint_id": str(uuid.uuid4()), "delivery_id": str(uuid.uuid4()),
              "token_id": "1", "notification_id": "1", "token": "x", "kind": "results",
              "name": "x"}
    rules = site_rules(app)
    assert len(rules) > 60
    for rule, endpoint, method in rules:
        url = concrete(rule, values)
        unsafe = method in UNSAFE  # a fresh token each time: logging out clears the session
        page = client.open(url, method=method,
                           data={"csrf_token": client.csrf_token()} if unsafe else None)
        headers = {**HTMX, "X-CSRFToken": client.csrf_token()} if unsafe else HTMX
        partial = client.open(url, method=method, headers=headers)
        assert outcome(page) == outcome(partial), (endpoint, method, outcome(page),
                                                   outcome(partial))
        if outcome(page)[0] == "redirect" and outcome(page)[1] == "/login":
            continue  # login-only: refused both ways (the assertion above)
        if which == "draft" and "<slug>" in rule and endpoint != "calendar.challenge_feed":
            assert outcome(page) == ("status", "404"), (endpoint, method, outcome(page))
