"""Every user-facing string is marked and translated (issue #11, "Two languages").

* Every template's text is marked: ``tests/i18n/unmarked.py`` strips the Jinja and reports any
  words left in text or in readable attributes. ``NOT_YET_MARKED`` lists the templates still
  being converted; it only ever shrinks, and a listed template that is clean fails too (so the
  list cannot go stale).
* Every marked string (templates, Python, emails) is in each catalogue with a translation:
  the strings are extracted here exactly as ``make translations`` does and compared with the
  ``.po`` files. A new string without its Spanish fails until ``make translations`` is run and
  the ``msgstr`` filled in.
"""

from __future__ import annotations

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from challenges.config import PROJECT_ROOT
from challenges.i18n import DEFAULT_LOCALE, LANGUAGES, TRANSLATIONS

from .unmarked import template_unmarked

TEMPLATES = PROJECT_ROOT / "templates"
KEYWORDS = {
    "_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
    "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2),
}

NOT_YET_MARKED = {
    "account_email/_verify_banner.html",
    "account_email/change_email.html",
    "account_email/email_changed.html",
    "account_email/forgot.html",
    "account_email/forgot_sent.html",
    "account_email/link_refused.html",
    "account_email/reset.html",
    "account_email/verified.html",
    "api/docs.html",
    "auth/change_password.html",
    "auth/login.html",
    "auth/logout.html",
    "auth/register.html",
    "auth/register_sent.html",
    "auth/tokens.html",
    "base.html",
    "calendar/_remind.html",
    "calendar/account.html",
    "email/_parts.html",
    "email/base.html",
    "email/base.txt",
    "email/challenge_started.html",
    "email/challenge_started.txt",
    "email/email_change_confirm.html",
    "email/email_change_confirm.txt",
    "email/email_change_notice.html",
    "email/email_change_notice.txt",
    "email/notification.html",
    "email/notification.txt",
    "email/password_reset.html",
    "email/password_reset.txt",
    "email/registration_attempt.html",
    "email/registration_attempt.txt",
    "email/results.html",
    "email/results.txt",
    "email/submissions_closing.html",
    "email/submissions_closing.txt",
    "email/test.html",
    "email/test.txt",
    "email/verify_email.html",
    "email/verify_email.txt",
    "email/voting_closing.html",
    "email/voting_closing.txt",
    "email/voting_open.html",
    "email/voting_open.txt",
    "email/webhook_disabled.html",
    "email/webhook_disabled.txt",
    "email/weekly_digest.html",
    "email/weekly_digest.txt",
    "entries/_card.html",
    "entries/_form_fields.html",
    "entries/_form_modal.html",
    "entries/_gallery_page.html",
    "entries/_image_upload.html",
    "entries/detail.html",
    "entries/form.html",
    "entries/gallery.html",
    "entries/mine.html",
    "entries/withdraw.html",
    "errors/error.html",
    "leaderboard/_leaderboard.html",
    "leaderboard/_rank_page.html",
    "macros/hero.html",
    "notifications/_bell.html",
    "notifications/_item.html",
    "notifications/inbox.html",
    "notifications/preferences.html",
    "notifications/unsubscribe_confirm.html",
    "notifications/unsubscribe_invalid.html",
    "notifications/unsubscribed.html",
    "pages/_prizes.html",
    "pages/all_time.html",
    "pages/challenge_detail.html",
    "pages/challenge_list.html",
    "pages/home.html",
    "pages/leaderboard.html",
    "pages/profile.html",
    "projects/_picker.html",
    "projects/form.html",
    "projects/list.html",
    "webhooks/admin_endpoint_details.html",
    "webhooks/endpoint.html",
    "webhooks/index.html",
}


def _templates() -> list[str]:
    return sorted(
        str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*")
        if path.suffix in {".html", ".txt"}
    )


@pytest.mark.parametrize("name", _templates())
def test_template_text_is_marked_for_translation(name: str) -> None:
    unmarked = template_unmarked(TEMPLATES / name)
    if name in NOT_YET_MARKED:
        assert unmarked, f"{name} is clean now: remove it from NOT_YET_MARKED"
        pytest.skip(f"{name}: {len(unmarked)} strings not marked yet")
    assert not unmarked, f"{name} has text not marked for translation: {unmarked}"


def extracted_messages() -> set[str | tuple[str, ...]]:
    """Every marked msgid, the way ``make translations`` extracts them (babel.cfg)."""
    with (PROJECT_ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: set[str | tuple[str, ...]] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


@pytest.mark.parametrize("locale", sorted(set(LANGUAGES) - {DEFAULT_LOCALE}))
def test_every_marked_string_is_translated(locale: str) -> None:
    po_path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale)
    missing, untranslated = [], []
    for message in sorted(extracted_messages(), key=str):
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(msgid)
        if entry is None:
            missing.append(msgid)
        elif entry.fuzzy or not all(entry.string if isinstance(entry.string, tuple)
                                    else [entry.string]):
            untranslated.append(msgid)
    assert not missing, f"not in {po_path.name} (run make translations): {missing}"
    assert not untranslated, f"no {locale} translation yet in {po_path}: {untranslated}"
