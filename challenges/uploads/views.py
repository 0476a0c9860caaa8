"""Serving stored uploads: immutable (the name is the content's hash), and never sniffed."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_from_directory
from flask.typing import ResponseReturnValue

from .storage import NAME_RE, upload_dir

bp = Blueprint("uploads", __name__)
ONE_YEAR = 31_536_000


@bp.get("/uploads/<name>")
def stored_file(name: str) -> ResponseReturnValue:
    """A display image or thumbnail; the name pattern admits nothing but our own files."""
    if not NAME_RE.fullmatch(name):
        abort(404)
    response = send_from_directory(upload_dir(current_app.config), name, mimetype="image/webp",
                                   conditional=True, etag=True)
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
