"""Languages: Flask-Babel, the locale of each request, and the compiled catalogues.

The locale comes from the member's saved preference, then the browser's ``Accept-Language``,
then English. The preference is copied into the session at login (and whenever the member
changes it), so choosing the locale never runs SQL: the leaderboard and bell polls render
translated fragments and must stay SQL-free.

Catalogues live in ``challenges/translations/<locale>/LC_MESSAGES/messages.po``; ``make
translations`` extracts every marked string and updates them. The compiled ``.mo`` files are
derived (not committed): :func:`compile_catalogues` rebuilds any that is missing or older than
its ``.po`` when the app starts.
"""

from __future__ import annotations

import logging
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations
from flask import Flask, g, has_request_context, request, session
from flask_babel import Babel, format_number, get_locale, get_translations
from flask_login import user_loaded_from_cookie, user_logged_in
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

log = logging.getLogger(__name__)

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
DEFAULT_LOCALE = "en"
# Every language the site speaks, with its name in that language (for the preference menu).
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
SESSION_KEY = "locale"

babel = Babel()


def is_supported(locale: str | None) -> bool:
    """True for a locale the site has a catalogue for (``None`` means "follow the browser")."""
    return locale in LANGUAGES


def select_locale() -> str:
    """The locale for this request: the member's preference (its session copy), else the best
    match for ``Accept-Language``, else English. Reads no SQL."""
    if not has_request_context():
        return DEFAULT_LOCALE
    preferred = session.get(SESSION_KEY)
    if is_supported(preferred):
        return str(preferred)
    return browser_locale(request.environ.get("HTTP_ACCEPT_LANGUAGE", ""))


# Accept-Language header -> the language it picks. Browsers send a handful of distinct headers,
# and parsing one was most of choosing a locale (~20 us; issue #14: the widget's poll, a few
# hundred microseconds in all, chooses one on every answer).
_browser_locales: dict[str, str] = {}
_BROWSER_LOCALES_MAX = 1024


def browser_locale(accept_language: str) -> str:
    """The site's best language for an ``Accept-Language`` header (English when none fits), as
    ``request.accept_languages.best_match`` picks it; each header parsed once per process."""
    found = _browser_locales.get(accept_language)
    if found is None:
        accepted = parse_accept_header(accept_language, LanguageAccept)
        found = accepted.best_match(list(LANGUAGES), default=DEFAULT_LOCALE)
        if len(_browser_locales) >= _BROWSER_LOCALES_MAX:
            _browser_locales.clear()
        _browser_locales[accept_language] = found
    return found


# One parsed ``Locale`` per language: Flask-Babel parses what the selector returns on each
# request unless it is a ``Locale`` already.
_LOCALES = {tag: Locale.parse(tag) for tag in LANGUAGES}


def _select_babel_locale() -> Locale:
    """``select_locale`` as Flask-Babel takes it (parsed)."""
    return _LOCALES[select_locale()]


def current_locale() -> str:
    """The active locale as a language tag for ``<html lang>`` ("en", "es")."""
    return str(get_locale() or DEFAULT_LOCALE).replace("_", "-")


def remember_locale(locale: str | None) -> None:
    """Keep the member's preference in the session (``None``: follow the browser again)."""
    if is_supported(locale):
        session[SESSION_KEY] = locale
    else:
        session.pop(SESSION_KEY, None)


def session_locale() -> str | None:
    """The language chosen in this session (``None``: the browser's), e.g. to carry a visitor's
    choice across the fresh session a login starts."""
    preferred = session.get(SESSION_KEY)
    return str(preferred) if is_supported(preferred) else None


def template_translations() -> NullTranslations:
    """The request's catalogue for templates' ``_`` and ``ngettext``: Flask-Babel's
    ``get_translations``, kept beside the locale it was found for. A page calls ``_`` a few
    hundred times, and each of Flask-Babel's own lookups walks its context three times over
    (a tenth of a page's CPU, issue #14). A changed locale (``force_locale``, ``refresh``)
    is a different object there, so the catalogue is looked up again."""
    context = g.get("_flask_babel")
    if context is not None:
        kept = getattr(context, "wc_translations", None)
        if kept is not None and kept[0] is getattr(context, "babel_locale", None):
            return kept[1]
    translations = get_translations()
    context = g.get("_flask_babel")
    if context is not None:
        context.wc_translations = (getattr(context, "babel_locale", None), translations)
    return translations


def _install_template_gettext(app: Flask) -> None:
    """Templates' gettext functions through ``template_translations`` (as Flask-Babel's own:
    new-style, so ``_("%(n)s", n=...)`` formats and escapes)."""
    # The i18n extension (added by Flask-Babel) gives the environment this method.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: template_translations().ugettext(s),
        ngettext=lambda s, p, n: template_translations().ungettext(s, p, n),
        pgettext=lambda c, s: template_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: template_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )


def _on_login(sender: Flask | None, user: object, **extra: object) -> None:
    remember_locale(getattr(user, "locale", None))


def compile_catalogues(root: Path = TRANSLATIONS) -> list[Path]:
    """Compile every ``.po`` under ``root`` whose ``.mo`` is missing or older; returns those
    written. A read-only install (compiled at build time) is left alone."""
    written = []
    for po_path in sorted(root.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        try:
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)
        except OSError as error:  # read-only file system: run `make translations` at build
            log.warning("could not compile %s: %s", po_path, error)
            continue
        written.append(mo_path)
    return written


def init_app(app: Flask) -> None:
    """Install Flask-Babel (``_``, ``ngettext`` in templates) and the locale selector."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    compile_catalogues()
    babel.init_app(app, locale_selector=_select_babel_locale)
    _install_template_gettext(app)
    app.jinja_env.globals["current_locale"] = current_locale
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    # 20,000 in English, 20.000 in Spanish (the forms macro states length limits with it).
    app.jinja_env.globals["format_number"] = format_number
    user_logged_in.connect(_on_login, app)
    user_loaded_from_cookie.connect(_on_login, app)

    from .views import bp

    app.register_blueprint(bp)
