"""The judging page's form: one 1-10 score per rubric criterion."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Field, IntegerField
from wtforms.validators import InputRequired, NumberRange

from ..forms import AppForm
from .service import SCORE_MAX, SCORE_MIN, Criterion


class ScoreForm(AppForm):
    """Built per rubric (``score_form``): fields ``c0``, ``c1``, ``c2``."""

    def score_fields(self) -> list[Field]:
        """The score fields, in the rubric's order."""
        return [field for name, field in self._fields.items()
                if name[:1] == "c" and name[1:].isdigit()]

    def scores(self) -> list[int]:
        return [int(field.data) for field in self.score_fields()]


def score_form(rubric: list[Criterion], values: list[int] | None = None, *,
               focus: bool = True, **kwargs: object) -> ScoreForm:
    """A form for ``rubric``, filled with ``values`` (the judge's saved scores) when given;
    with ``focus`` the first score takes the focus as the page opens (keyboard first)."""

    class _Form(ScoreForm):
        pass

    message = _l("Score from %(low)s to %(high)s.", low=SCORE_MIN, high=SCORE_MAX)
    for index, criterion in enumerate(rubric):
        percent = f"{round(criterion.weight * 100)} %"
        setattr(_Form, f"c{index}", IntegerField(
            criterion.name,
            validators=[InputRequired(message=message),
                        NumberRange(min=SCORE_MIN, max=SCORE_MAX, message=message)],
            description=_("Counts %(percent)s of the entry's score.",
                          percent=percent),
            render_kw={"min": SCORE_MIN, "max": SCORE_MAX, "inputmode": "numeric",
                       **({"autofocus": True} if focus and index == 0 else {})}))
    data = {f"c{i}": v for i, v in enumerate(values)} if values else None
    return _Form(data=data, **kwargs)
