"""Account emails (issue #9): verifying an address, resetting a forgotten password, changing
the address. Every rule of these links is here; the views and the job only call it.

Services flush and never commit; the caller commits with ``commit_with_retry``. Emails go
through the outbox (``queue_email``), inserted in the caller's transaction: an account change
that rolls back sends nothing, and a job run twice sends once (the outbox key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..errors import DomainError, EmailTaken, InvalidCredentials, ValidationFailed
from ..extensions import db
from ..models import User
from ..notifications.outbox import queue_email
from ..services import accounts
from . import tokens
from .tokens import EMAIL_CHANGE, RESET, VERIFY, Purpose, TokenProblem

# Outbox kinds of the account emails. They are not optional, so they carry no unsubscribe.
KIND_VERIFY = "account_verify"
KIND_RESET = "account_password_reset"
KIND_EMAIL_CHANGE = "account_email_change"
KIND_EMAIL_CHANGE_NOTICE = "account_email_change_notice"
KIND_REGISTRATION_ATTEMPT = "account_registration_attempt"


class LinkRefused(DomainError):
    """A link from an account email that cannot be used; the message says why and what next."""

    code = "link_refused"
    status = 400
    default_message = _l("This link is not valid. It may have been cut off: copy the whole "
                         "link.")

    def __init__(self, message: str | None = None, *, expired: bool = False) -> None:
        super().__init__(str(message or self.default_message))  # translated now
        self.expired = expired


@dataclass(frozen=True)
class Confirmed:
    """A link that was followed: whose account, whether it had been used before, and whether
    it verified the account just now (the caller then queues ``jobs.queue_reweigh``)."""

    user: User
    already: bool = False
    newly_verified: bool = False


def _hours(purpose: Purpose) -> int:
    return int(purpose.max_age.total_seconds() // 3600)


def _payload(secret_key: str, purpose: Purpose, token: str,
             expired_message: str) -> dict[str, Any]:
    try:
        return tokens.unsign(secret_key, purpose, token)
    except TokenProblem as problem:
        if problem.expired:
            raise LinkRefused(expired_message, expired=True) from None
        raise LinkRefused() from None


def _user_for_update(user_id: object) -> User | None:
    """The account a link names, locked (FOR UPDATE: its email or password may change) and
    read afresh, so a link used twice at once is seen used by the second."""
    if not isinstance(user_id, int):
        return None
    return db.session.scalar(
        select(User).where(User.id == user_id).with_for_update()
        .execution_options(populate_existing=True))


def mark_verified(user: User) -> bool:
    """The member proved they read mail at ``user.email``: their votes count in full from now
    on (``votes.vote_weight``). Returns whether this verified them just now."""
    if user.is_verified:
        return False
    user.is_verified = True
    return True


# --- verification --------------------------------------------------------------------------


def send_verification(user: User, *, secret_key: str, fallback_locale: str | None = None) -> bool:
    """Queue the "confirm your address" email to ``user.email`` (a new link each call; earlier
    links keep working until they expire or the address changes), in the member's language
    (else ``fallback_locale``, else English). False if already verified."""
    if user.is_verified:
        return False
    nonce = tokens.new_nonce()
    token = tokens.sign(secret_key, VERIFY, {"u": user.id, "e": user.email, "n": nonce})
    return queue_email(
        to=user.email, kind=KIND_VERIFY, key=f"verify:{user.id}:{nonce}",
        template="verify_email", user_id=user.id, locale=user.locale or fallback_locale,
        context={"username": user.username, "token": token,
                 "valid_days": VERIFY.max_age.days})


def send_verification_to(user_id: int, *, secret_key: str,
                         fallback_locale: str | None = None) -> bool:
    """``send_verification`` for the account ``user_id`` (False if it is gone or verified)."""
    user = db.session.get(User, user_id)
    return user is not None and send_verification(user, secret_key=secret_key,
                                                  fallback_locale=fallback_locale)


def verify_email(token: str, *, secret_key: str) -> Confirmed:
    """Follow a verification link: mark the account verified (again is fine). Refused when the
    link is tampered with, expired, or was sent to an address the account no longer uses."""
    payload = _payload(secret_key, VERIFY, token,
                       _("This confirmation link has expired. Log in and ask for a new one."))
    user = _user_for_update(payload.get("u"))
    if user is None or not tokens.same(payload.get("e"), user.email):
        raise LinkRefused(_("This link was sent to an address this account no longer uses."))
    if user.is_verified:
        return Confirmed(user, already=True)
    return Confirmed(user, newly_verified=mark_verified(user))


def send_registration_attempt_notice(user_id: int, now: datetime) -> bool:
    """Tell the owner of an address that someone tried to register with it (the register page
    answered as for a new address). At most one such email per account an hour (the outbox
    key), so the form cannot be used to flood an inbox. False if none was queued."""
    user = db.session.get(User, user_id)
    if user is None:
        return False
    return queue_email(
        to=user.email, kind=KIND_REGISTRATION_ATTEMPT,
        key=f"registration-attempt:{user.id}:{now:%Y-%m-%dT%H}",
        template="registration_attempt", user_id=user.id, locale=user.locale,
        context={"username": user.username})


# --- forgotten password --------------------------------------------------------------------


def request_password_reset(email: str, nonce: str, *, secret_key: str) -> bool:
    """Queue a reset link to the account using ``email``, if there is one (the job's work: the
    web request never looks the address up). ``nonce`` comes from the request, so a job run
    twice queues one email. Returns whether an account matched."""
    user = db.session.scalar(select(User).where(User.email == accounts.normalize_email(email)))
    if user is None:
        return False
    token = tokens.sign(secret_key, RESET, {
        "u": user.id, "e": user.email, "n": nonce,
        "p": tokens.password_fingerprint(secret_key, user.password_hash),
    })
    queue_email(
        to=user.email, kind=KIND_RESET, key=f"reset:{user.id}:{nonce}",
        template="password_reset", user_id=user.id, locale=user.locale,
        context={"username": user.username, "token": token, "valid_hours": _hours(RESET)})
    return True


def password_reset_user(token: str, *, secret_key: str) -> User:
    """The account a reset link may set a new password for, locked; ``LinkRefused`` when the
    link is tampered with, older than an hour, already used (the password changed since it
    was sent) or sent to an address the account no longer uses."""
    payload = _payload(secret_key, RESET, token,
                       ngettext("This reset link has expired: links work for %(num)d hour. "
                                "Ask for a new one.",
                                "This reset link has expired: links work for %(num)d hours. "
                                "Ask for a new one.", _hours(RESET)))
    user = _user_for_update(payload.get("u"))
    if (user is None or not tokens.same(payload.get("e"), user.email)
            or not tokens.same(payload.get("p"),
                               tokens.password_fingerprint(secret_key, user.password_hash))):
        raise LinkRefused(_("This reset link has already been used or is no longer valid. "
                            "Ask for a new one."))
    return user


def reset_password(token: str, new_password: str, *, secret_key: str) -> Confirmed:
    """Set a new password through a reset link. The link stops working (the password hash it
    is bound to changes) and every session and API token of the account ends
    (``accounts.set_password``); the caller logs this browser in. The email reached its
    owner, so the address is verified."""
    user = password_reset_user(token, secret_key=secret_key)
    if problem := accounts.password_problem(new_password):
        raise ValidationFailed({"password": problem})
    accounts.set_password(user, new_password)  # ends every session and API token
    return Confirmed(user, newly_verified=mark_verified(user))


# --- changing the address ------------------------------------------------------------------


def request_email_change(user: User, password: str, new_email: str, *, secret_key: str) -> str:
    """Ask to move ``user`` to ``new_email``: a confirmation link to the new address and a
    notice to the old one. Nothing changes until the link is followed. Returns the normalised
    new address. Raises ``ValidationFailed`` (fields ``email``, ``password``)."""
    try:
        accounts.authenticate(user.username, password)
    except InvalidCredentials:
        raise ValidationFailed({"password": _("That is not your current password.")}) from None
    new = accounts.normalize_email(new_email)
    if problem := accounts.email_problem(new):
        raise ValidationFailed({"email": problem})
    if new == user.email:
        raise ValidationFailed({"email": _("That is already your address.")})
    if db.session.scalar(select(User.id).where(User.email == new)) is not None:
        raise ValidationFailed({"email": str(EmailTaken.default_message)})
    nonce = tokens.new_nonce()
    token = tokens.sign(secret_key, EMAIL_CHANGE,
                        {"u": user.id, "o": user.email, "e": new, "n": nonce})
    context = {"username": user.username, "old_email": user.email, "new_email": new,
               "token": token, "valid_hours": _hours(EMAIL_CHANGE)}
    queue_email(to=new, kind=KIND_EMAIL_CHANGE, key=f"email-change:{user.id}:{nonce}",
                template="email_change_confirm", user_id=user.id, context=context,
                locale=user.locale)
    queue_email(to=user.email, kind=KIND_EMAIL_CHANGE_NOTICE,
                key=f"email-change-notice:{user.id}:{nonce}",
                template="email_change_notice", user_id=user.id, context=context,
                locale=user.locale)
    return new


def confirm_email_change(token: str, *, secret_key: str) -> Confirmed:
    """Follow the link sent to the new address: the account's email becomes it, verified.
    Sessions, password and everything else stay. Refused when the link is tampered with,
    expired, or the account's address changed since it was sent; if the address was taken
    meanwhile, the unique constraint decides and the member gets a clear message."""
    payload = _payload(secret_key, EMAIL_CHANGE, token,
                       _("This confirmation link has expired. Ask for the change again."))
    user = _user_for_update(payload.get("u"))
    new = payload.get("e")
    if user is None or not isinstance(new, str):
        raise LinkRefused()
    if tokens.same(new, user.email):
        return Confirmed(user, already=True)
    if not tokens.same(payload.get("o"), user.email):
        raise LinkRefused(_("Your address changed since this link was sent, so it no longer "
                            "works. Ask for the change again."))
    try:
        with db.session.begin_nested():
            user.email = new
            newly_verified = mark_verified(user)
    except IntegrityError:
        raise EmailTaken(_("Another account uses that address now, so it cannot be yours. "
                           "Choose another address.")) from None
    return Confirmed(user, newly_verified=newly_verified)
