"""Messages made in Python read in the request's language (issue #11, "Two languages"): a
service's refusal in the HTML flash and in the API's JSON, field messages, error pages. The
API's ``code`` stays English whatever the language."""

from __future__ import annotations

import html
from typing import Any

import pytest
from flask import Flask, flash, get_flashed_messages

from challenges.errors import DomainError, SelfVote, ValidationFailed
from challenges.models import ChallengeSubmission
from challenges.phase import next_deadline
from challenges.templating import status_label
from tests.core.helpers import submit

ES = {"Accept-Language": "es-ES,es;q=0.9"}
# Each check runs in its own app context: Flask-Babel caches the locale on ``g``, which a
# request context shares with the test's app context.


def text_of(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def own_entry(make_challenge: Any, make_user: Any) -> ChallengeSubmission:
    return submit(make_challenge("active"), make_user(), title="Amanecer")


def vote_url(entry: ChallengeSubmission) -> str:
    return f"/challenges/{entry.challenge.slug}/submissions/{entry.id}/vote"


def test_a_refusal_reads_spanish_in_the_html_flash(client: Any, login: Any,
                                                   own_entry: ChallengeSubmission) -> None:
    login(client, own_entry.user)
    spanish = client.post_form(vote_url(own_entry), follow_redirects=True, headers=ES)
    assert spanish.status_code == 200
    assert '<html lang="es">' in spanish.get_data(as_text=True)
    assert "No puedes votar tu propia participación." in text_of(spanish)
    assert "You can't vote for your own entry." not in text_of(spanish)
    english = client.post_form(vote_url(own_entry), follow_redirects=True)
    assert "You can't vote for your own entry." in text_of(english)


def test_the_error_page_is_spanish(client: Any) -> None:
    response = client.get("/no-such-page", headers=ES)
    assert response.status_code == 404
    page = text_of(response)
    assert "Página no encontrada" in page and "Volver al reto actual" in page
    assert "Page not found" not in page


def test_a_default_message_is_read_in_the_current_language(app: Flask) -> None:
    with app.app_context(), app.test_request_context(headers=ES):
        assert SelfVote().message == "No puedes votar tu propia participación."
    with app.app_context(), app.test_request_context():
        assert SelfVote().message == "You can't vote for your own entry."


def test_messages_are_plain_strings_so_a_flash_stays_escaped(app: Flask) -> None:
    """A lazy string has ``__html__``: flashed as is, the session would keep it as Markup and
    show any HTML in it unescaped. ``message`` and field messages are always str."""
    with app.app_context(), app.test_request_context(headers=ES):
        error = ValidationFailed({"title": SelfVote.default_message})
        assert type(error.message) is str and type(error.errors["title"]) is str
        flash(DomainError("<b>bold</b>").message)
        assert get_flashed_messages() == ["<b>bold</b>"]


def test_status_and_deadline_labels_follow_the_language(app: Flask, make_challenge: Any) -> None:
    challenge = make_challenge("active")
    with app.app_context(), app.test_request_context(headers=ES):
        assert status_label("voting") == "Votación"
        label, _when = next_deadline(challenge, challenge.starts_at)
        assert str(label) == "Las participaciones cierran"
    with app.app_context(), app.test_request_context():
        assert status_label("voting") == "Voting Period"
        assert str(next_deadline(challenge, challenge.starts_at)[0]) == "Submissions close"
