"""The "Sponsor a challenge" form. It only collects text; the rules are the service's
(``validate_inquiry``), which puts each problem at its field."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField

from ..forms import AppForm, up_to
from ..models import BUDGET_RANGES
from ..services.accounts import EMAIL_MAX
from .service import COMPANY_MAX, CONTACT_NAME_MAX, MESSAGE_MAX, InquiryInput


def _budget_choices() -> list[tuple[str, str]]:
    return [("", _("Choose a range…"))] + [(value, str(label))
                                            for value, label in BUDGET_RANGES.items()]


class SponsorInquiryForm(AppForm):
    company = StringField(_l("Company or organisation"), validators=up_to(COMPANY_MAX),
                          render_kw={"autocomplete": "organization"})
    contact_name = StringField(_l("Your name"), validators=up_to(CONTACT_NAME_MAX),
                               render_kw={"autocomplete": "name"})
    contact_email = StringField(_l("Your email"), validators=up_to(EMAIL_MAX),
                                description=_l("We answer here, usually within two working days."),
                                render_kw={"autocomplete": "email", "type": "email",
                                           "autocapitalize": "none", "spellcheck": "false"})
    # Checked by the service (its own message), so any posted value reaches it.
    budget_range = SelectField(_l("Budget for prizes (US dollars)"), choices=_budget_choices,
                               validate_choice=False)
    message = TextAreaField(_l("What do you have in mind?"), validators=up_to(MESSAGE_MAX),
                            description=_l("The theme, the audience you want to reach, the "
                                           "prizes, the dates: whatever you know so far."),
                            render_kw={"rows": 6})

    def to_input(self) -> InquiryInput:
        return InquiryInput(company=self.company.data or "",
                            contact_name=self.contact_name.data or "",
                            contact_email=self.contact_email.data or "",
                            budget_range=self.budget_range.data or "",
                            message=self.message.data or "")
