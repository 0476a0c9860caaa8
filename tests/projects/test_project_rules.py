"""SPEC §1, §3: members create and manage their own projects; an entry can link one. The rules
live in challenges.projects.service (the pages and the API call the same functions)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from challenges.clock import utcnow
from challenges.errors import NotFound, ValidationFailed
from challenges.extensions import db
from challenges.models import ChallengeSubmission, Project
from challenges.projects.service import (
    NotYourProject,
    ProjectInput,
    ProjectInUse,
    attach_new_project,
    create_project,
    delete_project,
    projects_of,
    projects_page,
    update_project,
    validate_project,
)
from challenges.services.entries import EntryInput, submit_entry, withdraw_entry
from challenges.transactions import commit_with_retry

from ..core.helpers import submit


def create(owner, **fields):
    return commit_with_retry(lambda: create_project(owner, ProjectInput(**fields), utcnow()))


def project_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Project))


def test_a_member_creates_a_project_with_a_title_and_a_link(make_user):
    owner = make_user()
    project = create(owner, title="  Night sky  ", url="https://me.example/sky",
                     image_url="http://img.example/sky.png", description="Stars")
    assert (project.owner_id, project.title, project.url) == (owner.id, "Night sky",
                                                              "https://me.example/sky")


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"title": ""}, "title", "Give your project a title."),
    ({"title": "   "}, "title", "Give your project a title."),
    ({"title": "x" * 201}, "title", "at most 200"),
    ({"title": "ok", "url": "javascript:alert(1)"}, "url", "https://"),
    ({"title": "ok", "url": "ftp://files.example/x"}, "url", "https://"),
    ({"title": "ok", "image_url": "data:image/png;base64,AAAA"}, "image_url", "https://"),
    ({"title": "ok", "description": "x" * 5001}, "description", "5,000"),
])
def test_project_fields_follow_the_rules(data, field, message):
    """RELIABILITY #24: URL fields take absolute http(s) only."""
    errors = validate_project(ProjectInput(**data))
    assert message in errors[field]


def test_a_title_of_200_characters_and_http_links_are_fine():
    assert validate_project(ProjectInput(title="x" * 200, url="http://a.example",
                                         image_url="https://b.example/i.png",
                                         description="y" * 5000)) == {}


def test_a_refused_project_is_not_created(make_user):
    with pytest.raises(ValidationFailed):
        create(make_user(), title="")
    assert project_count() == 0


def test_only_the_owner_may_change_or_delete_a_project(make_user, make_project):
    project = make_project(make_user(), title="Mine")
    stranger = make_user()
    with pytest.raises(NotYourProject):
        commit_with_retry(lambda: update_project(project.id, stranger, ProjectInput(title="X")))
    with pytest.raises(NotYourProject):
        commit_with_retry(lambda: delete_project(project.id, stranger))
    db.session.expire_all()
    assert db.session.get(Project, project.id).title == "Mine"


def test_an_unknown_project_is_not_found(make_user):
    import uuid

    with pytest.raises(NotFound):
        commit_with_retry(lambda: delete_project(uuid.uuid4(), make_user()))


def test_a_project_linked_by_a_live_entry_cannot_be_deleted_until_withdrawn(
        make_user, make_project, make_challenge):
    owner = make_user()
    project = make_project(owner, title="Linked")
    entry = submit(make_challenge("active"), owner, project_id=project.id)
    with pytest.raises(ProjectInUse, match="linked to 1 entry"):
        commit_with_retry(lambda: delete_project(project.id, owner))
    commit_with_retry(lambda: withdraw_entry(entry.id, owner, utcnow()))
    commit_with_retry(lambda: delete_project(project.id, owner))
    assert project_count() == 0


def test_projects_of_lists_only_the_members_own_by_title(make_user, make_project):
    owner, other = make_user(), make_user()
    for title in ("beta", "Alpha", "gamma"):
        make_project(owner, title=title)
    make_project(other, title="Aardvark")
    assert [p.title for p in projects_of(owner.id)] == ["Alpha", "beta", "gamma"]


def test_projects_page_walks_every_project_newest_first(make_user, frozen_clock):
    owner = make_user()
    made = []
    for n in range(5):
        frozen_clock.advance(seconds=1)
        made.append(create(owner, title=f"P{n}"))
    seen, after = [], None
    while True:
        page, after = projects_page(owner.id, after, limit=2)
        seen += [p.title for p in page]
        if after is None:
            break
    assert seen == ["P4", "P3", "P2", "P1", "P0"]


def test_a_new_project_and_its_entry_are_one_transaction(make_user, make_challenge):
    """Without JavaScript the submit form carries the new project: created with the entry, and
    not at all when the entry is refused."""
    challenge = make_challenge("active", require_project_link=True)
    member = make_user()
    new = ProjectInput(title="First project", url="https://me.example")

    def enter(data: EntryInput):
        return commit_with_retry(lambda: submit_entry(
            challenge.id, member, attach_new_project(member, data, new, utcnow()), utcnow()))

    with pytest.raises(ValidationFailed) as refused:
        enter(EntryInput(title=""))
    assert "title" in refused.value.errors
    assert project_count() == 0
    entry = enter(EntryInput(title="My entry"))
    assert entry.project.title == "First project" and entry.project.owner_id == member.id


def test_errors_of_the_new_project_come_back_under_its_field_names(make_user):
    member = make_user()
    with pytest.raises(ValidationFailed) as refused:
        attach_new_project(member, EntryInput(title="x"),
                           ProjectInput(title="", url="javascript:x"), utcnow())
    assert set(refused.value.errors) == {"new_project_title", "new_project_url"}


def test_a_chosen_project_wins_over_new_project_fields(make_user, make_project):
    member = make_user()
    chosen = make_project(member)
    data = attach_new_project(member, EntryInput(title="x", project_id=chosen.id),
                              ProjectInput(title="Ignored"), utcnow())
    assert data.project_id == chosen.id and project_count() == 1


def test_an_entry_counts_an_uploaded_image_as_its_work(make_user, make_challenge):
    entry = commit_with_retry(lambda: submit_entry(
        make_challenge("active").id, make_user(),
        EntryInput(title="Up", image_upload="a" * 64, image_alt_text="A"), utcnow()))
    assert db.session.get(ChallengeSubmission, entry.id).image_upload == "a" * 64


@pytest.mark.parametrize(("data", "field"), [
    ({"image_upload": "a" * 64}, "image_alt_text"),
    ({"image_upload": "a" * 64, "image_url": "https://x.example/i.png",
      "image_alt_text": "A"}, "image_url"),
])
def test_an_uploaded_image_needs_alt_text_and_excludes_an_image_link(make_user, make_challenge,
                                                                    data, field):
    with pytest.raises(ValidationFailed) as refused:
        commit_with_retry(lambda: submit_entry(make_challenge("active").id, make_user(),
                                               EntryInput(title="Up", **data), utcnow()))
    assert field in refused.value.errors
