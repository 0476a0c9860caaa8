"""Find user-facing text in a template that is not marked for translation.

Jinja constructs are removed first (a ``{% trans %}`` block, ``{{ _("...") }}`` and every other
tag or expression); what remains is HTML, or plain text for ``.txt`` emails. Any text node or
human-readable attribute (alt, title, placeholder, aria-label, ...) still holding a word is
unmarked. Script and style contents are code, not text. Words that read the same in every
language (``ALLOWED_WORDS``) do not count.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

JINJA = re.compile(
    r"{%-?\s*trans\b.*?%}.*?{%-?\s*endtrans\s*-?%}"  # a trans block, marked as a whole
    r"|{{.*?}}|{%.*?%}|{#.*?#}",
    re.S,
)
WORD = re.compile(r"[^\W\d_]{2,}")
TEXT_ATTRIBUTES = frozenset({
    "alt", "title", "placeholder", "aria-label", "aria-description", "aria-roledescription",
    "aria-valuetext", "label", "data-confirm",
})
ALLOWED_WORDS = frozenset({
    "UTC", "API", "CSV", "URL", "URLs", "HTTP", "HTTPS", "JSON", "ICS", "iCal", "RSS", "htmx",
    "Bluesky", "LinkedIn", "Reddit", "Mastodon", "Webhooks", "PNG", "JPEG", "WebP", "GIF", "SVG",
    "px", "OK", "ID",
})


def unmarked_strings(source: str, plain_text: bool = False) -> list[str]:
    """The unmarked words-bearing strings of one template's source, in order."""
    stripped = JINJA.sub(" ", source)
    if plain_text:
        return [line.strip() for line in stripped.splitlines() if _has_words(line)]
    finder = _TextFinder()
    finder.feed(stripped)
    finder.close()
    return finder.found


def template_unmarked(path: Path) -> list[str]:
    return unmarked_strings(path.read_text(encoding="utf-8"), plain_text=path.suffix == ".txt")


def _has_words(text: str) -> bool:
    return any(word not in ALLOWED_WORDS for word in WORD.findall(text))


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._code_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._code_depth += 1
        for name, value in attrs:
            if value and (name in TEXT_ATTRIBUTES or _is_button_value(tag, name, attrs)) \
                    and _has_words(value):
                self.found.append(f'{tag}[{name}="{value.strip()}"]')
            if tag == "meta" and name == "content" and value and _is_text_meta(attrs) \
                    and _has_words(value):
                self.found.append(f'meta[content="{value.strip()}"]')

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self._code_depth:
            self._code_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._code_depth and _has_words(data):
            self.found.append(" ".join(data.split()))


def _is_button_value(tag: str, name: str, attrs: list[tuple[str, str | None]]) -> bool:
    kinds = {value for key, value in attrs if key == "type"}
    return tag == "input" and name == "value" and bool(kinds & {"submit", "button", "reset"})


def _is_text_meta(attrs: list[tuple[str, str | None]]) -> bool:
    names = {value for key, value in attrs if key in {"name", "property"}}
    return bool(names & {"description", "og:title", "og:description", "twitter:title",
                         "twitter:description"})
