"""/me/projects: a member's own projects (list, create, edit, delete when unused), and the
inline "Create project" of the submit form (htmx). Thin: parse, call the service, commit."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..clock import utcnow
from ..errors import DomainError, Forbidden, NotFound, ValidationFailed
from ..forms import EmptyForm
from ..models import Project
from ..transactions import commit_with_retry
from ..web import attach_errors, htmx_vary
from .forms import ProjectForm, ProjectPickerForm
from .service import (
    MAX_PROJECTS,
    ProjectInput,
    create_picked_project,
    create_project,
    delete_project,
    entry_counts,
    own_project,
    projects_of,
    update_project,
)

# "projects" is the admin's endpoint for its Project view.
bp = Blueprint("my_projects", __name__)


def project_or_404(project_id: uuid.UUID) -> Project:
    """The viewer's project; 404 if there is none, 403 if it is someone else's."""
    try:
        return own_project(project_id, current_user)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)


@bp.get("/me/projects")
@login_required
def mine() -> ResponseReturnValue:
    projects = projects_of(current_user.id)
    return render_template("projects/list.html", projects=projects,
                           in_use=entry_counts([p.id for p in projects]),
                           delete_form=EmptyForm(), max_projects=MAX_PROJECTS)


@bp.route("/me/projects/new", methods=["GET", "POST"])
@login_required
def create() -> ResponseReturnValue:
    form = ProjectForm()
    if form.validate_on_submit():
        data = form.to_input()
        try:
            project = commit_with_retry(lambda: create_project(current_user, data, utcnow()))
        except ValidationFailed as error:
            attach_errors(form, error.errors)
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            flash(_("Project “%(title)s” created.", title=project.title), "success")
            return redirect(url_for(".mine"))
    status = 422 if form.is_submitted() else 200
    return render_template("projects/form.html", form=form, project=None), status


@bp.route("/me/projects/<uuid:project_id>/edit", methods=["GET", "POST"])
@login_required
def edit(project_id: uuid.UUID) -> ResponseReturnValue:
    project = project_or_404(project_id)
    form = ProjectForm(obj=project)
    if form.validate_on_submit():
        data = form.to_input()
        try:
            commit_with_retry(lambda: update_project(project.id, current_user, data))
        except ValidationFailed as error:
            attach_errors(form, error.errors)
        else:
            flash(_("Project updated."), "success")
            return redirect(url_for(".mine"))
    status = 422 if form.is_submitted() else 200
    return render_template("projects/form.html", form=form, project=project), status


@bp.post("/me/projects/<uuid:project_id>/delete")
@login_required
def delete(project_id: uuid.UUID) -> ResponseReturnValue:
    project = project_or_404(project_id)
    title = project.title
    try:
        commit_with_retry(lambda: delete_project(project.id, current_user))
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Project “%(title)s” deleted.", title=title), "info")
    return redirect(url_for(".mine"))


@bp.post("/me/projects/picker")
@login_required
def picker() -> ResponseReturnValue:
    """The submit form's "Create project" button (htmx): create the project from the picker's
    new-project fields and send the picker back with it selected, or with the errors."""
    form = ProjectPickerForm()
    required = request.form.get("required") == "1"
    status, created = 422, None
    if form.validate_on_submit():
        new = form.new_project() or ProjectInput()
        try:
            created = commit_with_retry(lambda: create_picked_project(current_user, new, utcnow()))
        except ValidationFailed as error:
            attach_errors(form, error.errors)
        except DomainError as error:
            form.new_project_title.errors = [*form.new_project_title.errors, error.message]
            status = 409
        else:
            status = 200
    form.set_projects(projects_of(current_user.id), required=required)
    if created is not None:
        form.project_id.data = str(created.id)
        form.new_project_title.data = form.new_project_url.data = ""
    body = render_template("projects/_picker.html", form=form, required=required,
                           created=created)
    return htmx_vary(Response(body, status=status))
