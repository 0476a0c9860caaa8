"""Security headers on every response (CSP with a per-request nonce, nosniff, framing, referrer)."""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, request


def csp_nonce() -> str:
    """The nonce of this request, for the few inline scripts a page must carry (Flask-Admin's)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce: str, *, admin: bool) -> str:
    """Only our own scripts run. Images may come from any http(s) host: entries link to them.

    Flask-Admin's templates carry ``style="..."`` attributes, so its pages allow inline styles;
    ours do not need to.
    """
    style_src = "'self' 'unsafe-inline'" if admin else f"'self' 'nonce-{nonce}'"
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src {style_src}",
            "img-src 'self' https: http: data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def init_app(app: Flask) -> None:
    @app.after_request
    def set_security_headers(response: Response) -> Response:
        headers = response.headers
        is_admin = request.path.startswith("/admin")
        headers.setdefault(
            "Content-Security-Policy", content_security_policy(csp_nonce(), admin=is_admin)
        )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
