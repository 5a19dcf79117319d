"""The clinic profile interview as data: one `Field` per question /newclinic asks (and /myclinic
edits), in the order asked, each with its label, its question, whether it may be skipped, and how
a typed reply is read (`read(text, lang)`, raising `FieldProblem` with a translatable reason).

Values are kept as the Clinic model reads them from JSON (money as text such as "85.00"), so
an unfinished form travels in the chat's saved state and a finished one is `Clinic`'s input.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from estimator.scenario import US_STATES

from ..clinics import Clinic
from ..i18n import N_
from ..interview.model import Problem
from ..interview.parsing import ParseError, parse_amount, parse_count
from ..interview.questions import Question
from ..interview.reading import problem_for
from . import rules

SKIP = "-"  # typed to leave an optional field empty (or, when editing, to clear it)
ACCEPT = "+"  # typed to take the suggested link name
MAX_TEXT = 200
MAX_PAYERS = 20
MAX_MONEY = Decimal("2000")


class FieldProblem(ValueError):
    """A reply that cannot fill the field: `problem` says why, in the interview's terms."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.problem = Problem(message=message, params=params)


@dataclass(frozen=True)
class Field:
    id: str  # the Clinic field it fills
    label: str  # the profile's line title
    question: str
    read: Callable[[str, str], Any]  # (typed text, language) -> the value as JSON
    optional: bool = False


def _parse_problem(error: ParseError, kind: str) -> FieldProblem:
    stand_in = Question(id="clinic", title="", message="", help="", kind=kind)  # type: ignore[arg-type]
    problem = problem_for(error, stand_in)
    found = FieldProblem(problem.message)
    found.problem = problem
    return found


def _name(text: str, lang: str) -> str:
    name = rules.clean_text(text)
    problem = rules.name_problem(name)
    if problem:
        raise FieldProblem(problem[0], **problem[1])
    return name


def _slug(text: str, lang: str) -> str:
    slug = text.strip().lower()
    problem = rules.slug_problem(slug)
    if problem:
        raise FieldProblem(problem[0], **problem[1])
    return slug


def _state(text: str, lang: str) -> str:
    code = text.strip().upper()
    if code not in US_STATES:
        raise FieldProblem(N_("Please type the state's two-letter postal code, such as WA, NY "
                              "or FL."))
    return code


CPT_CODES = ("97124", "97140")


def _cpt(text: str, lang: str) -> str:
    code = text.strip()
    if code not in CPT_CODES:
        raise FieldProblem(N_("Please type 97124 (massage) or 97140 (manual therapy)."))
    return code


def _minutes(text: str, lang: str) -> int:
    try:
        return parse_count(text, lang, low=8, high=240)
    except ParseError as error:
        raise _parse_problem(error, "count") from None


def _money(text: str, lang: str) -> str:
    try:
        return str(parse_amount(text, lang, low=Decimal("0.01"), high=MAX_MONEY))
    except ParseError as error:
        raise _parse_problem(error, "amount") from None


_PAYER_LINE = re.compile(r"^(?P<name>.*?)[\s:=\-\u2013]+(?P<amount>\$?\s*[\d.,]+)\s*$")
PAYERS_FORMAT = N_(
    "Write one insurer per line with the contracted rate per 15-minute unit, such as "
    "\"Aetna 30.00\"."
)


def _payers(text: str, lang: str) -> list[dict[str, str]]:
    payers: list[dict[str, str]] = []
    for line in re.split(r"[\n;]+", text):
        if not line.strip():
            continue
        match = _PAYER_LINE.match(line.strip())
        name = rules.clean_text(match["name"]) if match else ""
        if not match or not 1 <= len(name) <= 100 or rules.has_markup(name):
            raise FieldProblem(PAYERS_FORMAT)
        payers.append({"name": name, "allowed_per_unit": _money(match["amount"], lang)})
    names = [payer["name"].casefold() for payer in payers]
    if not payers or len(payers) > MAX_PAYERS or len(set(names)) != len(names):
        raise FieldProblem(PAYERS_FORMAT)
    return payers


def _checked(field_id: str, message: str) -> Callable[[str, str], str]:
    """A text the Clinic model itself checks (NPI check digit, TIN format)."""

    def read(text: str, lang: str) -> str:
        value = text.strip()
        try:
            clinic = Clinic.model_validate({**SAMPLE, field_id: value})
        except ValueError:
            raise FieldProblem(message) from None
        return str(getattr(clinic, field_id))

    return read


def _text(limit: int) -> Callable[[str, str], str]:
    def read(text: str, lang: str) -> str:
        value = rules.clean_text(text)
        if not 1 <= len(value) <= limit or rules.has_markup(value):
            raise FieldProblem(N_("Please type at most %(limit)s characters, without < or >."),
                               limit=limit)
        return value

    return read


# A valid profile the single-field checks above fill one field of.
SAMPLE: dict[str, Any] = {"slug": "sample", "name": "Sample", "state": "WA",
                          "billed_per_unit": "1.00"}

FIELDS: tuple[Field, ...] = (
    Field("name", N_("Clinic name"), N_("What is the clinic's name, as patients know it?"), _name),
    Field("slug", N_("Link name"), N_("Its link name: lower-case letters, digits and dashes."),
          _slug),
    Field("state", N_("State"), N_("In which US state does it see patients? (Two letters, such "
                                   "as WA.)"), _state),
    Field("cpt_code", N_("Billing code"), N_("Which code does it bill massage under: 97124 "
                                             "(massage) or 97140 (manual therapy)?"), _cpt),
    Field("session_minutes", N_("Session length"), N_("How many minutes is a usual session?"),
          _minutes),
    Field("billed_per_unit", N_("Billed price per unit"), N_(
        "What does it bill insurers per 15-minute unit (its full charge)?"), _money),
    Field("cash_per_session", N_("Cash price per session"), N_(
        "What does a patient paying cash pay per session?"), _money, optional=True),
    Field("payers", N_("In-network insurers"), PAYERS_FORMAT, _payers, optional=True),
    Field("npi", N_("NPI"), N_("The billing provider's NPI (10 digits), for the documents "
                               "patients get?"),
          _checked("npi", N_("That is not a valid NPI: 10 digits, the last a check digit (the "
                             "NPPES registry shows yours).")), optional=True),
    Field("tin", N_("Tax ID (TIN)"), N_("Its tax ID (EIN such as 12-3456789)?"),
          _checked("tin", N_("That is not a US taxpayer identification number, such as the "
                             "EIN 12-3456789.")), optional=True),
    Field("address", N_("Address"), N_("Its street address?"), _text(MAX_TEXT), optional=True),
    Field("phone", N_("Phone"), N_("Its phone number for patients?"), _text(40), optional=True),
    Field("provider_name", N_("Provider's name"), N_("The treating provider's name, for the "
                                                     "documents?"), _text(MAX_TEXT),
          optional=True),
    Field("provider_credentials", N_("Credentials"), N_("The provider's credentials, such as "
                                                        "LMT?"), _text(100), optional=True),
)
BY_ID = {field.id: field for field in FIELDS}
# /myclinic edits these by number; the link name stays (printed QR codes point at it).
EDITABLE: tuple[Field, ...] = tuple(field for field in FIELDS if field.id != "slug")


def shown(field: Field, value: Any) -> str | None:
    """A field's value as the profile lists it (untranslated parts only: names, numbers)."""
    if value is None or value == []:
        return None
    if field.id == "payers":
        return "; ".join(f"{payer['name']} {payer['allowed_per_unit']}" for payer in value)
    return str(value)
