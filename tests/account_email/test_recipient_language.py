"""Issue #11, "Two languages": the account emails are written in the account owner's language
(``User.locale``; None: English), whatever language the browser that asked for them speaks."""

from __future__ import annotations

from tests.support.factories import PASSWORD

from .helpers import html_part, link_in, only_message_to, text_part

VERIFY = "/account/verify/"


def test_a_spanish_member_gets_a_spanish_verification_email(client, smtp_server, make_user,
                                                            login):
    user = make_user(is_verified=False, locale="es")
    login(client, user)
    response = client.post_form("/account/verify/resend", {"next": "/challenges/"},
                                headers={"Accept-Language": "en"})
    assert response.status_code == 302
    message = only_message_to(smtp_server, user.email)
    assert message["Subject"] == "Confirma tu correo para Weekly Challenges"
    text, html = text_part(message), html_part(message)
    assert f"Hola, @{user.username}:" in text
    assert "Hasta que lo hagas, tus votos cuentan un poco menos" in text
    assert "El enlace funciona durante 7 días." in text
    assert "Confirmar mi correo" in html and '<html lang="es">' in html
    assert "Welcome" not in text and "Confirm my email" not in html
    link_in(message, VERIFY)  # the same working link in both parts


def test_a_member_without_a_preference_gets_english_even_from_a_spanish_browser(
        client, smtp_server, make_user, login):
    user = make_user(is_verified=False)
    login(client, user)
    response = client.post_form("/account/verify/resend", {"next": "/challenges/"},
                                headers={"Accept-Language": "es"})
    assert response.status_code == 302
    message = only_message_to(smtp_server, user.email)
    assert message["Subject"] == "Confirm your email for Weekly Challenges"
    assert "Until you do, your votes count a little less" in text_part(message)
    assert "Confirm my email" in html_part(message) and '<html lang="en">' in html_part(message)


def test_registering_from_a_spanish_browser_sends_the_first_email_in_spanish(client,
                                                                            smtp_server):
    """A new account has no preference yet; whoever reads the email just registered in this
    browser, so the page's language is the best guess."""
    response = client.post_form("/register", {
        "username": "ana", "email": "ana@example.com", "password": PASSWORD,
        "confirm": PASSWORD}, headers={"Accept-Language": "es"})
    assert response.status_code == 200
    message = only_message_to(smtp_server, "ana@example.com")
    assert message["Subject"] == "Confirma tu correo para Weekly Challenges"
    assert "Hola, @ana:" in text_part(message)
