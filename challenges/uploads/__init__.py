"""Image uploads (SPEC §3): decode and re-encode with Pillow, store by content hash under
``UPLOAD_DIR``, serve with immutable caching. Entries (and any other form) use it through
``ImageUploadFields``; templates through ``image_src`` / ``image_srcset``."""

from __future__ import annotations

from typing import Any

from flask import Flask, url_for

from .images import DISPLAY_WIDTH, THUMBNAIL_WIDTH
from .storage import display_name, thumbnail_name
from .views import bp


def upload_url(key: str, thumbnail: bool = False, external: bool = False) -> str:
    """Where the stored image ``key`` (or its thumbnail) is served."""
    name = thumbnail_name(key) if thumbnail else display_name(key)
    return url_for("uploads.stored_file", name=name, _external=external)


def image_src(item: Any, thumbnail: bool = False, external: bool = False) -> str:
    """The URL to show for anything with ``image_upload`` and ``image_url``: the uploaded
    image (or its thumbnail) if there is one, else the linked image, else ""."""
    key = getattr(item, "image_upload", "")
    if key:
        return upload_url(key, thumbnail, external)
    return item.image_url or ""


def image_srcset(item: Any) -> str:
    """``srcset`` for an uploaded image (thumbnail and display sizes); "" for linked images,
    whose sizes we never learn (the server does not fetch them)."""
    key = getattr(item, "image_upload", "")
    if not key:
        return ""
    return (f"{upload_url(key, thumbnail=True)} {THUMBNAIL_WIDTH}w, "
            f"{upload_url(key)} {DISPLAY_WIDTH}w")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["upload_url"] = upload_url
    app.jinja_env.globals["image_src"] = image_src
    app.jinja_env.globals["image_srcset"] = image_srcset
