"""Reading a typed date in the user's language, the way bot.interview.parsing reads numbers:
a pure function that returns a `date` or raises `ParseError(kind, text=...)`.

| kind | when |
| --- | --- |
| `not_a_date` | nothing that reads as a day and a month |
| `no_such_date` | a day the month does not have (`2/30`), or a month over 12 |

What is read, in every language:
- ISO 8601: `2027-03-15`;
- digits with `/`, `.` or `-`: day and month in the order of the locale's short date format
  (Babel's: `3/15/27` in English, `15/3/27` in US Spanish, `15.03.27` in Russian); when only
  the other order is a date (`15/3` in English), that one is taken;
- a month by name, whole or cut to three letters or more, in the user's language (any of its
  grammatical forms: `марта`, `март`) or in English, with the day before or after it:
  `March 15`, `15 de marzo de 2027`, `15 марта 2027 г.`.
Without a year, the next such day after `today` is meant. Two-digit years are 20xx.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from babel.dates import get_date_format, get_month_names

from ..i18n import BABEL_LOCALES
from .parsing import ParseError

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})[./-](\d{1,2})(?:[./-](\d{4}|\d{2}))?")
_WORD = re.compile(r"[^\W\d_]+|\d+")
# Words that may sit between the parts of a written date: "15 de marzo de 2027", "15 марта
# 2027 г.", "on March 15th", "el 15".
_FILLER = frozenset({"de", "del", "el", "г", "года", "год", "on", "the", "of", "st", "nd", "rd",
                     "th"})
_MIN_PREFIX = 3


def parse_date(text: str, lang: str, today: date) -> date:
    """The date typed in `text` (see the module's doc); ParseError otherwise."""
    cleaned = " ".join((text or "").split()).strip(" .,!?").lower()
    found = _iso(cleaned) or _numeric(cleaned, lang) or _written(cleaned, lang)
    if found is None:
        raise ParseError("not_a_date", text=(text or "").strip())
    year, month, day = found
    return _build(year, month, day, today, (text or "").strip())


def _build(year: int | None, month: int, day: int, today: date, text: str) -> date:
    if year is not None and year < 100:
        year += 2000
    try:
        if year is not None:
            return date(year, month, day)
        this_year = date(today.year, month, day) if _valid(today.year, month, day) else None
        if this_year is not None and this_year > today:
            return this_year
        for later in range(today.year + 1, today.year + 5):  # February 29: the next leap year
            if _valid(later, month, day):
                return date(later, month, day)
        raise ValueError("no such day")
    except ValueError:
        raise ParseError("no_such_date", text=text) from None


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _iso(text: str) -> tuple[int | None, int, int] | None:
    match = _ISO.fullmatch(text)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


@cache
def _day_first(lang: str) -> bool:
    """Whether the locale's short date format puts the day before the month."""
    pattern = get_date_format("short", locale=BABEL_LOCALES[lang]).pattern
    return pattern.index("d") < pattern.index("M")


def _numeric(text: str, lang: str) -> tuple[int | None, int, int] | None:
    match = _NUMERIC.fullmatch(text)
    if match is None:
        return None
    first, second = int(match[1]), int(match[2])
    year = int(match[3]) if match[3] else None
    day, month = (first, second) if _day_first(lang) else (second, first)
    if month > 12 >= day:
        day, month = month, day  # only the other order is a date
    return year, month, day


@cache
def _month_names(lang: str) -> dict[str, int]:
    """Every name of every month in `lang` and in English, lower case, without dots."""
    names: dict[str, int] = {}
    for locale in ("en_US", BABEL_LOCALES[lang]):
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale).items():
                    names[name.lower().rstrip(".")] = number
    return names


def _month(word: str, lang: str) -> int | None:
    names = _month_names(lang)
    if word in names:
        return names[word]
    if len(word) < _MIN_PREFIX:
        return None
    months = {number for name, number in names.items() if name.startswith(word)}
    return months.pop() if len(months) == 1 else None


def _written(text: str, lang: str) -> tuple[int | None, int, int] | None:
    month = day = year = None
    for word in _WORD.findall(text):
        if word.isdigit():
            if len(word) == 4 and year is None:
                year = int(word)
            elif len(word) <= 2 and day is None:
                day = int(word)
            else:
                return None
        elif word in _FILLER:
            continue
        elif month is None and (number := _month(word, lang)) is not None:
            month = number
        else:
            return None
    if month is None or day is None:
        return None
    return year, month, day
