"""The archive's filter form: a GET form (no CSRF: it changes nothing), read from the URL."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SearchField, SelectField

from ..admin.labels import THEME_CHOICES
from ..forms import AppForm, up_to
from .search import SEARCH_MAX
from .service import ArchiveFilters, FilterChoices


class ArchiveFilterForm(AppForm):
    """Search words, year, sponsor and theme colour; each "any" when empty."""

    class Meta:
        csrf = False  # a search changes nothing; its URL is meant to be shared

    q = SearchField(_l("Search titles and descriptions"), validators=up_to(SEARCH_MAX))
    year = SelectField(_l("Year"), choices=[], default="")
    sponsor = SelectField(_l("Sponsor"), choices=[], default="")
    theme = SelectField(_l("Theme colour"), choices=[], default="")

    def __init__(self, formdata: Any, choices: FilterChoices) -> None:
        super().__init__(formdata=formdata)
        self.year.choices = [("", _l("Any year"))] + [(str(y), str(y)) for y in choices.years]
        self.sponsor.choices = [("", _l("Any sponsor"))] + list(choices.sponsors)
        self.theme.choices = [("", _l("Any colour"))] + [
            (value, label) for value, label in THEME_CHOICES if value in choices.themes]

    def filters(self) -> ArchiveFilters:
        """The filters to apply: every field that is valid (a bad one shows its error and
        counts as "any", so a hand-edited URL never fails the page)."""
        self.validate()
        q = (self.q.data or "").strip()
        if len(q) > SEARCH_MAX:
            self.q.errors = [*self.q.errors, _l("Up to %(max)s characters.", max=SEARCH_MAX)]
        ok = {name: not getattr(self, name).errors for name in ("q", "year", "sponsor", "theme")}
        return ArchiveFilters(
            year=int(self.year.data) if ok["year"] and self.year.data else None,
            sponsor=(self.sponsor.data or None) if ok["sponsor"] else None,
            theme=(self.theme.data or None) if ok["theme"] else None,
            q=q if ok["q"] else "",
        )
