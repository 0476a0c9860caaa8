"""Templates' ``_`` keeps the request's catalogue beside its locale (issue #14:
``i18n.template_translations``): the same catalogue Flask-Babel gives, looked up again when the
locale changes (an email rendered in its recipient's language inside a request)."""

from __future__ import annotations

from flask import render_template_string, session
from flask_babel import force_locale, get_translations, refresh

from challenges.i18n import template_translations

SPANISH_LOAD_MORE = "Cargar más"


def test_a_request_keeps_its_catalogue_and_finds_another_for_a_forced_locale(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        english = template_translations()
        assert english is get_translations()
        assert template_translations() is english  # kept, not looked up again
        assert render_template_string('{{ _("Load more") }}') == "Load more"
        with force_locale("es"):
            assert template_translations() is get_translations()
            assert template_translations() is not english
            assert render_template_string('{{ _("Load more") }}') == SPANISH_LOAD_MORE
        assert template_translations() is english
        assert render_template_string('{{ _("Load more") }}') == "Load more"


def test_a_refreshed_locale_is_looked_up_again(app):
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        assert render_template_string('{{ _("Load more") }}') == SPANISH_LOAD_MORE
        session["locale"] = "en"  # the member chose English (``remember_locale``)
        refresh()
        assert render_template_string('{{ _("Load more") }}') == "Load more"


def test_plurals_and_formatting_still_work_in_both_languages(app):
    template = ('{{ ngettext("%(num)d vote", "%(num)d votes", n) }}|'
                '{{ _("Vote for “%(title)s”", title=t) }}')
    for language in ("en", "es"):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            one = render_template_string(template, n=1, t="<b>")
            many = render_template_string(template, n=3, t="<b>")
        assert "&lt;b&gt;" in one and "<b>" not in one  # escaped, as Flask-Babel's own
        assert one.split("|")[0] != many.split("|")[0]
        assert "3" in many.split("|")[0]
