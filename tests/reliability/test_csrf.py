"""RELIABILITY #15: every unsafe request of the HTML site needs this session's CSRF token. With
no token, a wrong one or another session's, it is refused (400) before the view runs; with the
token in the ``X-CSRFToken`` header (what ``hx-headers`` sends) it works; the same action by
GET is 405. The admin's forms are checked in tests/test_admin.py (#16), the API's session
callers in tests/api/test_bad_input.py."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from sqlalchemy import func, select

from challenges.extensions import db
from challenges.models import ChallengeVote
from tests.core.helpers import submit

# RFC 8058 one-click unsubscribe: mail providers POST the signed link with no session at all,
# so it is exempt by design (tests/notifications/test_unsubscribe.py covers its signature).
EXEMPT = {"notification_prefs.unsubscribe"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def unsafe_rules(app: Flask) -> list[tuple[str, str, str]]:
    """(rule, endpoint, method) of every unsafe method outside the admin and the JSON API."""
    return sorted(
        (rule.rule, rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) & UNSAFE
        if not rule.rule.startswith(("/admin", "/api", "/static"))
        and rule.endpoint not in EXEMPT
    )


def concrete(rule: str, slug: str) -> str:
    """The rule with every argument filled in (the CSRF check runs before the view looks)."""
    values = {"slug": slug, "uuid": str(uuid.uuid4()), "int": "1", "default": "x"}
    url = rule
    while "<" in url:
        start, end = url.index("<"), url.index(">")
        spec = url[start + 1:end]
        # "<int(max=...):token_id>": the converter's name, without its arguments.
        converter = spec.split(":")[0].split("(")[0] if ":" in spec else "default"
        url = url[:start] + values.get(converter, "x") + url[end + 1:]
    return url


@pytest.fixture
def member(app, client, login, make_user, make_challenge):
    challenge = make_challenge("active")
    entry = submit(challenge, make_user())
    login(client, make_user())
    return challenge, entry


def test_every_unsafe_html_endpoint_refuses_a_missing_wrong_or_foreign_csrf_token(
        app, client, login, make_user, member):
    """RELIABILITY #15: no token, a wrong token, another session's token: 400 everywhere."""
    challenge, _ = member
    stranger = app.test_client()
    login(stranger, make_user())
    foreign = stranger.csrf_token()  # valid, but for another session
    assert foreign != client.csrf_token()
    rules = unsafe_rules(app)
    assert len(rules) > 25  # the walk really walks the site
    for rule, endpoint, method in rules:
        url = concrete(rule, challenge.slug)
        for label, form, headers in (
            ("none", {}, {}),
            ("wrong", {"csrf_token": "forged"}, {}),
            ("foreign", {"csrf_token": foreign}, {}),
            ("htmx-wrong", {}, {"HX-Request": "true", "X-CSRFToken": "forged"}),
            ("htmx-foreign", {}, {"HX-Request": "true", "X-CSRFToken": foreign}),
        ):
            response = client.open(url, method=method, data=form, headers=headers)
            assert response.status_code == 400, (endpoint, label, response.status_code)
    assert client.get("/account/password").status_code == 200  # still logged in: no logout ran


def test_a_refused_vote_changes_nothing_and_the_htmx_header_token_works(client, member):
    """RELIABILITY #15: the forged vote leaves no row; hx-headers' X-CSRFToken is accepted; a
    GET of the same action is 405."""
    challenge, entry = member
    url = f"/challenges/{challenge.slug}/submissions/{entry.id}/vote"
    assert client.post(url, data={"csrf_token": "forged"}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ChallengeVote)) == 0

    response = client.post(url, headers={"HX-Request": "true",
                                         "X-CSRFToken": client.csrf_token()})
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(ChallengeVote)) == 1

    assert client.get(url).status_code == 405
    assert client.get(f"/challenges/{challenge.slug}/submissions/{entry.id}/unvote"
                      ).status_code == 405
    assert client.get("/notifications/read").status_code == 405
