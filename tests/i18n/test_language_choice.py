"""Choosing the language (issue #11): Accept-Language picks Spanish; a member's saved choice beats
the header; the footer's switcher keeps a visitor's choice for the session and saves a member's;
the account page saves it or goes back to following the browser."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from sqlalchemy import select

from challenges.extensions import db
from challenges.models import User
from tests.support.factories import PASSWORD

SPANISH = {"Accept-Language": "es-ES,es;q=0.9"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


def lang(response: Any) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True))
    assert match, "no <html lang>"
    return match.group(1)


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def saved_locale(username: str) -> str | None:
    db.session.expire_all()
    return db.session.scalar(select(User.locale).where(User.username == username))


def test_accept_language_es_renders_the_login_form_in_spanish(client: Any) -> None:
    page = client.get("/login", headers=SPANISH)
    assert lang(page) == "es"
    body = text(page)
    for spanish in ("Entrar", "Nombre de usuario o correo", "Contraseña",
                    "Mantener la sesión abierta en este dispositivo", "¿Olvidaste tu contraseña?",
                    "Hasta 254 caracteres."):
        assert spanish in body
    assert "Username or email" not in body


def test_form_errors_follow_the_locale(client: Any) -> None:
    page = client.post_form("/login", {"login": "", "password": ""}, headers=SPANISH)
    assert page.status_code == 422
    assert "This field is required." not in text(page)
    assert re.search(r'id="login-error">[^<]*obligatorio', text(page))


def test_a_members_saved_spanish_overrides_an_english_header(client: Any, make_user: Any,
                                                             login: Any) -> None:
    member = make_user(username="ana")
    member.locale = "es"
    db.session.commit()
    login(client, member)
    page = client.get("/", headers=ENGLISH)
    assert lang(page) == "es"
    assert "Cerrar sesión" in text(page)


def test_a_visitors_choice_sticks_for_the_session(client: Any) -> None:
    answer = client.post_form("/language", {"locale": "es", "next": "/login?next=%2Fchallenges"},
                              headers=ENGLISH)
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/login?next=%2Fchallenges"
    for path in ("/login", "/register", "/"):
        assert lang(client.get(path, headers=ENGLISH)) == "es"
    client.post_form("/language", {"locale": "en", "next": "/"}, headers=SPANISH)
    assert lang(client.get("/", headers=SPANISH)) == "en"


def test_the_footer_switcher_saves_a_members_choice(client: Any, make_user: Any,
                                                    login: Any) -> None:
    login(client, make_user(username="bea"))
    client.post_form("/language", {"locale": "es", "next": "/account"})
    assert saved_locale("bea") == "es"
    assert lang(client.get("/", headers=ENGLISH)) == "es"


def test_a_visitors_choice_survives_logging_in_without_a_saved_one(client: Any,
                                                                   make_user: Any) -> None:
    make_user(username="carla")
    client.post_form("/language", {"locale": "es", "next": "/"})
    client.post_form("/login", {"login": "carla", "password": PASSWORD})
    assert lang(client.get("/", headers=ENGLISH)) == "es"
    assert saved_locale("carla") is None  # a session's choice is not saved behind their back


def test_the_language_stays_after_logging_out(client: Any, make_user: Any, login: Any) -> None:
    member = make_user(username="dani")
    member.locale = "es"
    db.session.commit()
    login(client, member)
    answer = client.post_form("/logout", {})
    assert answer.status_code == 302
    page = client.get("/", headers=ENGLISH)
    assert lang(page) == "es"
    assert "Has cerrado sesión." in text(page)


@pytest.mark.parametrize("locale", ["fr", "", "es\x00", "x" * 500])
def test_an_unknown_language_is_refused_without_an_error_page(client: Any, locale: str) -> None:
    answer = client.post_form("/language", {"locale": locale, "next": "/challenges/"})
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/challenges/"
    if locale:  # "" is "follow the browser", which the footer never sends but is valid
        assert "That language is not available." in text(client.get("/challenges/"))


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil"])
def test_the_switcher_never_redirects_off_site(client: Any, target: str) -> None:
    answer = client.post_form("/language", {"locale": "es", "next": target})
    assert answer.headers["Location"] == "/"


def test_the_switcher_needs_the_csrf_token(client: Any) -> None:
    answer = client.post("/language", data={"locale": "es", "next": "/"})
    assert answer.status_code == 400
    assert lang(client.get("/")) == "en"


def test_the_account_page_saves_the_language_and_can_follow_the_browser_again(
        client: Any, make_user: Any, login: Any) -> None:
    login(client, make_user(username="eva"))
    page = client.get("/account")
    assert page.status_code == 200
    assert '<option selected value="">Follow my browser</option>' in text(page)
    assert '<option lang="es" value="es">Español</option>' in text(page)

    saved = client.post_form("/account", {"locale": "es"})
    assert saved.status_code == 302 and saved.headers["Location"] == "/account"
    assert saved_locale("eva") == "es"
    page = client.get("/account", headers=ENGLISH)
    assert lang(page) == "es" and "Idioma guardado." in text(page)

    client.post_form("/account", {"locale": ""})
    assert saved_locale("eva") is None
    assert lang(client.get("/", headers=ENGLISH)) == "en"
    assert lang(client.get("/", headers=SPANISH)) == "es"


def test_the_account_page_refuses_an_unknown_language_at_its_field(client: Any, make_user: Any,
                                                                    login: Any) -> None:
    login(client, make_user(username="fede"))
    page = client.post_form("/account", {"locale": "klingon"})
    assert page.status_code == 422
    assert re.search(r'<p class="error" id="locale-error">', page.get_data(as_text=True))
    assert saved_locale("fede") is None


def test_the_account_page_needs_login(client: Any) -> None:
    answer = client.get("/account")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


def test_the_log_in_first_message_follows_the_locale(client: Any) -> None:
    answer = client.get("/account", headers=SPANISH)
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"], headers=SPANISH)
    assert "Inicia sesión para continuar." in text(page)
