"""The image-upload fields a form mixes in, and the one step a view takes with them."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, HiddenField

from .images import ACCEPT, UploadRefused, megabytes, process_image, too_large_message
from .storage import is_stored, store_image, upload_dir


class ImageUploadFields:
    """Mix into an AppForm: a file input, the key of an image already uploaded (so a form sent
    back with errors keeps it), and a box to remove it."""

    image_file = FileField(_l("Or upload an image"), render_kw={"accept": ACCEPT})
    image_upload = HiddenField()
    remove_upload = BooleanField(_l("Remove the uploaded image"))

    def describe_upload_limit(self) -> None:
        """Say the configured limit in the hint, and give app.js the limit and its refusal in
        the page's language (``data-max-bytes``, ``data-too-large``)."""
        limit = current_app.config["MAX_UPLOAD_BYTES"]
        field: Any = self.image_file
        field.description = _("PNG, JPEG or WebP, up to %(size)s.", size=megabytes(limit))
        field.render_kw = {**(field.render_kw or {}), "data-max-bytes": str(limit),
                           "data-too-large": too_large_message(limit)}

    def take_upload(self) -> bool:
        """Store a chosen file and remember its key; on refusal put the reason at the field.

        Returns False when the file was refused (nothing is stored then). A key sent back by
        the browser is kept only if it names a stored image.
        """
        config = current_app.config
        folder = upload_dir(config)
        file_field: Any = self.image_file
        key_field: Any = self.image_upload
        chosen = file_field.data
        if isinstance(chosen, FileStorage) and chosen.filename:
            limit = config["MAX_UPLOAD_BYTES"]
            try:
                processed = process_image(chosen.stream.read(limit + 1), limit)
            except UploadRefused as refusal:
                file_field.errors = [*file_field.errors, refusal.message]
                return False
            key_field.data = store_image(processed, folder)
            self.remove_upload.data = False
        elif self.remove_upload.data or (
                key_field.data and not is_stored(key_field.data, folder)):
            key_field.data = ""  # removed, or a key that names no stored image
        return True

    def refuse_too_large(self) -> None:
        """The body was over the request limit (a 413): say so at the file field."""
        field: Any = self.image_file
        field.errors = [*field.errors,
                        too_large_message(current_app.config["MAX_UPLOAD_BYTES"])]
