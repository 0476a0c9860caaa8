"""The Mastodon step's form: which server to share on."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, ValidationError

from ..forms import AppForm, up_to
from .service import INSTANCE_MAX, mastodon_instance


class MastodonForm(AppForm):
    """Sent by GET (it only leads elsewhere), with a CSRF token all the same."""

    instance = StringField(_l("Your Mastodon server"), validators=up_to(INSTANCE_MAX),
                           description=_l("For example: mastodon.social."))
    text = HiddenField()

    def validate_instance(self, field: StringField) -> None:
        if not (field.data or "").strip():
            raise ValidationError(_("Enter the address of your Mastodon server."))
        if len(field.data or "") > INSTANCE_MAX or mastodon_instance(field.data or "") is None:
            raise ValidationError(_("Enter a server name such as mastodon.social."))
