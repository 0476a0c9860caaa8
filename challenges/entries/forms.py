"""The entry form. It only collects text: the rules live in services.entries.validate_entry."""

from __future__ import annotations

import uuid

from wtforms import SelectField, StringField, TextAreaField, URLField

# SelectChoice is new in WTForms 3.3; types-wtforms 3.2 lacks it (hence the ignore).
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined, unused-ignore]
from wtforms.validators import Length

from ..forms import AppForm
from ..models import Project
from ..services.entries import EntryInput

# Generous caps so a 10 MB field never reaches the service; the real limits are the service's.
_CAP = [Length(max=20_000)]


class EntryForm(AppForm):
    title = StringField("Title", validators=_CAP, render_kw={"maxlength": 200,
                                                            "autocomplete": "off"})
    image_url = URLField(
        "Image link", validators=_CAP,
        description="A direct https:// link to your image. We never download it.",
        render_kw={"placeholder": "https://…", "inputmode": "url"},
    )
    image_alt_text = StringField(
        "Image description (alt text)", validators=_CAP,
        description="Required with an image: describe it for people who can't see it.",
        render_kw={"maxlength": 500},
    )
    external_url = URLField("Link to your work", validators=_CAP,
                            render_kw={"placeholder": "https://…", "inputmode": "url"})
    project_id = SelectField("Link a project", choices=[], validate_choice=False)
    description = TextAreaField("Description", validators=_CAP,
                                render_kw={"rows": 4, "maxlength": 5000})
    prompt_used = TextAreaField("Prompt used (optional)", validators=_CAP,
                                render_kw={"rows": 2})
    tool_used = StringField("Tool used (optional)", validators=_CAP,
                            render_kw={"maxlength": 100, "placeholder": "e.g. Midjourney v7"})

    def set_projects(self, projects: list[Project]) -> None:
        self.project_id.choices = [SelectChoice("", "No project")] + [
            SelectChoice(str(p.id), p.title) for p in projects
        ]

    def to_input(self) -> EntryInput:
        return EntryInput(
            title=self.title.data or "",
            description=self.description.data or "",
            image_url=self.image_url.data or "",
            image_alt_text=self.image_alt_text.data or "",
            external_url=self.external_url.data or "",
            project_id=_uuid_or_none(self.project_id.data),
            prompt_used=self.prompt_used.data or "",
            tool_used=self.tool_used.data or "",
        )


def _uuid_or_none(raw: str | None) -> uuid.UUID | None:
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return uuid.UUID(int=0)  # no such project: the service says "choose one of your own"
