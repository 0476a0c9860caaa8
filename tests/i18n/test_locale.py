"""Which language a page speaks: the member's preference, then Accept-Language, then English."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from challenges.extensions import db
from challenges.i18n import compile_catalogues


def _lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match, "no <html lang>"
    return match.group(1)


def test_english_without_a_preference_or_header(client: Any) -> None:
    assert _lang(client.get("/").get_data(as_text=True)) == "en"


def test_accept_language_picks_spanish(client: Any) -> None:
    page = client.get("/", headers={"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"})
    assert _lang(page.get_data(as_text=True)) == "es"


def test_an_unsupported_language_falls_back_to_english(client: Any) -> None:
    page = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert _lang(page.get_data(as_text=True)) == "en"


def test_a_members_preference_overrides_the_header(client: Any, make_user: Any,
                                                   login: Any) -> None:
    member = make_user(username="ana")
    member.locale = "en"
    db.session.commit()
    login(client, member)
    page = client.get("/", headers={"Accept-Language": "es"})
    assert _lang(page.get_data(as_text=True)) == "en"


def test_catalogues_compile_when_the_po_is_newer(app: Flask, tmp_path: Any) -> None:
    messages = tmp_path / "es" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: es\\n"\n\nmsgid "Vote"\nmsgstr "Votar"\n',
        encoding="utf-8",
    )
    assert compile_catalogues(tmp_path) == [messages / "messages.mo"]
    assert compile_catalogues(tmp_path) == []  # up to date: nothing rewritten


def test_marked_text_renders_in_the_chosen_language(client: Any) -> None:
    english = client.get("/").get_data(as_text=True)
    spanish = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Skip to content" in english
    assert "Saltar al contenido" in spanish
