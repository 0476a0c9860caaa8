"""The entry form. It only collects input: the rules live in services.entries.validate_entry
(and, for a new project or an uploaded image, in the projects and uploads packages)."""

from __future__ import annotations

from typing import Any

from wtforms import StringField, TextAreaField, URLField
from wtforms.validators import Length

from ..forms import AppForm
from ..projects.forms import ProjectPickerFields
from ..services.entries import EntryInput
from ..uploads.forms import ImageUploadFields

# Generous caps so a 10 MB field never reaches the service; the real limits are the service's.
_CAP = [Length(max=20_000)]


class EntryForm(ProjectPickerFields, ImageUploadFields, AppForm):
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
    description = TextAreaField("Description", validators=_CAP,
                                render_kw={"rows": 4, "maxlength": 5000})
    prompt_used = TextAreaField("Prompt used (optional)", validators=_CAP,
                                render_kw={"rows": 2})
    tool_used = StringField("Tool used (optional)", validators=_CAP,
                            render_kw={"maxlength": 100, "placeholder": "e.g. Midjourney v7"})

    def validate(self, extra_validators: Any = None) -> bool:
        """The text checks, then the upload: validating a file means decoding it, and a good
        one is stored at once so that a form sent back for other errors keeps it."""
        valid = super().validate(extra_validators)
        return self.take_upload() and valid

    def to_input(self) -> EntryInput:
        return EntryInput(
            title=self.title.data or "",
            description=self.description.data or "",
            image_url=self.image_url.data or "",
            image_upload=self.image_upload.data or "",
            image_alt_text=self.image_alt_text.data or "",
            external_url=self.external_url.data or "",
            project_id=self.chosen_project_id(),
            prompt_used=self.prompt_used.data or "",
            tool_used=self.tool_used.data or "",
        )

