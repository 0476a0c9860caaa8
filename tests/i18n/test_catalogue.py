"""Every user-facing string is marked and translated (issue #11, "Two languages").

* Every template's text is marked: ``tests/i18n/unmarked.py`` strips the Jinja and reports any
  words left in text or in readable attributes.
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
    "N_": None,  # marked only, translated where shown (the API docs' summaries)
}



def _templates() -> list[str]:
    return sorted(
        str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*")
        if path.suffix in {".html", ".txt"}
    )


@pytest.mark.parametrize("name", _templates())
def test_template_text_is_marked_for_translation(name: str) -> None:
    unmarked = template_unmarked(TEMPLATES / name)
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
