"""Every path converter and id parameter is bounded (issue #10; RELIABILITY.md #26): an id out
of range, negative or not a number is a 404 or a 400 with a message, never a 500.

``POST /account/tokens/9223372036854775808/revoke`` answered 500: the integer reached the
database, which cannot bind it. The walk below tries every rule of ``app.url_map`` with its
arguments and the usual query-string ids (``id``, ``page``, ``cursor``, ``after``...) replaced by
huge, negative and garbage values, as an editor, with each method the rule allows.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.routing import Rule

from challenges.extensions import db
from challenges.models import ApiToken, Role

from ..api.conftest import bearer

BIGGEST = 2**63 - 1
GARBAGE = [
    str(BIGGEST + 1),  # one past BIGINT
    str(2**31),  # one past a 32-bit INTEGER (PostgreSQL)
    "1" + "0" * 40,
    "-1",
    "abc",
    "%00",
    "%C0%AF",  # not UTF-8
    "x" * 1500,
]
QUERY_IDS = ("id", "page", "page_size", "cursor", "after", "before", "at", "v", "limit", "sponsor",
             "challenge", "sort", "desc", "search", "next", "status")
# Not walked: logging out would end the editor's session for the rest of the walk.
SKIP_ENDPOINTS = {"auth.logout", "static", "admin.static"}
METHODS = ("GET", "POST", "PATCH", "DELETE")


def _url(rule: Rule, value: str, slug: str | None, with_query: bool) -> str:
    path = rule.rule
    for name in rule.arguments:
        replacement = slug if slug is not None and name == "slug" else value
        path = path.replace(f"<{name}>", replacement)
        for converter in ("int", "uuid", "path", "string"):
            path = path.replace(f"<{converter}:{name}>", replacement)
    if with_query:
        path += "?" + "&".join(f"{name}={value}" for name in QUERY_IDS)
    return path


def _walk(client, token: str, slug: str, extra_headers: dict[str, str] | None = None
          ) -> list[tuple[str, str, int]]:
    failures = []
    headers = {"X-CSRFToken": token, **(extra_headers or {})}
    rules = [r for r in client.application.url_map.iter_rules()
             if r.endpoint not in SKIP_ENDPOINTS]
    for rule in rules:
        for value in GARBAGE:
            # Every argument garbage (and the query ids too); then a real challenge with
            # garbage in the other arguments, to get past the slug lookup.
            urls = {_url(rule, value, None, True), _url(rule, value, slug, False)}
            for url in sorted(urls):
                for method in METHODS:
                    if method not in (rule.methods or ()):
                        continue
                    response = client.open(url, method=method, headers=headers,
                                           data={"csrf_token": token, "id": value,
                                                 "rowid": value})
                    if response.status_code >= 500:
                        failures.append((method, url[:160], response.status_code))
    return failures


@pytest.mark.slow
def test_no_rule_answers_5xx_to_huge_negative_or_garbage_ids(client, make_user, make_challenge,
                                                             login, monkeypatch):
    # Answer with the 500 page instead of raising, so the walk reports every failing rule.
    """RELIABILITY #26."""
    monkeypatch.setitem(client.application.config, "PROPAGATE_EXCEPTIONS", False)
    editor = make_user(role=Role.EDITOR)
    challenge = make_challenge("voting")
    login(client, editor)
    failures = _walk(client, client.csrf_token(), challenge.slug)
    assert failures == []


def test_an_out_of_range_token_id_is_a_404_not_a_500(client, make_user, login):
    """RELIABILITY #26."""
    login(client, make_user())
    for token_id in (str(BIGGEST + 1), "1" + "0" * 40, str(2**31)):
        response = client.post_form(f"/account/tokens/{token_id}/revoke")
        assert response.status_code == 404


def test_the_bound_is_the_id_columns_range(client, make_user, login):
    """api_tokens.id is a 32-bit INTEGER on PostgreSQL: 2**31-1 reaches the lookup (no such
    token: 404), 2**31 and 2**63-1 are 404 at the router; an existing token is revoked by its
    id."""
    member = make_user()
    login(client, member)
    for token_id in (2**31 - 1, 2**31, BIGGEST):
        assert client.post_form(f"/account/tokens/{token_id}/revoke").status_code == 404
    from challenges.clock import utcnow
    from challenges.services.api_tokens import create_token

    _, raw = create_token(member, "script", utcnow())
    db.session.commit()
    token = db.session.scalars(select(ApiToken)).one()
    assert client.post_form(f"/account/tokens/{token.id}/revoke").status_code == 302
    assert client.get("/api/challenges/", headers=bearer(raw)).status_code == 401


@pytest.mark.parametrize("url", [
    "/notifications/9223372036854775807/go",  # BIGINT, in range: no such notification
    "/notifications/9223372036854775808/go",
    "/notifications/99999999999999999999999999/go",
])
def test_an_out_of_range_notification_id_is_a_404(client, make_user, login, url):
    """Notification ids are BIGINT: the default bound of every <int:...> rule."""
    login(client, make_user())
    assert client.get(url).status_code == 404
