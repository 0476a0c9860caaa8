"""The language choice: the account page's select and the footer's buttons post the same form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField

# SelectChoice is new in WTForms 3.3; types-wtforms 3.2 lacks it (hence the ignore).
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined, unused-ignore]

from ..auth.nexturl import safe_next
from ..forms import AppForm
from . import LANGUAGES

FOLLOW_BROWSER = ""


def _same_site_or_blank(value: str | None) -> str:
    return safe_next(value, "")


def language_choices() -> list[SelectChoice]:
    """"Follow my browser", then each language named in itself (and marked with its ``lang``, so
    a screen reader pronounces "Español" in Spanish on an English page)."""
    return [SelectChoice(FOLLOW_BROWSER, str(_l("Follow my browser"))),
            *(SelectChoice(code, name, {"lang": code}) for code, name in LANGUAGES.items())]


class LanguageForm(AppForm):
    """``locale`` is "" (follow the browser's Accept-Language) or a supported language."""

    locale = SelectField(_l("Language"), choices=language_choices,
                         description=_l("The language of the site and of the emails we send you."))
    next = HiddenField(filters=[_same_site_or_blank])

    def chosen(self) -> str | None:
        """The chosen locale, or None for "follow my browser"."""
        return self.locale.data or None
