"""The caller's own projects through the API: GET/POST /api/projects/ and GET/PATCH/DELETE
/api/projects/<id>/. The rules are the projects service's, shared with /me/projects."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import Response, jsonify, request, url_for

from ..clock import as_utc, utcnow
from ..extensions import limiter
from ..models import Project
from ..projects.service import (
    ProjectInput,
    create_project,
    delete_project,
    entry_counts,
    own_project,
    projects_page,
    update_project,
)
from ..timefmt import iso_z
from ..transactions import commit_with_retry
from .inputs import int_arg, json_body, uuid_or_none
from .views import WRITE_LIMIT, BadCursor, bp, decode_cursor, encode_cursor, require_caller

PROJECT_FIELDS = {"title", "url", "image_url", "description"}


def project_json(project: Project, entry_count: int) -> dict[str, Any]:
    return {
        "id": str(project.id),
        "title": project.title,
        "url": project.url or None,
        "image_url": project.image_url or None,
        "description": project.description or None,
        "created_at": iso_z(project.created_at),
        "entry_count": entry_count,
    }


def _with_count(project: Project) -> dict[str, Any]:
    return project_json(project, entry_counts([project.id]).get(project.id, 0))


def _project_id(raw: str) -> uuid.UUID:
    project_id = uuid_or_none(raw, "project_id")
    assert project_id is not None  # the route never matches an empty segment
    return project_id


def _after(raw: str | None) -> tuple[datetime, uuid.UUID] | None:
    cursor = decode_cursor(raw)
    if cursor is None:
        return None
    try:
        created, project_id = cursor.split("|", 1)
        moment = datetime.fromisoformat(created)
        if moment.tzinfo is None:
            raise ValueError("naive")
        return as_utc(moment), uuid.UUID(project_id)
    except (ValueError, OverflowError):
        raise BadCursor() from None


@bp.get("/projects/")
def list_projects() -> Response:
    user = require_caller()
    limit = int_arg("limit", 20, 1, 100)
    page, more = projects_page(user.id, _after(request.args.get("cursor")), limit)
    counts = entry_counts([p.id for p in page])
    next_url = None
    if more is not None:
        next_url = url_for(".list_projects", _external=True, limit=limit,
                           cursor=encode_cursor(f"{more[0].isoformat()}|{more[1]}"))
    return jsonify(results=[project_json(p, counts.get(p.id, 0)) for p in page], next=next_url)


@bp.post("/projects/")
@limiter.limit(WRITE_LIMIT)
def create() -> tuple[Response, int]:
    user = require_caller()
    data = ProjectInput(**json_body(PROJECT_FIELDS, required={"title"}))
    project = commit_with_retry(lambda: create_project(user, data, utcnow()))
    return jsonify(project_json(project, 0)), 201


@bp.get("/projects/<project_id>/")
def project_detail(project_id: str) -> Response:
    user = require_caller()
    return jsonify(_with_count(own_project(_project_id(project_id), user)))


@bp.patch("/projects/<project_id>/")
@limiter.limit(WRITE_LIMIT)
def update(project_id: str) -> Response:
    user = require_caller()
    project = own_project(_project_id(project_id), user)
    changes = json_body(PROJECT_FIELDS)
    data = ProjectInput(**{name: changes.get(name, getattr(project, name))
                           for name in PROJECT_FIELDS})
    project = commit_with_retry(lambda: update_project(project.id, user, data))
    return jsonify(_with_count(project))


@bp.delete("/projects/<project_id>/")
@limiter.limit(WRITE_LIMIT)
def delete(project_id: str) -> Response:
    user = require_caller()
    project = own_project(_project_id(project_id), user)
    commit_with_retry(lambda: delete_project(project.id, user))
    return jsonify(id=str(project.id), deleted=True)
