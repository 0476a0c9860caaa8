"""/api/projects/: the caller's own projects through the API, with its auth, error shape,
validation and cursor pagination; the rules are the projects service's."""

from __future__ import annotations

import pytest

from challenges.clock import utcnow
from challenges.extensions import db
from challenges.services.api_tokens import create_token

from ..api.conftest import bearer
from ..core.helpers import submit


@pytest.fixture
def member(make_user):
    return make_user()


@pytest.fixture
def auth(member):
    _, raw = create_token(member, "tests", utcnow())
    db.session.commit()
    return bearer(raw)


def test_projects_need_authentication(client):
    response = client.get("/api/projects/")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "login_required"


def test_create_read_change_and_delete_a_project(client, auth):
    created = client.post("/api/projects/", json={"title": "Sky", "url": "https://a.example"},
                          headers=auth)
    assert created.status_code == 201
    project = created.get_json()
    assert project["title"] == "Sky" and project["entry_count"] == 0
    assert project["image_url"] is None and project["description"] is None
    url = f"/api/projects/{project['id']}/"
    assert client.get(url, headers=auth).get_json() == project
    changed = client.patch(url, json={"description": "Stars"}, headers=auth).get_json()
    assert (changed["title"], changed["description"]) == ("Sky", "Stars")
    deleted = client.delete(url, headers=auth)
    assert deleted.get_json() == {"id": project["id"], "deleted": True}
    assert client.get(url, headers=auth).status_code == 404


def test_validation_errors_name_their_fields(client, auth):
    response = client.post("/api/projects/", json={"title": " ", "url": "javascript:x"},
                           headers=auth)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert set(error["details"]["fields"]) == {"title", "url"}
    unknown = client.post("/api/projects/", json={"title": "x", "owner_id": 1}, headers=auth)
    assert unknown.get_json()["error"]["details"]["fields"] == {"owner_id": "Unknown field."}


def test_another_members_project_is_forbidden(client, auth, make_user, make_project):
    """RELIABILITY #11: another member's entry or project cannot be used."""
    theirs = make_project(make_user(), title="Theirs")
    url = f"/api/projects/{theirs.id}/"
    for response in (client.get(url, headers=auth),
                     client.patch(url, json={"title": "Mine"}, headers=auth),
                     client.delete(url, headers=auth)):
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "not_your_project"


def test_a_project_in_use_is_not_deleted(client, auth, member, make_project, make_challenge):
    project = make_project(member, title="Linked")
    submit(make_challenge("active"), member, project_id=project.id)
    response = client.delete(f"/api/projects/{project.id}/", headers=auth)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "project_in_use"
    assert client.get(f"/api/projects/{project.id}/",
                      headers=auth).get_json()["entry_count"] == 1


def test_the_list_pages_by_cursor_and_shows_only_the_callers(client, auth, member,
                                                             make_user, make_project,
                                                             frozen_clock):
    for n in range(5):
        frozen_clock.advance(seconds=1)
        make_project(member, title=f"P{n}")
    make_project(make_user(), title="Not mine")
    titles, url = [], "/api/projects/?limit=2"
    while url:
        body = client.get(url, headers=auth).get_json()
        titles += [p["title"] for p in body["results"]]
        url = body["next"]
    assert titles == ["P4", "P3", "P2", "P1", "P0"]


@pytest.mark.parametrize("cursor", ["!!!", "bm90LWEtY3Vyc29y"])
def test_a_cursor_the_api_never_gave_is_a_400(client, auth, cursor):
    response = client.get(f"/api/projects/?cursor={cursor}", headers=auth)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_cursor"


def test_a_session_caller_needs_the_csrf_header(client, login, member):
    login(client, member)
    response = client.post("/api/projects/", json={"title": "x"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"
    response = client.post("/api/projects/", json={"title": "x"},
                           headers={"X-CSRFToken": client.csrf_token()})
    assert response.status_code == 201
