"""RELIABILITY #27: every HTML response carries the CSP, nosniff and framing headers (HSTS in
production: tests/test_security.py::test_cookies_are_secure_in_production), and every page
that loads htmx configures it to talk to this site only (``selfRequestsOnly``), without
``eval`` and without running scripts found in swapped content."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask

from challenges.models import Role
from tests.core.helpers import submit, vote

HTMX_CONFIG = re.compile(r"<meta name=\"htmx-config\" content='([^']*)'>")


def html_urls(challenge: Any, entry: Any, member: Any) -> list[str]:
    slug = challenge.slug
    return ["/", "/challenges/", f"/challenges/{slug}/", f"/challenges/{slug}/submissions/",
            f"/challenges/{slug}/submissions/{entry.id}/", f"/challenges/{slug}/leaderboard/",
            "/leaderboard/", f"/u/{member.username}", "/login", "/register", "/me/submissions",
            "/me/projects", "/account/password", "/account/tokens", "/account/notifications",
            "/account/calendar", "/notifications", "/api/docs", "/password/forgot",
            "/no-such-page"]


def assert_headers(response: Any, where: str) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = dict((part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";")
                      if part.strip())
    assert directives.get("default-src") == "'self'", (where, csp)
    assert directives.get("connect-src") == "'self'", (where, csp)  # htmx requests: this site
    assert directives.get("frame-ancestors") == "'none'", (where, csp)
    assert "'unsafe-eval'" not in csp and "'unsafe-inline'" not in directives.get(
        "script-src", ""), (where, csp)
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where


@pytest.fixture
def site(app: Flask, client, login, make_challenge, make_user):
    challenge, member = make_challenge("active"), make_user()
    entry = submit(challenge, make_user())
    vote(entry, member)
    login(client, member)
    return challenge, entry, member


def test_every_html_page_carries_the_headers_and_a_self_only_htmx(client, site):
    """RELIABILITY #27: headers on every page, and htmx's config on every page that loads it."""
    challenge, entry, member = site
    for url in html_urls(challenge, entry, member):
        response = client.get(url)
        assert response.mimetype == "text/html", url
        assert_headers(response, url)
        body = response.get_data(as_text=True)
        if "vendor/htmx/htmx.min.js" not in body:
            continue
        match = HTMX_CONFIG.search(body)
        assert match, f"{url} loads htmx without its config"
        config = json.loads(match.group(1))
        assert config["selfRequestsOnly"] is True, url
        assert config["allowEval"] is False, url
        assert config["allowScriptTags"] is False, url
        # The meta must come before htmx reads it: htmx loads deferred, after the head parsed.
        assert body.index("htmx-config") < body.index("vendor/htmx/htmx.min.js"), url


def test_fragments_and_the_admin_carry_the_headers(app, client, login, make_user, site):
    """RELIABILITY #27: htmx fragments and Flask-Admin pages are HTML responses too."""
    challenge, entry, _ = site
    slug = challenge.slug
    fragments = [f"/challenges/{slug}/leaderboard/live", f"/challenges/{slug}/submit",
                 "/notifications/bell"]
    for url in fragments:
        response = client.get(url, headers={"HX-Request": "true"})
        assert response.status_code in (200, 204, 286), (url, response.status_code)
        assert_headers(response, url)
    editor = app.test_client()
    login(editor, make_user(role=Role.EDITOR))
    for url in ("/admin/", "/admin/challenges/", f"/admin/submissions/details/?id={entry.id}"):
        response = editor.get(url)
        assert response.status_code == 200, url
        assert_headers(response, url)
