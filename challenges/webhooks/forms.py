"""The endpoint form of the sponsor pages (the admin builds its own from the model). It only
collects values; the rules are the service's (``validate_endpoint``)."""

from __future__ import annotations

from typing import Any

from wtforms import SelectMultipleField, StringField, URLField, widgets
from wtforms.validators import Length

from ..forms import AppForm
from .models import EVENT_TYPES
from .service import EndpointInput

EVENT_LABELS = {
    "challenge.published": "challenge.published: a challenge is announced",
    "challenge.phase_changed": "challenge.phase_changed: submissions or voting open or close",
    "submission.created": "submission.created: a new entry",
    "challenge.finalized": "challenge.finalized: results are final",
}


class EventTypesField(SelectMultipleField):
    """The event types as checkboxes; reads and writes the model's comma-separated column."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("choices", [(t, EVENT_LABELS.get(t, t)) for t in EVENT_TYPES])
        kwargs.setdefault("validate_choice", False)  # the service names unknown types
        super().__init__(*args, **kwargs)

    def process_data(self, value: Any) -> None:
        if isinstance(value, str):
            value = [t for t in value.split(",") if t]
        super().process_data(value)

    def populate_obj(self, obj: Any, name: str) -> None:
        setattr(obj, name, ",".join(sorted(set(self.data or []))))


class EndpointForm(AppForm):
    url = URLField("Endpoint URL", validators=[Length(max=4096)],
                   description="Where we POST each event (https://…). It must be reachable "
                               "on the public internet.",
                   render_kw={"placeholder": "https://…", "inputmode": "url"})
    description = StringField("Description (optional)", validators=[Length(max=1000)],
                              render_kw={"maxlength": 200, "autocomplete": "off"})
    events = EventTypesField("Events", description="Only your challenges' events are sent.")

    def to_input(self) -> EndpointInput:
        return EndpointInput(url=self.url.data or "", description=self.description.data or "",
                             events=list(self.events.data or []))
