"""The endpoint form of the sponsor pages (the admin builds its own from the model). It only
collects values; the rules are the service's (``validate_endpoint``)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, StringField, URLField, widgets
from wtforms.validators import Length

from ..forms import AppForm
from .models import EVENT_TYPES
from .service import EndpointInput

EVENT_LABELS = {
    "challenge.published": _l("%(event)s: a challenge is announced",
                              event="challenge.published"),
    "challenge.phase_changed": _l("%(event)s: submissions or voting open or close",
                                  event="challenge.phase_changed"),
    "submission.created": _l("%(event)s: a new entry", event="submission.created"),
    "challenge.finalized": _l("%(event)s: results are final", event="challenge.finalized"),
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
    url = URLField(_l("Endpoint URL"), validators=[Length(max=4096)],
                   description=_l("Where we POST each event (https://…). It must be reachable "
                                  "on the public internet."),
                   render_kw={"placeholder": "https://…", "inputmode": "url"})
    description = StringField(_l("Description (optional)"), validators=[Length(max=1000)],
                              render_kw={"maxlength": 200, "autocomplete": "off"})
    events = EventTypesField(_l("Events"),
                             description=_l("Only your challenges' events are sent."))

    def to_input(self) -> EndpointInput:
        return EndpointInput(url=self.url.data or "", description=self.description.data or "",
                             events=list(self.events.data or []))
