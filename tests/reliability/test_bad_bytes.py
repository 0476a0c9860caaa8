"""RELIABILITY #26, the bytes no form would send: invalid UTF-8 (raw and percent-encoded) in form
bodies, query strings, paths and cookies, NUL bytes, and a 1 MB field. Each gets a 4xx or is
read as text (invalid bytes become U+FFFD); none is a 500."""

from __future__ import annotations

import pytest

from challenges.extensions import db
from challenges.models import ChallengeSubmission

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def member(client, login, make_challenge, make_user):
    challenge = make_challenge("active", max_submissions_per_user=50)
    login(client, make_user())
    return challenge


def post_raw(client, url: str, body: bytes, **headers: str):
    token = client.csrf_token()
    return client.post(url, data=b"csrf_token=" + token.encode() + b"&" + body,
                        content_type=FORM, headers=headers)


def test_bad_utf8_nul_and_huge_fields_are_a_4xx_never_a_500(client, member):
    """RELIABILITY #26: forms, queries, paths and cookies with bytes that are not text."""
    slug = member.slug
    good = b"&image_url=https%3A%2F%2Fimg.example%2Fx.png&image_alt_text=x"
    bodies = {
        "percent-encoded invalid UTF-8": b"title=%FF%FE%C3%28" + good,
        "raw invalid UTF-8": b"title=\xff\xfe\xc3\x28" + good,
        "overlong encoding": b"title=%C0%AF" + good,
        "lone surrogate": b"title=%ED%A0%80" + good,
        "NUL": b"title=a%00b" + good,
        "1 MB title": b"title=" + b"x" * 1_000_000 + good,
        "1 MB of fields": b"&".join(b"f%d=x" % i for i in range(100_000)) + good,
    }
    for label, body in bodies.items():
        for headers in ({}, {"HX-Request": "true"}):
            response = post_raw(client, f"/challenges/{slug}/submit", body, **headers)
            assert response.status_code in (204, 302, 400, 413, 422), (label,
                                                                  response.status_code)
    for label, body in {"login": b"login=%FF%FE&password=%00", "register":
                        b"username=%FF&email=%C3%28%40x.example&password=\xff&confirm=\xff"
                        }.items():
        response = post_raw(client, f"/{label}", body)
        assert response.status_code in (302, 400, 422, 429), (label, response.status_code)
    stored = [t for t in db.session.scalars(db.select(ChallengeSubmission.title))]
    assert all("\x00" not in title for title in stored), stored

    for url in (f"/challenges/{slug}/submissions/?sort=%FF%FE", "/challenges/?after=%FF%C3%28",
                f"/challenges/{slug}/leaderboard/live?v=%FF", "/u/%FF%FE", "/challenges/%C3%28/",
                f"/challenges/{slug}/leaderboard/?after=%FF", "/login?next=%FF%2F%2Fevil",
                "/%FF%FE"):
        response = client.get(url)
        assert response.status_code in (200, 204, 302, 400, 404), (url, response.status_code)

    # Cookie bytes as the server receives them (WSGI passes headers as latin-1).
    garbage = "session=\xff\xfe.garbage; remember_token=" + "%FF%00|x" * 50
    fresh = client.application.test_client()
    assert fresh.get("/", headers={"Cookie": garbage}).status_code == 200
