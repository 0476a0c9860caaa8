"""/me/projects and the submit form's "new project" (SPEC §3): a member with no projects can
enter a challenge that requires one, with htmx (the inline picker) and without JavaScript (the
submit form carries the new project's fields)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from challenges.extensions import db
from challenges.models import ChallengeSubmission, Project

from ..core.helpers import submit

HTMX = {"HX-Request": "true"}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def member(make_user, client, login):
    user = make_user()
    login(client, user)
    return user


@pytest.fixture
def requiring(make_challenge):
    return make_challenge("active", require_project_link=True)


def test_my_projects_needs_a_login(client):
    response = client.get("/me/projects")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_member_creates_edits_and_lists_projects(client, member):
    response = client.post_form("/me/projects/new", {"title": "Sky", "url": "https://a.example"})
    assert response.status_code == 302
    project = db.session.scalar(select(Project))
    assert project.owner_id == member.id
    response = client.post_form(f"/me/projects/{project.id}/edit",
                                {"title": "Night sky", "url": "https://a.example"})
    assert response.status_code == 302
    page = client.get("/me/projects").get_data(as_text=True)
    assert "Night sky" in page and "0 entries" in page


def test_the_project_form_shows_errors_beside_the_fields(client, member):
    response = client.post_form("/me/projects/new", {"title": "", "url": "javascript:alert(1)"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="title-error"' in page and 'id="url-error"' in page
    assert count(Project) == 0


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_another_members_project_is_forbidden_and_an_unknown_one_not_found(
        client, member, make_user, make_project, action):
    """RELIABILITY #11: another member's entry or project cannot be used."""
    theirs = make_project(make_user(), title="Theirs")
    send = client.get if action == "edit" else client.post_form
    assert send(f"/me/projects/{theirs.id}/{action}").status_code == 403
    unknown = "00000000-0000-4000-8000-000000000000"
    assert send(f"/me/projects/{unknown}/{action}").status_code == 404
    assert db.session.get(Project, theirs.id).title == "Theirs"


def test_deleting_a_project_in_use_says_why_and_keeps_it(client, member, make_project,
                                                         make_challenge):
    project = make_project(member, title="Linked")
    submit(make_challenge("active"), member, project_id=project.id)
    response = client.post_form(f"/me/projects/{project.id}/delete", follow_redirects=True)
    assert "“Linked” is linked to 1 entry, so it can&#39;t be deleted" in \
        response.get_data(as_text=True)
    assert count(Project) == 1


def test_deleting_an_unused_project(client, member, make_project):
    project = make_project(member, title="Spare")
    response = client.post_form(f"/me/projects/{project.id}/delete", follow_redirects=True)
    assert "Project “Spare” deleted." in response.get_data(as_text=True)
    assert count(Project) == 0


def test_the_submit_form_offers_a_new_project_to_a_member_without_projects(client, member,
                                                                          requiring):
    page = client.get(f"/challenges/{requiring.slug}/submit").get_data(as_text=True)
    assert 'name="new_project_title"' in page and 'name="new_project_url"' in page
    assert re.search(r'<details class="new-project"\s+open', page)
    assert "this challenge asks for one" in page
    assert 'enctype="multipart/form-data"' in page


def test_without_javascript_a_member_with_no_projects_enters_a_require_project_challenge(
        client, member, requiring):
    response = client.post_form(f"/challenges/{requiring.slug}/submit", {
        "title": "My entry", "new_project_title": "My first project",
        "new_project_url": "https://me.example/first"})
    assert response.status_code == 302, response.get_data(as_text=True)
    entry = db.session.scalar(select(ChallengeSubmission))
    assert entry.project.title == "My first project"
    assert entry.project.owner_id == member.id
    assert response.headers["Location"].endswith(f"/submissions/{entry.id}/")


def test_without_a_project_a_require_project_challenge_says_so(client, member, requiring):
    response = client.post_form(f"/challenges/{requiring.slug}/submit", {"title": "My entry"})
    assert response.status_code == 422
    assert "This challenge asks you to link one of your projects." in \
        response.get_data(as_text=True)


def test_a_bad_new_project_is_refused_at_its_field_and_nothing_is_created(client, member,
                                                                         requiring):
    response = client.post_form(f"/challenges/{requiring.slug}/submit", {
        "title": "My entry", "new_project_title": "P", "new_project_url": "javascript:x"})
    assert response.status_code == 422
    assert 'id="new_project_url-error"' in response.get_data(as_text=True)
    assert (count(Project), count(ChallengeSubmission)) == (0, 0)


def test_a_refused_entry_leaves_no_new_project_behind(client, member, requiring):
    response = client.post_form(f"/challenges/{requiring.slug}/submit", {
        "title": "", "new_project_title": "P", "new_project_url": "https://p.example"})
    assert response.status_code == 422
    assert 'id="title-error"' in response.get_data(as_text=True)
    assert count(Project) == 0


def test_with_htmx_the_picker_creates_the_project_and_comes_back_with_it_selected(
        client, member, requiring):
    response = client.post_form("/me/projects/picker", {
        "new_project_title": "Inline project", "new_project_url": "https://me.example",
        "required": "1"}, headers=HTMX)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    project = db.session.scalar(select(Project))
    assert 'id="project-picker"' in page
    assert re.search(rf'<option selected value="{project.id}">Inline project</option>', page)
    assert "created and selected" in page
    assert "Vary" in response.headers and "HX-Request" in response.headers["Vary"]

    response = client.post_form(f"/challenges/{requiring.slug}/submit",
                                {"title": "My entry", "project_id": str(project.id)},
                                headers=HTMX)
    assert response.status_code == 204
    entry = db.session.scalar(select(ChallengeSubmission))
    assert entry.project_id == project.id
    assert response.headers["HX-Redirect"].endswith(f"/submissions/{entry.id}/")


def test_the_picker_answers_422_with_the_errors_and_creates_nothing(client, member):
    response = client.post_form("/me/projects/picker", {
        "new_project_title": "", "new_project_url": "ftp://x"}, headers=HTMX)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Give your project a title." in page and 'id="new_project_url-error"' in page
    assert count(Project) == 0


def test_the_picker_offers_only_the_members_own_projects(client, member, make_user,
                                                         make_project):
    make_project(make_user(), title="Someone else's")
    response = client.post_form("/me/projects/picker", {"new_project_title": "Mine"},
                                headers=HTMX)
    page = response.get_data(as_text=True)
    assert "Mine" in page and "Someone else" not in page
