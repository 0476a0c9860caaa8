"""Accounts: normalisation, registration, authentication and password changes."""

from __future__ import annotations

import re
from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from .. import events
from ..clock import utcnow
from ..errors import EmailTaken, InvalidCredentials, UsernameTaken, ValidationFailed
from ..extensions import db
from ..leaderboard.sessions import forget_session, remember_session
from ..models import Role, User
from ..models.user import new_session_token
from ..transactions import after_commit
from .api_tokens import revoke_all_tokens

USERNAME_MIN, USERNAME_MAX = 3, 30
USERNAME_RE = re.compile(rf"^[a-z0-9_-]{{{USERNAME_MIN},{USERNAME_MAX}}}$")
EMAIL_MAX = 254
PASSWORD_MIN, PASSWORD_MAX = 8, 128
_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters
# A real hash to verify against when the account does not exist, so a missing user and a wrong
# password take the same time (no username enumeration by timing).
_DUMMY_HASH = _hasher.hash("not-a-real-password")


# Features that fill in a new account before it is stored, in its transaction (share
# attribution, ``challenges.referrals``). The core never imports a feature: they register here.
_NEW_ACCOUNT_HOOKS: list[Callable[[User], None]] = []


def on_new_account(hook: Callable[[User], None]) -> Callable[[User], None]:
    """Call ``hook(user)`` with every account ``register_user`` is about to insert (after its
    checks passed). Registering the same function twice is a no-op (apps are created more than
    once in tests)."""
    if hook not in _NEW_ACCOUNT_HOOKS:
        _NEW_ACCOUNT_HOOKS.append(hook)
    return hook


def normalize_username(raw: str) -> str:
    """Trim and lowercase: " Alice" and "alice" are the same account."""
    return raw.strip().lower()


def normalize_email(raw: str) -> str:
    """Trim and lowercase the whole address (unique case-insensitively, as users expect)."""
    return raw.strip().lower()


def username_problem(username: str) -> str | None:
    """Why a (normalised) username is unacceptable, or None."""
    if not USERNAME_RE.fullmatch(username):
        return str(_("3-30 characters: lowercase letters, digits, '_' and '-'."))
    return None


def email_problem(email: str) -> str | None:
    """Why an (normalised) email address is unacceptable, or None. Never touches the network."""
    if len(email) > EMAIL_MAX:
        return str(_("That email address is too long."))
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        # The library's reason is English only; ours reads in the member's language.
        return str(_("That is not a valid email address (it should look like "
                     "name@example.com)."))
    return None


def password_problem(password: str) -> str | None:
    if len(password) < PASSWORD_MIN:
        return str(_("Use at least %(n)d characters.", n=PASSWORD_MIN))
    if len(password) > PASSWORD_MAX:
        return str(_("Use at most %(n)d characters.", n=PASSWORD_MAX))
    if "\x00" in password:
        return str(_("Passwords cannot contain NUL characters."))
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def register_user(
    username: str,
    email: str,
    password: str,
    *,
    role: Role = Role.MEMBER,
) -> User:
    """Create an account. Raises ``ValidationFailed``, ``UsernameTaken`` or ``EmailTaken``.

    The unique constraints decide races: two people registering the same name at once get one
    account and one clear error, never a 500.
    """
    username, email = normalize_username(username), normalize_email(email)
    errors = {
        field: problem
        for field, problem in (
            ("username", username_problem(username)),
            ("email", email_problem(email)),
            ("password", password_problem(password)),
        )
        if problem
    }
    if errors:
        raise ValidationFailed(errors)
    _raise_if_taken(username, email)
    user = User(username=username, email=email, password_hash=hash_password(password), role=role)
    for hook in _NEW_ACCOUNT_HOOKS:
        hook(user)
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        _raise_if_taken(username, email)
        raise
    events.publish(events.UserRegistered(user.id))
    return user


def registration_problems(username: str, email: str, password: str) -> dict[str, str]:
    """Every reason the register form is refused, field by field, all at once: the rules of
    ``register_user``, and a taken username (usernames are public). Never whether the address
    has an account: ``sign_up`` answers that the same either way."""
    username, email = normalize_username(username), normalize_email(email)
    problems = {
        field: problem
        for field, problem in (
            ("username", username_problem(username)),
            ("email", email_problem(email)),
            ("password", password_problem(password)),
        )
        if problem
    }
    if "username" not in problems and db.session.scalar(
            select(User.id).where(User.username == username)) is not None:
        problems["username"] = UsernameTaken().message
    return problems


def sign_up(username: str, email: str, password: str) -> str:
    """The register form: create an unverified account, or, when the address already has one,
    tell its owner (``RegistrationWithTakenEmail``) and create nothing. Returns the normalised
    address; the caller answers the same either way ("we sent a link to ..."), so the form
    does not tell whether an address is registered. Usernames are public, so a taken one is
    still refused at its field (``UsernameTaken``); ``ValidationFailed`` as ``register_user``.

    Both paths hash the password, so they take about the same time."""
    try:
        return register_user(username, email, password).email
    except EmailTaken:
        hash_password(password)  # the work a new account costs: no timing difference
        normalized = normalize_email(email)
        owner = db.session.scalar(select(User.id).where(User.email == normalized))
        if owner is not None:  # else deleted meanwhile: nobody to tell
            events.publish(events.RegistrationWithTakenEmail(owner))
        return normalized


def _raise_if_taken(username: str, email: str) -> None:
    clash = db.session.execute(
        select(User.username, User.email).where(or_(User.username == username, User.email == email))
    ).first()
    if clash is None:
        return
    if clash.username == username:
        raise UsernameTaken(errors_field="username")
    raise EmailTaken(errors_field="email")


def authenticate(login: str, password: str) -> User:
    """The user whose username or email is ``login`` and whose password matches."""
    login = login.strip().lower()
    user: User | None = db.session.scalar(
        select(User).where(or_(User.username == login, User.email == login)))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise InvalidCredentials() from None
    if user is None:
        raise InvalidCredentials()
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_seen_at = utcnow()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Set a new password and sign the user out of every other session and device (and
    revoke their API tokens: ``set_password``)."""
    try:
        _hasher.verify(user.password_hash, current_password)
    except (VerificationError, InvalidHashError):
        raise ValidationFailed(
            {"current_password": _("That is not your current password.")}) from None
    problem = password_problem(new_password)
    if problem:
        raise ValidationFailed({"new_password": problem})
    set_password(user, new_password)


def set_password(user: User, new_password: str) -> None:
    """Store ``new_password`` (already checked with ``password_problem``) and end everything
    the old one opened: every session and remember cookie, and every API token (a leaked
    password may have minted tokens). The one rule behind a change and a reset."""
    user.password_hash = hash_password(new_password)
    rotate_session_token(user)
    revoke_all_tokens(user.id, utcnow())


def rotate_session_token(user: User) -> None:
    """Invalidate every session cookie and remember cookie issued for ``user`` so far."""
    old = user.session_token
    user.session_token = new_session_token()
    after_commit(lambda: forget_session(old))


def set_role(user: User, role: str) -> None:
    """Make ``user`` a member, editor or sponsor (``ValueError`` for anything else): the one
    place a role changes (the admin's user form, ``flask users role``).

    Polls read the viewer's role from the Redis copy of the session, not from SQL; without a
    refresh a demoted editor would keep polling draft boards until their next page load. The
    copy is rewritten after the commit, so a rolled-back change leaves it alone."""
    user.role = Role(role).value
    token, user_id, username, new_role = user.session_token, user.id, user.username, user.role
    after_commit(lambda: remember_session(token, user_id, username, new_role))
