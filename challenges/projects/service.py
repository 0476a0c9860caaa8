"""Members' own projects (SPEC §1, §3): the portfolio items an entry may link.

Every rule about a project lives here, once: the HTML pages (/me/projects), the inline "new
project" of the submit form and the JSON API (/api/projects/) all call these functions.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..models import ChallengeSubmission, Project, User
from ..services.entries import EntryInput
from ..services.text import TrimmedInput
from ..services.urls import url_problem
from ..transactions import serialize_on

TITLE_MAX, DESCRIPTION_MAX = 200, 5000
# Bounds the project <select> of the submit form and what one account can pile up.
MAX_PROJECTS = 200


class NotYourProject(Forbidden):
    code = "not_your_project"
    default_message = _l("Only its owner can change this project.")


class _ProjectConflict(Conflict):
    """A conflict whose default message is translated when raised (the API serialises a str)."""

    def __init__(self, message: str | None = None, **details: Any) -> None:
        super().__init__(str(message or self.default_message), **details)


class ProjectInUse(_ProjectConflict):
    code = "project_in_use"
    default_message = _l("This project is linked to an entry, so it can't be deleted.")


class TooManyProjects(_ProjectConflict):
    code = "too_many_projects"
    default_message = _l("You can have at most %(max)s projects. Delete one you no longer "
                         "need.", max=MAX_PROJECTS)


@dataclass
class ProjectInput(TrimmedInput):
    """What a member fills in for a project. Strings are trimmed; empty means "not given"."""

    title: str = ""
    url: str = ""
    image_url: str = ""
    description: str = ""


def validate_project(data: ProjectInput) -> dict[str, str]:
    """Field -> message for everything wrong with ``data`` (empty when it is fine)."""
    errors: dict[str, str] = {}
    if not data.title:
        errors["title"] = _("Give your project a title.")
    elif len(data.title) > TITLE_MAX:
        errors["title"] = _("Titles can be at most %(max)s characters.", max=TITLE_MAX)
    for name in ("url", "image_url"):
        value = getattr(data, name)
        if value and (problem := url_problem(value)):
            errors[name] = problem
    if len(data.description) > DESCRIPTION_MAX:
        errors["description"] = _("Descriptions can be at most %(max)s characters.",
                                  max=format_number(DESCRIPTION_MAX))
    return errors


def projects_of(owner_id: int) -> list[Project]:
    """A member's projects by title (what the submit form offers)."""
    return list(db.session.scalars(
        select(Project).where(Project.owner_id == owner_id)
        .order_by(func.lower(Project.title), Project.id).limit(MAX_PROJECTS)
    ))


def projects_page(owner_id: int, after: tuple[datetime, uuid.UUID] | None,
                  limit: int) -> tuple[list[Project], tuple[datetime, uuid.UUID] | None]:
    """One page of a member's projects, newest first, by keyset (created_at, id); and the key
    to continue after, or None on the last page."""
    query = select(Project).where(Project.owner_id == owner_id)
    if after is not None:
        query = query.where(or_(Project.created_at < after[0],
                                and_(Project.created_at == after[0], Project.id < after[1])))
    rows = list(db.session.scalars(
        query.order_by(Project.created_at.desc(), Project.id.desc()).limit(limit + 1)))
    page = rows[:limit]
    more = (page[-1].created_at, page[-1].id) if len(rows) > limit else None
    return page, more


def entry_counts(project_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Live entries linking each project (a project in use cannot be deleted)."""
    if not project_ids:
        return {}
    rows = db.session.execute(
        select(ChallengeSubmission.project_id, func.count())
        .where(ChallengeSubmission.project_id.in_(project_ids),
               ChallengeSubmission.is_withdrawn.is_(False))
        .group_by(ChallengeSubmission.project_id)
    ).all()
    return {project_id: count for project_id, count in rows if project_id is not None}


def own_project(project_id: uuid.UUID, owner: User) -> Project:
    """``owner``'s project; NotFound if there is none, NotYourProject if it is someone else's."""
    project = db.session.get(Project, project_id)
    if project is None:
        raise NotFound(_("No such project."))
    if project.owner_id != owner.id:
        raise NotYourProject()
    return project


def create_project(owner: User, data: ProjectInput, now: datetime) -> Project:
    """Add a project to ``owner``'s portfolio. Raises ValidationFailed or TooManyProjects."""
    errors = validate_project(data)
    if errors:
        raise ValidationFailed(errors)
    serialize_on("projects", owner.id)  # the cap: concurrent creates count one at a time
    count = db.session.scalar(
        select(func.count()).select_from(Project).where(Project.owner_id == owner.id)) or 0
    if count >= MAX_PROJECTS:
        raise TooManyProjects()
    project = Project(owner_id=owner.id, created_at=now, **_content(data))
    db.session.add(project)
    db.session.flush()
    return project


def update_project(project_id: uuid.UUID, owner: User, data: ProjectInput) -> Project:
    """Change ``owner``'s project. Raises NotFound, NotYourProject or ValidationFailed."""
    project = own_project(project_id, owner)
    errors = validate_project(data)
    if errors:
        raise ValidationFailed(errors)
    for name, value in _content(data).items():
        setattr(project, name, value)
    db.session.flush()
    return project


def delete_project(project_id: uuid.UUID, owner: User) -> None:
    """Delete ``owner``'s project unless a live entry links it (ProjectInUse)."""
    project = own_project(project_id, owner)
    in_use = entry_counts([project.id]).get(project.id, 0)
    if in_use:
        raise ProjectInUse(ngettext(
            "“%(title)s” is linked to %(num)d entry, so it can't be deleted. "
            "Withdraw the entries (or link them to another project) first.",
            "“%(title)s” is linked to %(num)d entries, so it can't be deleted. "
            "Withdraw the entries (or link them to another project) first.",
            in_use, title=project.title))
    db.session.delete(project)
    db.session.flush()


def attach_new_project(owner: User, data: EntryInput, new: ProjectInput | None,
                       now: datetime, prefix: str = "new_project_") -> EntryInput:
    """The entry ``data``, linked to a project created now from ``new`` when the member chose
    no existing project but named a new one (the submit form without JavaScript). Runs in the
    caller's transaction, so a refused entry leaves no project behind. Errors of the new
    project come back under ``prefix`` + field name."""
    if new is None or data.project_id is not None or not (new.title or new.url):
        return data
    return replace(data, project_id=create_picked_project(owner, new, now, prefix).id)


def create_picked_project(owner: User, new: ProjectInput, now: datetime,
                          prefix: str = "new_project_") -> Project:
    """``create_project`` for the submit form's picker: errors come back under the picker's
    field names (``prefix`` + field)."""
    try:
        return create_project(owner, new, now)
    except ValidationFailed as error:
        raise ValidationFailed({prefix + name: message
                                for name, message in error.errors.items()}) from None


def _content(data: ProjectInput) -> dict[str, str]:
    return {f.name: getattr(data, f.name) for f in fields(data)}
