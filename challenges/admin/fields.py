"""Form fields of the admin that Flask-Admin's own do not get right for editors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from wtforms.fields import DateTimeLocalField

# What the browser's ``datetime-local`` input sends (with or without seconds), and the space
# separated form Flask-Admin used before, so a value typed or pasted either way is understood.
ACCEPTED_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class UTCDateTimeField(DateTimeLocalField):
    """A native ``<input type="datetime-local">`` whose value is a time in UTC.

    Flask-Admin's date picker rewrote the text while it was being typed (a date typed character
    by character came out garbled); the browser's own control takes typing, the keyboard and
    screen readers as they are. The value has no time zone, so it is read as UTC (the label says
    so) and shown back in UTC.
    """

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("format", ACCEPTED_FORMATS)
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        if not isinstance(self.data, datetime):
            return ""
        moment = self.data.astimezone(UTC) if self.data.tzinfo else self.data
        # Seconds only when there are some: a value with seconds needs ``step="1"`` to be valid.
        return moment.strftime("%Y-%m-%dT%H:%M:%S" if moment.second else "%Y-%m-%dT%H:%M")

    def __call__(self, **kwargs: Any) -> Any:
        if isinstance(self.data, datetime) and self.data.second and not self.raw_data:
            kwargs.setdefault("step", "1")
        return super().__call__(**kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not " ".join(valuelist).strip():
            self.data = None
            return
        text = " ".join(valuelist).strip()
        for pattern in ACCEPTED_FORMATS:
            try:
                self.data = datetime.strptime(text, pattern).replace(tzinfo=UTC)
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError(_("Enter a date and time, such as 2027-01-31 18:00 (UTC)."))
