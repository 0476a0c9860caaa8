"""Point values (SPEC §6): defaults, overridable per challenge in its ``points_config`` JSON."""

from __future__ import annotations

from typing import Any

from flask_babel import format_number
from flask_babel import gettext as _

from ..errors import ValidationFailed

DEFAULT_POINTS: dict[str, int] = {
    "submit": 50,
    "early_bird": 25,
    "vote": 5,
    "vote_received": 2,
    "featured": 100,
    "first_place": 500,
    "second_place": 300,
    "third_place": 200,
    "top_10": 100,
    "daily_vote_rewards": 20,  # rewarded votes per voter per UTC day
}
EARLY_BIRD_HOURS = 24


def points_for(config: dict[str, Any] | None, activity: str) -> int:
    """The value of ``activity`` in a challenge: its override, else the default."""
    value = (config or {}).get(activity, DEFAULT_POINTS[activity])
    return int(value)


def validate_points_config(raw: Any) -> dict[str, int]:
    """Check an override mapping: known activities, whole numbers from 0 to 100,000."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise ValidationFailed({"points_config": _("Point overrides must be a JSON object.")})
    unknown = sorted(set(raw) - set(DEFAULT_POINTS))
    if unknown:
        raise ValidationFailed({"points_config": _(
            "Unknown activities: %(unknown)s. Known: %(known)s.",
            unknown=", ".join(unknown), known=", ".join(DEFAULT_POINTS))})
    for name, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100_000:
            raise ValidationFailed({"points_config": _(
                "“%(name)s” must be a whole number from 0 to %(max)s.",
                name=name, max=format_number(100_000))})
    return dict(raw)
