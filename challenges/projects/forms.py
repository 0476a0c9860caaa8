"""Project forms: the /me/projects form, and the project picker the submit form mixes in.
They only collect text; the rules are the service's (``validate_project``)."""

from __future__ import annotations

import uuid

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField, URLField

# SelectChoice is new in WTForms 3.3; types-wtforms 3.2 lacks it (hence the ignore).
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined, unused-ignore]

from ..forms import AppForm, up_to
from ..models import Project
from ..services.urls import MAX_URL_LENGTH
from .service import DESCRIPTION_MAX, TITLE_MAX, ProjectInput


class ProjectForm(AppForm):
    title = StringField(_l("Title"), validators=up_to(TITLE_MAX),
                        render_kw={"autocomplete": "off"})
    url = URLField(_l("Link"), validators=up_to(MAX_URL_LENGTH),
                   description=_l("Where the project lives (https://…)."),
                   render_kw={"placeholder": "https://…", "inputmode": "url"})
    image_url = URLField(_l("Image link (optional)"), validators=up_to(MAX_URL_LENGTH),
                         render_kw={"placeholder": "https://…", "inputmode": "url"})
    description = TextAreaField(_l("Description (optional)"), validators=up_to(DESCRIPTION_MAX),
                                render_kw={"rows": 4})

    def to_input(self) -> ProjectInput:
        return ProjectInput(title=self.title.data or "", url=self.url.data or "",
                            image_url=self.image_url.data or "",
                            description=self.description.data or "")


class ProjectPickerFields:
    """Mix into an AppForm: "link a project", and a new project's title and link, used when
    no existing project is chosen (so the form works without JavaScript; with htmx the same
    fields create the project inline and the picker comes back with it selected)."""

    project_id = SelectField(_l("Link a project"), choices=[], validate_choice=False)
    new_project_title = StringField(_l("New project name"), validators=up_to(TITLE_MAX),
                                    render_kw={"autocomplete": "off"})
    new_project_url = URLField(_l("New project link"), validators=up_to(MAX_URL_LENGTH),
                               render_kw={"placeholder": "https://…", "inputmode": "url"})

    def set_projects(self, projects: list[Project], required: bool = False) -> None:
        empty = _("Choose a project…") if required else _("No project")
        self.project_id.choices = [SelectChoice("", empty)] + [
            SelectChoice(str(p.id), p.title) for p in projects
        ]

    def chosen_project_id(self) -> uuid.UUID | None:
        raw = self.project_id.data
        if not raw:
            return None
        try:
            return uuid.UUID(raw)
        except ValueError:
            return uuid.UUID(int=0)  # no such project: the service says "choose one of your own"

    def new_project(self) -> ProjectInput | None:
        """The new project the member named, if any."""
        title = self.new_project_title.data or ""
        url = self.new_project_url.data or ""
        if not (title.strip() or url.strip()):
            return None
        return ProjectInput(title=title, url=url)


class ProjectPickerForm(ProjectPickerFields, AppForm):
    """The picker alone: what the inline "Create project" button posts."""
