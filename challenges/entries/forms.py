"""The entry form. It only collects input: the rules live in services.entries.validate_entry
(and, for a new project or an uploaded image, in the projects and uploads packages).

Each text field states its maximum length with a ``Length`` whose maximum is the service's own
limit (or the URL rule's): the hint and ``maxlength`` read it. A longer value is
refused by the service, with its message at the field (the same message the API gives), so no
limit and no message is written twice.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField, URLField

from ..forms import AppForm, up_to
from ..projects.forms import ProjectPickerFields
from ..services.entries import ALT_MAX, DESCRIPTION_MAX, PROMPT_MAX, TITLE_MAX, TOOL_MAX, EntryInput
from ..services.urls import MAX_URL_LENGTH
from ..uploads.forms import ImageUploadFields


class EntryForm(ProjectPickerFields, ImageUploadFields, AppForm):
    title = StringField(_l("Title"), validators=up_to(TITLE_MAX),
                        render_kw={"autocomplete": "off"})
    image_url = URLField(
        _l("Image link"), validators=up_to(MAX_URL_LENGTH),
        description=_l("A direct https:// link to your image. We never download it."),
        render_kw={"placeholder": "https://…", "inputmode": "url"},
    )
    image_alt_text = StringField(
        _l("Image description (alt text)"), validators=up_to(ALT_MAX),
        description=_l("Required with an image: describe it for people who can't see it."),
    )
    external_url = URLField(_l("Link to your work"), validators=up_to(MAX_URL_LENGTH),
                            render_kw={"placeholder": "https://…", "inputmode": "url"})
    description = TextAreaField(_l("Description"), validators=up_to(DESCRIPTION_MAX),
                                render_kw={"rows": 4})
    prompt_used = TextAreaField(_l("Prompt used (optional)"), validators=up_to(PROMPT_MAX),
                                render_kw={"rows": 2})
    tool_used = StringField(_l("Tool used (optional)"), validators=up_to(TOOL_MAX),
                            render_kw={"placeholder": _l("e.g. Midjourney v7")})

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
