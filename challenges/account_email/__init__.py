"""Account emails (issue #9, "Accounts"): verifying the address on register, "forgot
password" with a signed single-use link, and changing the address with a confirmation to the
new one and a notice to the old one.

``service`` holds every rule, ``tokens`` the signed links, ``views`` the pages, ``jobs`` the RQ
glue; templates are in ``templates/account_email/`` and ``templates/email/``.
"""

from __future__ import annotations

from flask import Flask, current_app, has_request_context

from .. import events as events_module


def init_app(app: Flask) -> None:
    """Register the pages (``/account/verify/...``, ``/password/...``, ``/account/email``),
    send every new account its verification email (the core's ``UserRegistered`` event), and
    tell an address's owner when someone registers with it (``RegistrationWithTakenEmail``)."""
    from .views import bp

    app.register_blueprint(bp)
    events_module.subscribe(events_module.UserRegistered, _send_verification)
    events_module.subscribe(events_module.RegistrationWithTakenEmail, _send_attempt_notice)


def _send_verification(event: events_module.UserRegistered) -> None:
    """Queue the new member's verification email in a short transaction of its own, right after
    the account's commit (its own app context: the committing session can run no more SQL). If
    this fails, the account stands and the banner's "Resend" sends the link."""
    from ..i18n import current_locale
    from ..transactions import commit_with_retry
    from .service import send_verification_to

    secret_key = current_app.config["SECRET_KEY"]
    # A new account has no language preference yet, and whoever reads this email is whoever
    # just registered in this browser: the page's language is the best guess for it.
    language = current_locale() if has_request_context() else None
    with current_app.app_context():
        commit_with_retry(lambda: send_verification_to(event.user_id, secret_key=secret_key,
                                                       fallback_locale=language))


def _send_attempt_notice(event: events_module.RegistrationWithTakenEmail) -> None:
    """Queue the "someone tried to register with your address" email, in a short transaction
    of its own after the register request's (as ``_send_verification``)."""
    from ..clock import utcnow
    from ..transactions import commit_with_retry
    from .service import send_registration_attempt_notice

    with current_app.app_context():
        commit_with_retry(lambda: send_registration_attempt_notice(event.user_id, utcnow()))
