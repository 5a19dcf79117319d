"""Why a document cannot be made, as exceptions a channel turns into a sentence (`error_text`).

A document that needs a clinic field the clinic has not given is refused, never drawn with a
blank: the message names the field, so the clinic knows what to add to its profile.
"""

from __future__ import annotations

from bot.i18n import N_, Translator

__all__ = ["DocumentError", "InvalidPatient", "MissingClinicField", "NotApplicable",
           "error_text"]

# The clinic fields, as the clinic's staff read them in a refusal.
FIELD_NAMES = {
    "clinic": N_("the clinic (start from the clinic's link)"),
    "name": N_("the clinic's name"),
    "address": N_("the clinic's address"),
    "phone": N_("the clinic's phone number"),
    "npi": N_("the clinic's NPI (National Provider Identifier)"),
    "tin": N_("the clinic's TIN (taxpayer identification number)"),
    "provider_name": N_("the provider's name"),
    "provider_credentials": N_("the provider's credentials (such as LMT)"),
}
DOCUMENT_NAMES = {
    "gfe": N_("Good Faith Estimate"),
    "lmn": N_("Letter of Medical Necessity"),
    "summary": N_("Estimate summary"),
}


class DocumentError(ValueError):
    """A document that cannot be made; `error_text` says why in the patient's language."""


class MissingClinicField(DocumentError):
    """The document needs `field` of the clinic profile (`clinic`: no clinic at all)."""

    def __init__(self, document: str, field: str) -> None:
        self.document, self.field = document, field
        super().__init__(f"the {document} document needs the clinic's {field}: add "
                         f"'{field}' to the clinic profile")


class NotApplicable(DocumentError):
    """The document does not apply to this estimate (`reason`: a stable code)."""

    def __init__(self, document: str, reason: str) -> None:
        self.document, self.reason = document, reason
        super().__init__(f"the {document} document does not apply: {reason}")


class InvalidPatient(DocumentError):
    """The patient's name or date of birth cannot be used (`field`: "name" or "birth_date")."""

    def __init__(self, field: str) -> None:
        self.field = field
        super().__init__(f"the patient's {field} is missing or not valid")


NOT_APPLICABLE = {
    "not_medical": N_("A letter of medical necessity is only for treatment of a diagnosed "
                      "condition, not for relaxation or general health."),
    "price_unknown": N_("A Good Faith Estimate needs the clinic's price, which is not known "
                        "yet."),
}
BAD_PATIENT = {
    "name": N_("Please type the patient's full name."),
    "birth_date": N_("Please type the date of birth as year-month-day, such as 1980-04-25."),
}


def error_text(error: DocumentError, t: Translator) -> str:
    """The refusal in `t`'s language, naming what is missing."""
    if isinstance(error, MissingClinicField):
        return t.gettext("The %(document)s cannot be made yet: the clinic's profile lacks "
                         "%(field)s. Please ask the clinic to add it.",
                         document=t.gettext(DOCUMENT_NAMES[error.document]),
                         field=t.gettext(FIELD_NAMES.get(error.field, error.field)))
    if isinstance(error, NotApplicable):
        return t.gettext(NOT_APPLICABLE[error.reason])
    if isinstance(error, InvalidPatient):
        return t.gettext(BAD_PATIENT[error.field])
    return str(error)
