"""The real client address behind the documented load balancer (Werkzeug's ProxyFix)."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def install_proxy_fix(app: Flask) -> None:
    """Trust ``X-Forwarded-For``/``-Proto``/``-Host`` from ``TRUSTED_PROXIES`` hops, no more.

    With 0 (the default) the headers are ignored: anyone can write them, and trusting them would
    give every request a fresh rate-limit bucket. With N, ProxyFix takes the Nth address from the
    right of ``X-Forwarded-For`` (the one our own outermost proxy appended), so addresses a client
    prepends are ignored too.
    """
    hops = int(app.config.get("TRUSTED_PROXIES", 0))
    if hops < 0:
        raise ValueError("TRUSTED_PROXIES must be 0 or more.")
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
