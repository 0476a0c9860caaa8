"""The API's error messages follow the request's language; the error ``code`` stays English
(issue #11: "The JSON API's error codes stay English; its messages follow the locale")."""

from __future__ import annotations

from typing import Any

import pytest

from challenges.models import ChallengeSubmission
from tests.core.helpers import submit

from .conftest import assert_error, bearer

ES = {"Accept-Language": "es-ES,es;q=0.9"}


@pytest.fixture
def own_entry(make_challenge: Any, make_user: Any) -> ChallengeSubmission:
    return submit(make_challenge("active"), make_user(), title="Amanecer")



def test_a_refusal_in_the_api_keeps_its_code_and_speaks_spanish(
        client: Any, make_token: Any, own_entry: ChallengeSubmission) -> None:
    url = f"/api/challenges/{own_entry.challenge.slug}/vote/{own_entry.id}/"
    token = bearer(make_token(own_entry.user))
    english = assert_error(client.post(url, headers=token), 403, "self_vote")
    spanish = assert_error(client.post(url, headers={**token, **ES}), 403, "self_vote")
    assert english["message"] == "You can't vote for your own entry."
    assert spanish["message"] == "No puedes votar tu propia participación."


def test_the_same_bad_request_in_spanish_has_the_same_code_and_spanish_fields(
        client: Any, make_token: Any, make_challenge: Any, make_user: Any) -> None:
    challenge = make_challenge("active")
    token = bearer(make_token(make_user()))
    url = f"/api/challenges/{challenge.slug}/submit/"
    body = {"title": "", "colour": "red"}
    english = assert_error(client.post(url, json=body, headers=token), 422, "validation_failed")
    spanish = assert_error(client.post(url, json=body, headers={**token, **ES}), 422,
                           "validation_failed")
    assert set(spanish["details"]["fields"]) == set(english["details"]["fields"])
    assert english["details"]["fields"]["colour"] == "Unknown field."
    assert spanish["details"]["fields"]["colour"] == "Campo desconocido."
    assert spanish["message"] == "Campo desconocido."


def test_a_services_field_message_is_spanish_in_the_api(
        client: Any, make_token: Any, make_challenge: Any, make_user: Any) -> None:
    challenge = make_challenge("active")
    token = bearer(make_token(make_user()))
    url = f"/api/challenges/{challenge.slug}/submit/"
    error = assert_error(client.post(url, json={"title": "x" * 201}, headers={**token, **ES}),
                         422, "validation_failed")
    assert error["details"]["fields"]["title"] == (
        "El título puede tener como máximo 200 caracteres.")


def test_routing_errors_under_the_api_follow_the_locale(client: Any) -> None:
    english = assert_error(client.get("/api/no-such-thing"), 404, "not_found")
    spanish = assert_error(client.get("/api/no-such-thing", headers=ES), 404, "not_found")
    assert english["message"] == "No such API endpoint."
    assert spanish["message"] == "Ese endpoint de la API no existe."
