"""SPEC §10: bad input anywhere under /api/ gets a 4xx in the one JSON error shape, never an HTML
page and never a 5xx; session callers need the CSRF header; writes are rate limited."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
from sqlalchemy import func, select

from challenges.api.inputs import MAX_BODY
from challenges.extensions import db
from challenges.models import ChallengeSubmission

from ..core.helpers import submit
from .conftest import assert_error, bearer

GOOD_ENTRY = {"title": "Dream", "image_url": "https://img.example/dream.png",
              "image_alt_text": "A purple dream"}


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.fixture
def challenge(make_challenge):
    return make_challenge("active")


@pytest.fixture
def member(make_user):
    return make_user()


@pytest.fixture
def auth(member, make_token):
    return bearer(make_token(member))


@pytest.fixture
def submit_url(challenge):
    return f"/api/challenges/{challenge.slug}/submit/"


def entry_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(ChallengeSubmission))


# --- bodies -------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"{", b"{'title': 'x'}", b"nope", b"", b'{"title": "x",}',
                                  b'{"title": "\xff\xfe"}', b"\x00"])
def test_malformed_json_is_a_400(client, submit_url, auth, body):
    response = client.post(submit_url, data=body, content_type="application/json", headers=auth)
    assert_error(response, 400, "invalid_json")


def test_deeply_nested_json_is_a_400_not_a_crash(client, submit_url, auth):
    depth = MAX_BODY // 2 - 10
    response = client.post(submit_url, data="[" * depth + "]" * depth,
                           content_type="application/json", headers=auth)
    assert_error(response, 400, "invalid_json")


@pytest.mark.parametrize("body", [[], [GOOD_ENTRY], "title", 5, None])
def test_a_body_that_is_not_an_object_is_a_422(client, submit_url, auth, body):
    response = client.post(submit_url, data=json.dumps(body), content_type="application/json",
                           headers=auth)
    error = assert_error(response, 422, "validation_failed")
    assert "body" in error["details"]["fields"]


@pytest.mark.parametrize("field, value", [
    ("title", 5), ("title", True), ("title", ["x"]), ("description", {"a": 1}),
    ("image_url", 1.5), ("project_id", 7),
])
def test_wrong_types_are_a_422_naming_the_field(client, submit_url, auth, field, value):
    response = client.post(submit_url, json={**GOOD_ENTRY, field: value}, headers=auth)
    error = assert_error(response, 422, "validation_failed")
    assert error["details"]["fields"] == {field: "Must be a string."}
    assert entry_rows() == 0


def test_unknown_fields_are_a_422(client, submit_url, auth):
    """RELIABILITY #12: extra fields are ignored or refused."""
    response = client.post(submit_url, json={**GOOD_ENTRY, "vote_count": "1000",
                                             "user_id": "1"}, headers=auth)
    error = assert_error(response, 422, "validation_failed")
    assert set(error["details"]["fields"]) == {"vote_count", "user_id"}
    assert entry_rows() == 0


def test_a_missing_title_is_a_422(client, submit_url, auth):
    body = {k: v for k, v in GOOD_ENTRY.items() if k != "title"}
    error = assert_error(client.post(submit_url, json=body, headers=auth), 422)
    assert "title" in error["details"]["fields"]


@pytest.mark.parametrize("value", ["a\x00b", "\ud800", "x\udfff"])
def test_text_that_no_database_can_store_is_a_422(client, submit_url, auth, value):
    """RELIABILITY #26: bad input is a 4xx, never a 500."""
    body = json.dumps({**GOOD_ENTRY, "title": value})  # ensure_ascii keeps lone surrogates
    response = client.post(submit_url, data=body, content_type="application/json", headers=auth)
    assert_error(response, 422, "validation_failed")
    assert entry_rows() == 0


@pytest.mark.parametrize("project_id", ["abc", "1234", "00000000-0000-0000-0000-00000000000g"])
def test_a_project_id_that_is_not_a_uuid_is_a_422(client, submit_url, auth, project_id):
    response = client.post(submit_url, json={**GOOD_ENTRY, "project_id": project_id},
                           headers=auth)
    error = assert_error(response, 422, "validation_failed")
    assert "project_id" in error["details"]["fields"]


def test_rule_breaking_entries_are_a_422_naming_each_field(client, submit_url, auth):
    body = {"title": "x" * 201, "image_url": "javascript:alert(1)", "description": "d" * 5001}
    error = assert_error(client.post(submit_url, json=body, headers=auth), 422)
    assert {"title", "image_url", "description"} <= set(error["details"]["fields"])


@pytest.mark.parametrize("size", [MAX_BODY + 1, 2 * 1024 * 1024])
def test_bodies_over_the_limit_are_a_413(client, submit_url, auth, size):
    body = json.dumps({**GOOD_ENTRY, "description": "x" * size})
    response = client.post(submit_url, data=body, content_type="application/json", headers=auth)
    error = assert_error(response, 413, "body_too_large")
    assert "64 KiB" in error["message"]
    assert entry_rows() == 0


def test_a_body_just_under_the_limit_is_read(client, submit_url, auth):
    body = json.dumps({**GOOD_ENTRY, "description": "x" * (MAX_BODY - 200)})
    assert len(body) <= MAX_BODY
    error = assert_error(client.post(submit_url, data=body, content_type="application/json",
                                     headers=auth), 422)
    assert set(error["details"]["fields"]) == {"description"}  # too long for an entry, not a 413


def test_the_body_limit_is_in_the_openapi_document(client):
    document = client.get("/api/openapi.json").get_json()
    assert f"{MAX_BODY // 1024} KiB" in document["info"]["description"]
    submit_op = document["paths"]["/api/challenges/{slug}/submit/"]["post"]
    assert "413" in submit_op["responses"]


@pytest.mark.parametrize("content_type", [
    "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
    "application/xml", None,
])
def test_a_body_that_is_not_json_is_a_415(client, submit_url, auth, content_type):
    kwargs = {"content_type": content_type} if content_type else {}
    response = client.post(submit_url, data=json.dumps(GOOD_ENTRY), headers=auth, **kwargs)
    assert_error(response, 415, "unsupported_media_type")
    assert entry_rows() == 0


# --- query parameters -----------------------------------------------------------------------


def list_urls(slug: str) -> list[str]:
    return ["/api/challenges/", f"/api/challenges/{slug}/submissions/",
            f"/api/challenges/{slug}/leaderboard/"]


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "", " ", "1e3", "\x00"])
def test_a_bad_limit_is_a_422_on_every_list(client, challenge, value):
    for url in list_urls(challenge.slug):
        error = assert_error(client.get(url, query_string={"limit": value}), 422)
        assert "limit" in error["details"]["fields"], url


@pytest.mark.parametrize("value", ["bogus", "draft", "cancelled", "ACTIVE", "\x00"])
def test_an_unknown_status_filter_is_a_422(client, challenge, value):
    error = assert_error(client.get("/api/challenges/", query_string={"status": value}), 422)
    assert "status" in error["details"]["fields"]


def test_an_unknown_sort_is_a_422(client, challenge):
    response = client.get(f"/api/challenges/{challenge.slug}/submissions/?sort=random")
    assert "sort" in assert_error(response, 422)["details"]["fields"]


# A fixed id (not uuid4): the parameters name the tests, and a test's name must be the same
# in every collection (re-running one by its id, or a parallel runner's workers).
SOME_ID = "3c7d25c2-4d30-43ba-8b50-0467059bac76"
BAD_LIST_CURSORS = [
    "!!!", "%%%", "\x00", "a", b64("no separator"), b64("not-a-date|" + SOME_ID),
    b64("2026-01-01T00:00:00+00:00|not-a-uuid"),
    b64("0001-01-01T00:00:00+05:00|" + SOME_ID),
    b64("9999-12-31T23:59:59-05:00|" + SOME_ID),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
]
BAD_GALLERY_CURSORS = [
    "!!!", "\x00", b64("votes:nan"), b64("votes:inf"), b64("votes:-1"), b64("votes:abc"),
    b64("newest:abc"), b64("newest:0"), b64("newest:-5"), b64("newest:99999999999999999999"),
    b64("featured:1.5"), b64("newest:5"),  # newest's cursor with the default sort (votes)
    b64("bogus:1"), b64("votes"),
]


@pytest.mark.parametrize("cursor", BAD_LIST_CURSORS)
def test_a_bad_challenge_list_cursor_is_a_400(client, challenge, cursor):
    response = client.get("/api/challenges/", query_string={"cursor": cursor})
    assert_error(response, 400, "bad_cursor")


@pytest.mark.parametrize("cursor", BAD_GALLERY_CURSORS)
def test_a_bad_submissions_cursor_is_a_400(client, challenge, member, cursor):
    submit(challenge, member)
    response = client.get(f"/api/challenges/{challenge.slug}/submissions/",
                          query_string={"cursor": cursor})
    assert_error(response, 400, "bad_cursor")


# --- ids and URLs -----------------------------------------------------------------------------


@pytest.mark.parametrize("submission_id", ["not-a-uuid", "123", "0" * 33, "x" * 200])
def test_a_submission_id_that_is_not_a_uuid_is_a_4xx(client, challenge, auth, submission_id):
    for method in ("post", "delete"):
        response = getattr(client, method)(
            f"/api/challenges/{challenge.slug}/vote/{submission_id}/", headers=auth)
        error = assert_error(response, 422, "validation_failed")
        assert "submission_id" in error["details"]["fields"]


def test_an_unknown_submission_is_a_404(client, challenge, auth):
    response = client.post(f"/api/challenges/{challenge.slug}/vote/{uuid.uuid4()}/", headers=auth)
    assert_error(response, 404)


@pytest.mark.parametrize("slug", ["nope", "UPPER", "a--b", "x" * 51, "-a", "%00", "é"])
def test_an_unknown_or_malformed_slug_is_a_404(client, auth, slug):
    for url in (f"/api/challenges/{slug}/", f"/api/challenges/{slug}/submissions/",
                f"/api/challenges/{slug}/leaderboard/", f"/api/challenges/{slug}/my-submissions/"):
        assert_error(client.get(url, headers=auth), 404)
    assert_error(client.post(f"/api/challenges/{slug}/submit/", json=GOOD_ENTRY, headers=auth),
                 404)


@pytest.mark.parametrize("url", ["/api/", "/api/nope", "/api/challenges/a/b/c/",
                                 "/api/challenges/current/extra/", "/api/openapi.yaml"])
def test_an_unknown_endpoint_is_a_json_404(client, url):
    assert_error(client.get(url), 404, "not_found")


def test_a_url_without_its_trailing_slash_redirects_to_the_api_url(client):
    response = client.get("/api/challenges")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/api/challenges/")


@pytest.mark.parametrize("method, url", [
    ("put", "/api/challenges/"), ("post", "/api/challenges/"),
    ("delete", "/api/challenges/current/"),
    ("patch", "/api/challenges/{slug}/"), ("get", "/api/challenges/{slug}/submit/"),
    ("put", "/api/challenges/{slug}/vote/00000000-0000-0000-0000-000000000000/"),
])
def test_a_wrong_method_is_a_json_405_with_allow(client, challenge, method, url):
    response = getattr(client, method)(url.format(slug=challenge.slug))
    assert_error(response, 405, "method_not_allowed")
    assert response.headers.get("Allow")


# --- sessions and CSRF -------------------------------------------------------------------------


def test_a_session_post_without_the_csrf_header_is_a_json_400(client, submit_url, member, login):
    """RELIABILITY #15: CSRF on every unsafe request."""
    login(client, member)
    response = client.post(submit_url, json=GOOD_ENTRY)
    assert_error(response, 400, "csrf_failed")
    response = client.post(submit_url, json=GOOD_ENTRY, headers={"X-CSRFToken": "forged"})
    assert_error(response, 400, "csrf_failed")
    assert entry_rows() == 0


def test_a_session_post_with_the_csrf_header_works(client, challenge, submit_url, member, login,
                                                   make_user):
    login(client, member)
    headers = {"X-CSRFToken": client.csrf_token()}
    response = client.post(submit_url, json=GOOD_ENTRY, headers=headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["title"] == "Dream"
    theirs = submit(challenge, make_user())
    vote_url = f"/api/challenges/{challenge.slug}/vote/{theirs.id}/"
    assert_error(client.delete(vote_url), 400, "csrf_failed")
    assert client.post(vote_url, headers=headers).get_json()["voted"] is True
    assert client.delete(vote_url, headers=headers).get_json()["voted"] is False


def test_a_session_get_needs_no_csrf_header(client, challenge, member, login):
    login(client, member)
    response = client.get(f"/api/challenges/{challenge.slug}/my-submissions/")
    assert response.status_code == 200 and response.get_json() == {"results": []}


@pytest.mark.parametrize("method, path", [
    ("post", "submit/"), ("post", "vote/{id}/"), ("delete", "vote/{id}/"),
    ("get", "my-submissions/"),
])
def test_anonymous_callers_get_a_401_with_www_authenticate(client, challenge, make_user, method,
                                                           path):
    theirs = submit(challenge, make_user())
    url = f"/api/challenges/{challenge.slug}/" + path.format(id=theirs.id)
    response = getattr(client, method)(url, json=GOOD_ENTRY if path == "submit/" else None)
    assert_error(response, 401, "login_required")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


# --- rate limits ---------------------------------------------------------------------------------


def test_submitting_too_fast_is_a_429_with_retry_after(client, submit_url, auth):
    statuses = [client.post(submit_url, json={"title": ""}, headers=auth).status_code
                for _ in range(30)]
    assert set(statuses) == {422}
    response = client.post(submit_url, json=GOOD_ENTRY, headers=auth)
    assert_error(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) > 0
    assert entry_rows() == 0


def test_voting_too_fast_is_a_429_with_retry_after(app, client, challenge, auth, make_user,
                                                   monkeypatch):
    monkeypatch.setitem(app.config, "VOTE_RATE_LIMIT", "30 per minute")  # votes: tests/ratelimits
    theirs = submit(challenge, make_user())
    url = f"/api/challenges/{challenge.slug}/vote/{theirs.id}/"
    statuses = [client.post(url, headers=auth).status_code for _ in range(30)]
    assert set(statuses) == {200}
    response = client.post(url, headers=auth)
    assert_error(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) > 0


def test_rate_limits_are_per_caller(app, client, challenge, auth, make_user, make_token,
                                    monkeypatch):
    monkeypatch.setitem(app.config, "VOTE_RATE_LIMIT", "30 per minute")
    theirs = submit(challenge, make_user())
    url = f"/api/challenges/{challenge.slug}/vote/{theirs.id}/"
    for _ in range(30):
        client.post(url, headers=auth)
    assert client.post(url, headers=auth).status_code == 429
    other = bearer(make_token(make_user()))
    assert client.post(url, headers=other).status_code == 200
