"""Forms tell everything at once and state their limits (issue #11): the register form shows
the username, email and password errors together (the account rules run in the same pass as
the fields' checks), keeps the valid values (the passwords too, when both were fine), and every
text field's maximum length is in its hint and its ``maxlength``."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from challenges.extensions import db
from challenges.models import User
from tests.support.factories import PASSWORD


def page_text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def field_error(response: Any, field_id: str) -> str:
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>',
                      response.get_data(as_text=True), re.S)
    return html.unescape(match.group(1)) if match else ""


def field_hint(response: Any, field_id: str) -> str:
    match = re.search(rf'<p class="hint" id="{re.escape(field_id)}-hint">(.*?)</p>',
                      response.get_data(as_text=True), re.S)
    return html.unescape(match.group(1)) if match else ""


def input_tag(response: Any, field_id: str) -> str:
    match = re.search(rf'<(?:input|textarea)[^>]*\bid="{re.escape(field_id)}"[^>]*>',
                      response.get_data(as_text=True))
    assert match, f"no #{field_id}"
    return html.unescape(match.group(0))


def value_of(response: Any, field_id: str) -> str | None:
    match = re.search(r'\bvalue="([^"]*)"', input_tag(response, field_id))
    return match.group(1) if match else None


def users() -> int:
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def test_three_bad_fields_show_three_errors_at_once(client: Any) -> None:
    response = client.post_form("/register", {"username": "Bad Name!", "email": "not-an-email",
                                              "password": "short", "confirm": "short"})
    assert response.status_code == 422
    assert field_error(response, "username")
    assert field_error(response, "email")
    assert "8" in field_error(response, "password")
    assert "3 fields need your attention." in page_text(response)
    assert users() == 0


def test_a_taken_username_shows_with_the_other_errors(client: Any, make_user: Any) -> None:
    make_user("taken")
    response = client.post_form("/register", {"username": "taken", "email": "nope@",
                                              "password": PASSWORD, "confirm": "different!!"})
    assert response.status_code == 422
    assert field_error(response, "username") == "That username is taken."
    assert field_error(response, "email")
    assert field_error(response, "confirm") == "The passwords don't match."
    assert users() == 1


def test_a_username_the_service_refuses_is_reported_with_a_password_error(client: Any) -> None:
    # The field's own checks pass ("ab-c!" is 5 characters); the account rule refuses the "!".
    response = client.post_form("/register", {"username": "ab-c!", "email": "ok@example.com",
                                              "password": "", "confirm": ""})
    assert field_error(response, "username").startswith("3-30 characters")
    assert field_error(response, "password") == "This field is required."


def test_each_field_gets_one_message(client: Any) -> None:
    response = client.post_form("/register", {"username": "x" * 31, "email": "a@example.com",
                                              "password": PASSWORD, "confirm": PASSWORD})
    assert field_error(response, "username") == \
        "Field must be between 3 and 30 characters long."


def test_valid_values_are_kept_passwords_too_when_both_were_valid(client: Any,
                                                                   make_user: Any) -> None:
    make_user("taken")
    response = client.post_form("/register", {"username": "taken", "email": "new@example.com",
                                              "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 422
    assert value_of(response, "username") == "taken"
    assert value_of(response, "email") == "new@example.com"
    assert value_of(response, "password") == PASSWORD
    assert value_of(response, "confirm") == PASSWORD
    # The page holds a password: no cache may keep it.
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(("password", "confirm"), [("short", "short"), (PASSWORD, "other one!")])
def test_a_password_error_clears_both_password_fields(client: Any, password: str,
                                                      confirm: str) -> None:
    response = client.post_form("/register", {"username": "fine", "email": "bad",
                                              "password": password, "confirm": confirm})
    assert response.status_code == 422
    assert value_of(response, "username") == "fine"
    assert value_of(response, "email") == "bad"
    assert not value_of(response, "password")
    assert not value_of(response, "confirm")
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_a_fresh_register_form_shows_no_password_and_no_error_summary(client: Any) -> None:
    response = client.get("/register")
    assert not value_of(response, "password")
    assert "need your attention" not in page_text(response)


@pytest.mark.parametrize(("path", "field_id", "hint", "maxlength"), [
    ("/register", "username", "3 to 30 characters.", 30),
    ("/register", "email", "Up to 254 characters.", 254),
    ("/register", "password", "8 to 128 characters.", 128),
    ("/login", "login", "Up to 254 characters.", 254),
    ("/login", "password", "Up to 128 characters.", 128),
])
def test_every_text_field_states_its_maximum_length(client: Any, path: str, field_id: str,
                                                    hint: str, maxlength: int) -> None:
    response = client.get(path)
    assert hint in field_hint(response, field_id)
    assert f'maxlength="{maxlength}"' in input_tag(response, field_id)
    assert f'aria-describedby="{field_id}-hint"' in input_tag(response, field_id)


@pytest.mark.parametrize(("path", "field_id", "hint", "maxlength"), [
    ("/account/password", "current_password", "Up to 128 characters.", 128),
    ("/account/password", "new_password", "8 to 128 characters.", 128),
    ("/account/tokens", "name", "Up to 60 characters.", 60),
])
def test_member_forms_state_their_maximum_length(client: Any, make_user: Any, login: Any,
                                                 path: str, field_id: str, hint: str,
                                                 maxlength: int) -> None:
    login(client, make_user())
    response = client.get(path)
    assert hint in field_hint(response, field_id)
    assert f'maxlength="{maxlength}"' in input_tag(response, field_id)


def test_a_description_and_the_limit_share_the_hint(client: Any) -> None:
    assert field_hint(client.get("/register"), "username") == \
        "Lowercase letters, digits, _ and -. 3 to 30 characters."


@pytest.mark.parametrize("field", ["username", "email", "password"])
def test_a_too_long_value_gets_a_message_at_its_field(client: Any, field: str) -> None:
    data = {"username": "fine", "email": "fine@example.com", "password": PASSWORD,
            "confirm": PASSWORD}
    data[field] = "a" * 300 + ("@example.com" if field == "email" else "")
    if field == "password":
        data["confirm"] = data["password"]
    response = client.post_form("/register", data)
    assert response.status_code == 422
    assert re.search(r"\d+ characters", field_error(response, field))
