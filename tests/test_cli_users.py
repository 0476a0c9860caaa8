"""``flask users create USERNAME EMAIL --role member|editor|sponsor [--password P]``."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from challenges.extensions import db
from challenges.models import User
from challenges.services.accounts import authenticate

NEW_PASSWORD = "a long enough password"


def create(runner, *args: str, input: str | None = None):
    return runner.invoke(args=["users", "create", *args], input=input)


def user_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(User))


def assert_refused(result, message: str) -> None:
    """A non-zero exit with a clear message, and no traceback."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert message in result.output, result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("role", ["member", "editor", "sponsor"])
def test_users_create_makes_an_account_with_the_role(runner, role):
    result = create(runner, "ada", "ada@example.com", "--role", role, "--password", NEW_PASSWORD)

    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Created {role} @ada <ada@example.com>"
    user = authenticate("ada", NEW_PASSWORD)
    assert user.role == role and user.email == "ada@example.com"


def test_users_create_makes_a_member_by_default(runner):
    result = create(runner, "ada", "ada@example.com", "--password", NEW_PASSWORD)

    assert result.exit_code == 0, result.output
    assert authenticate("ada", NEW_PASSWORD).role == "member"


def test_users_create_normalises_username_and_email(runner):
    result = create(runner, " Ada", "Ada@Example.COM", "--password", NEW_PASSWORD)

    assert result.exit_code == 0, result.output
    user = authenticate("ada@example.com", NEW_PASSWORD)
    assert (user.username, user.email) == ("ada", "ada@example.com")


@pytest.mark.parametrize("username", ["ada", "ADA", " Ada "])
def test_users_create_refuses_a_taken_username(runner, make_user, username):
    """RELIABILITY #22: usernames are unique case- and space-insensitively."""
    make_user("ada")

    result = create(runner, username, "other@example.com", "--password", NEW_PASSWORD)

    assert_refused(result, "That username is taken.")
    assert user_count() == 1


@pytest.mark.parametrize("email", ["ada@example.com", "ADA@Example.com"])
def test_users_create_refuses_a_taken_email(runner, make_user, email):
    make_user("ada", email="ada@example.com")

    result = create(runner, "ada2", email, "--password", NEW_PASSWORD)

    assert_refused(result, "An account with that email already exists.")
    assert user_count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["al", "al@example.com"], "username: 3-30 characters"),
        (["bad name", "bad@example.com"], "username: 3-30 characters"),
        (["a" * 10_000, "long@example.com"], "username: 3-30 characters"),
        (["nul\x00name", "nul@example.com"], "username: 3-30 characters"),
        (["ada", "not-an-email"], "email: "),
        (["ada", "ada@"], "email: "),
        (["ada", "a" * 10_000 + "@example.com"], "email: That email address is too long."),
        (["ada", "ada\x00@example.com"], "email: "),
    ],
)
def test_users_create_refuses_bad_input_with_a_message(runner, args, message):
    result = create(runner, *args, "--password", NEW_PASSWORD)

    assert_refused(result, message)
    assert user_count() == 0


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "password: Use at least 8 characters."),
        ("x" * 129, "password: Use at most 128 characters."),
        ("long enough\x00but nul", "password: Passwords cannot contain NUL characters."),
    ],
)
def test_users_create_refuses_a_bad_password(runner, password, message):
    result = create(runner, "ada", "ada@example.com", "--password", password)

    assert_refused(result, message)
    assert user_count() == 0


def test_users_create_refuses_an_unknown_role(runner):
    result = create(runner, "ada", "ada@example.com", "--role", "admin", "--password", NEW_PASSWORD)

    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.output
    assert "Traceback" not in result.output
    assert user_count() == 0


def test_users_create_prompts_for_a_hidden_password_with_confirmation(runner):
    result = create(runner, "ada", "ada@example.com", input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert "Password: " in result.output
    assert "Repeat for confirmation: " in result.output
    assert NEW_PASSWORD not in result.output  # hidden: never echoed
    assert authenticate("ada", NEW_PASSWORD).username == "ada"


def test_users_create_prompt_asks_again_when_the_confirmation_differs(runner):
    typed = f"{NEW_PASSWORD}\nsomething else\n{NEW_PASSWORD}\n{NEW_PASSWORD}\n"

    result = create(runner, "ada", "ada@example.com", input=typed)

    assert result.exit_code == 0, result.output
    assert "Error: The two entered values do not match." in result.output
    assert authenticate("ada", NEW_PASSWORD).username == "ada"


def test_users_create_prompt_gives_up_without_creating_anyone(runner):
    result = create(runner, "ada", "ada@example.com", input=f"{NEW_PASSWORD}\nsomething else\n")

    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert user_count() == 0


def test_users_create_prompted_password_is_still_checked(runner):
    result = create(runner, "ada", "ada@example.com", input="short\nshort\n")

    assert_refused(result, "password: Use at least 8 characters.")
    assert user_count() == 0
