"""The patient named on a document: asked only when a Good Faith Estimate is made, never logged.

45 CFR 149.610 has the GFE name the patient and give the date of birth (DOMAIN.md "Good Faith
Estimate"). The name and date are kept by the caller only as long as the chat state (and under
its encryption and retention); `Patient.__repr__` hides them so that a log line or a traceback
never carries them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from bot.i18n import N_

from .errors import InvalidPatient

__all__ = ["ASK_BIRTH_DATE", "ASK_NAME", "Patient", "parse_birth_date", "parse_name",
           "parse_patient"]

# What a channel asks before it makes a Good Faith Estimate (the name first).
ASK_NAME = N_("The patient's full name, for the Good Faith Estimate:")
ASK_BIRTH_DATE = N_("The patient's date of birth (for example 1980-04-25):")

MAX_NAME = 200
OLDEST_YEARS = 130
# Year first (ISO), or day and month in the language's order with / . or - between.
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
MONTH_FIRST = frozenset({"en"})  # 04/25/1980 in the US; 25/04/1980 es, 25.04.1980 ru
# Control characters, lone surrogates, private-use and unassigned code points: no name has them,
# and neither a PDF nor a FHIR string can carry all of them.
_NOT_TEXT = frozenset({"Cc", "Cs", "Co", "Cn"})


@dataclass(frozen=True)
class Patient:
    name: str = field(repr=False)
    birth_date: date = field(repr=False)

    def __repr__(self) -> str:
        return "Patient(<hidden>)"


def parse_birth_date(text: str, lang: str, today: date) -> date:
    """A date of birth typed as 1980-04-25, or with the day and month in the language's order
    (04/25/1980 en, 25/04/1980 es, 25.04.1980 ru); InvalidPatient("birth_date") otherwise, and
    for a date in the future or more than 130 years ago."""
    text = text.strip()
    try:
        if match := _ISO.fullmatch(text):
            year, month, day = (int(g) for g in match.groups())
        elif match := _NUMERIC.fullmatch(text):
            first, second, year = (int(g) for g in match.groups())
            month, day = (first, second) if lang in MONTH_FIRST else (second, first)
        else:
            raise ValueError(text)
        born = date(year, month, day)
    except ValueError:
        raise InvalidPatient("birth_date") from None
    if born > today or today.year - born.year > OLDEST_YEARS:
        raise InvalidPatient("birth_date")
    return born


def parse_name(name: str) -> str:
    """The name as it goes on the document (spaces tidied); InvalidPatient("name") when it is
    empty, has no letter, has control characters or is over 200 characters. A channel that asks
    the name and the date of birth one at a time checks the name as soon as it is typed."""
    clean = " ".join(name.split())
    if (not clean or len(clean) > MAX_NAME or not any(c.isalpha() for c in clean)
            or any(unicodedata.category(c) in _NOT_TEXT for c in clean)):
        raise InvalidPatient("name")
    return clean


def parse_patient(name: str, birth_date: str | date, lang: str, today: date) -> Patient:
    """The patient from what was typed; InvalidPatient naming the field that cannot be used."""
    clean = parse_name(name)
    if isinstance(birth_date, date):
        if birth_date > today or today.year - birth_date.year > OLDEST_YEARS:
            raise InvalidPatient("birth_date")
        return Patient(clean, birth_date)
    return Patient(clean, parse_birth_date(birth_date, lang, today))
