"""Reading typed answers: amounts of money, percents, counts and codes, in the user's language.

Pure functions, no gettext: a failure raises `ParseError(kind, **details)`, and the caller words
the message from `kind`, with `details` as its `%(name)s` parameters. Every error has `text`
(what was typed, stripped). The kinds:

| kind | raised by | details besides `text` |
| --- | --- | --- |
| `not_a_number` | amount, percent, count: empty, garbage, badly grouped digits | — |
| `negative` | amount, percent, count | `value` (the number without its sign) |
| `too_many_decimals` | amount, percent: more than 2 decimals | `value`, `places` (2) |
| `ambiguous` | amount, percent, count: `1,500` in Russian | `thousands`, `decimal`: the readings |
| `out_of_range` | `check_bounds`; the parsers' `low`/`high` | `value`, `low`, `high` (None: open) |
| `not_whole` | count: `2.5` | `value` |
| `not_an_amount` | amount: `20%` | — |
| `not_a_percent` | percent: `$20`, `20 €` | — |
| `wrong_currency` | amount: `1200 €` | `currency`: EUR, GBP, RUB or MXN |
| `not_a_code` | code(s): nothing that looks like a code | — |

Decimal and thousands separators. People type what they are used to, whatever their language:
- both `.` and `,`: the last one is the decimal separator (`1,200.50`, `1.200,50` → 1200.50);
- spaces between digit groups are thousands separators (`1 200,50`, `1 200.50`);
- one kind repeated: thousands separators (`1,200,000`, `1.200.000`);
- one separator followed by 1 or 2 digits: the decimal separator (`1200,5`, `12.50`); by 4 or
  more: the decimal separator if it is the locale's (`0.1234` in English), else an error;
- one separator followed by exactly 3 digits (`1,500`, `1.500`): the locale's group symbol
  (Babel's: `,` in English and US Spanish) groups. Any other separator could be read both
  ways: when only one reading is a possible answer (`1.234` is no amount of money: 3 decimals;
  `12.500` is no percent: over 100; `1,500` is no count; bounds count too), that one is taken;
  when both are, a thousands separator in English and Spanish (`THREE_DIGIT_TAIL`) and
  `ambiguous` in Russian, where the comma is the decimal separator and the dot is typed for it
  too; when neither is, the locale's decimal symbol is read as decimal, and the error says
  what is wrong with that reading (`12.345%`: too many decimals).
Babel checks the digit groups (`parse_decimal(..., strict=True)`): `1,20,000` is not a number.
Amounts may carry `$`, `US$`, `USD`, `dollars`, `dólares`, `долларов` (and Babel's names for the
US dollar in each language) before or after, and a thousands multiplier: `1.5k`, `2 mil`,
`1,5 тыс`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from babel.numbers import (
    NumberFormatError,
    get_currency_name,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)

from ..i18n import BABEL_LOCALES

MONEY_PLACES = 2
PERCENT_PLACES = 2
# The largest amount the estimator takes (`estimator.money.Money`: 12 digits, 2 decimals).
MAX_AMOUNT = Decimal("9999999999.99")
_CENT = Decimal("0.01")
_ONE = Decimal(1)
_THOUSAND = Decimal(1000)

# One separator and exactly three digits, when both readings are possible: "group" (a
# thousands separator) or "ambiguous" (ask). A language not listed asks.
THREE_DIGIT_TAIL = {"en": "group", "es": "group", "ru": "ambiguous"}

_MINUS = frozenset("-\u2212\u2013\u2012")
_DIGITS = frozenset("0123456789")
_NUMBER_CHARS = _DIGITS | {" ", "\t", ".", ","}
_SPACE_RUN = re.compile(r"\s+")
_TRAILING_PUNCTUATION = ".!?… "
# A count's leading number ("12 sessions"): digits, separators and spaces, ending in a digit.
_LEADING_NUMBER = re.compile(r"([0-9](?:[0-9., \t]*[0-9])?)(.*)", re.S)


class ParseError(ValueError):
    """What was typed cannot be read: `kind` says why, `details` holds the message parameters."""

    def __init__(self, kind: str, **details: Any) -> None:
        super().__init__(kind, details)
        self.kind = kind
        self.details = details

    def __str__(self) -> str:
        return f"{self.kind}: {self.details}"

    def __repr__(self) -> str:
        return f"ParseError({self.kind!r}, **{self.details!r})"


def check_bounds(
    value: Any, low: Any = None, high: Any = None, kind: str = "out_of_range", **details: Any
) -> Any:
    """`value` if `low <= value <= high` (None: no bound), else ParseError(kind, value=, low=,
    high=, **details). `kind` lets a caller word a bound its own way ("over_visit_limit")."""
    if (low is not None and value < low) or (high is not None and value > high):
        raise ParseError(kind, **details, value=value, low=low, high=high)
    return value


# Words and symbols around the number.

_USD_WORDS = tuple(
    "$ us$ u$s usd dollars dollar bucks dlls dls dólares dolares dólar dolar "
    "долларов доллара доллар долл. долл дол. баксов бакса бакс сша".split()
)
_FOREIGN = {
    "EUR": ("€", "eur", "euros", "euro", "евро"),
    "GBP": ("£", "gbp", "pounds", "pound", "фунтов", "фунта"),
    "RUB": ("₽", "rub", "руб.", "руб", "рублей", "рубля", "рубль", "р.", "р"),
    "MXN": ("mx$", "mxn", "pesos", "peso", "песо"),
}
_FOREIGN_WORDS = frozenset(token for tokens in _FOREIGN.values() for token in tokens)
_MULTIPLIERS = frozenset(
    {"k", "к", "тыс.", "тыс", "тысяч", "тысячи", "тысяча", "mil", "thousand", "thousands"}
)
_PERCENT_WORDS = frozenset(
    {
        "%",
        "٪",
        "percent",
        "per cent",
        "pct",
        "por ciento",
        "porciento",
        "процентов",
        "процента",
        "процент",
        "проц.",
        "проц",
    }
)


@cache
def _usd_words(lang: str) -> frozenset[str]:
    """Our list plus Babel's symbol and names for the US dollar in `lang` (each plural form)."""
    words = set(_USD_WORDS)
    for locale in {lang, BABEL_LOCALES.get(lang, lang)}:
        words.add(get_currency_symbol("USD", locale=locale).lower())
        for count in (1, 2, 5):
            words.add(get_currency_name("USD", count=count, locale=locale).lower())
    return frozenset(words)


@cache
def _affixes(lang: str) -> tuple[list[str], list[str]]:
    """(prefixes, suffixes) to take off an answer in `lang`, the longest first."""
    usd = _usd_words(lang)
    prefixes = usd | _FOREIGN_WORDS
    suffixes = prefixes | _MULTIPLIERS | _PERCENT_WORDS
    return sorted(prefixes, key=len, reverse=True), sorted(suffixes, key=len, reverse=True)


def _strip_suffix(text: str, tokens: Iterable[str]) -> tuple[str, str | None]:
    """`text` without the first of `tokens` it ends with (a word must stand apart)."""
    for token in tokens:
        if text.endswith(token):
            rest = text[: -len(token)]
            if token[0].isalpha() and rest[-1:].isalpha():
                continue  # "12 week" does not end with the word "k"
            return rest.rstrip(), token
    return text, None


def _strip_prefix(text: str, tokens: Iterable[str]) -> tuple[str, str | None]:
    for token in tokens:
        if text.startswith(token):
            rest = text[len(token) :]
            if token[-1].isalpha() and rest[:1].isalpha():
                continue
            return rest.lstrip(), token
    return text, None


def _foreign_code(token: str) -> str:
    return next(code for code, tokens in _FOREIGN.items() if token in tokens)


def _clean(text: str | None) -> str:
    """NFKC (full-width digits become ASCII, no-break spaces plain), stripped, lower case."""
    return unicodedata.normalize("NFKC", text or "").strip().lower()


class _Peeled:
    """The number part of an answer and what was around it."""

    def __init__(self, core: str) -> None:
        self.core = core
        self.negative = False
        self.multiplier = False
        self.currency: str | None = None  # "USD" or a foreign ISO code
        self.percent = False


def _peel(text: str, lang: str) -> _Peeled:
    """Take signs, currencies, multipliers and percent signs off both ends of `text`."""
    prefixes, suffixes = _affixes(lang)
    peeled = _Peeled(text.rstrip(_TRAILING_PUNCTUATION))
    while True:
        before = peeled.core
        if peeled.core[:1] in _MINUS:
            peeled.negative, peeled.core = True, peeled.core[1:].lstrip()
        elif peeled.core[:1] == "+":
            peeled.core = peeled.core[1:].lstrip()
        peeled.core, prefix = _strip_prefix(peeled.core, prefixes)
        peeled.core, suffix = _strip_suffix(peeled.core, suffixes)
        for token in (prefix, suffix):
            if token is None:
                continue
            if token in _MULTIPLIERS:
                if peeled.multiplier:  # "1k k"
                    peeled.core = before
                    return peeled
                peeled.multiplier = True
            elif token in _PERCENT_WORDS:
                peeled.percent = True
            elif token in _FOREIGN_WORDS:
                peeled.currency = _foreign_code(token)
            else:
                peeled.currency = peeled.currency or "USD"
        if peeled.core == before:
            return peeled


# Numbers.


@cache
def _decimal_symbol(lang: str) -> str:
    return get_decimal_symbol(BABEL_LOCALES.get(lang, lang))


@cache
def _group_symbol(lang: str) -> str:
    return get_group_symbol(BABEL_LOCALES.get(lang, lang))


def _three_digit_tail(
    head: str, tail: str, sep: str, lang: str, original: str, possible: Callable[[Decimal], bool]
) -> tuple[str | None, str | None]:
    """(decimal separator, group separator) for `head` `sep` `tail` such as `1,500`."""
    if sep == _group_symbol(lang):  # "1,500" in English: Babel's convention says grouping
        return None, sep
    as_group, as_decimal = Decimal(head + tail), Decimal(f"{head}.{tail}")
    group_ok, decimal_ok = possible(as_group), possible(as_decimal)
    if group_ok and decimal_ok:
        if THREE_DIGIT_TAIL.get(lang, "ambiguous") == "group":
            return None, sep
        raise ParseError("ambiguous", text=original, thousands=as_group, decimal=_tidy(as_decimal))
    if group_ok:
        return None, sep
    if decimal_ok or sep == _decimal_symbol(lang):
        return sep, None
    return None, sep


def _parse_number(
    core: str, lang: str, original: str, *, possible: Callable[[Decimal], bool]
) -> Decimal:
    """The number in `core` (digits, `.`, `,`, spaces), read as the module docstring says.

    `possible(value)` says whether a reading is a possible answer (for `1,500`-like input).
    """
    if not core or not set(core) <= _NUMBER_CHARS or not set(core) & _DIGITS:
        raise ParseError("not_a_number", text=original)
    core = _SPACE_RUN.sub(" ", core.strip())
    separators = [c for c in core if c in ".,"]
    group_sep: str | None = None
    decimal_sep: str | None = None
    if " " in core:
        # Spaces group the digits; a "." or "," may only be the decimal separator.
        if len(separators) > 1:
            raise ParseError("not_a_number", text=original)
        group_sep, decimal_sep = " ", (separators[0] if separators else None)
    elif len(set(separators)) == 2:
        decimal_sep = separators[-1]
        group_sep = "," if decimal_sep == "." else "."
        if separators.count(decimal_sep) > 1:
            raise ParseError("not_a_number", text=original)
    elif len(separators) > 1:
        group_sep = separators[0]
    elif len(separators) == 1:
        sep = separators[0]
        head, tail = core.split(sep)
        if len(tail) == 3 and 1 <= len(head) <= 3 and not head.startswith("0"):
            decimal_sep, group_sep = _three_digit_tail(head, tail, sep, lang, original, possible)
        elif len(tail) > 3 and sep != _decimal_symbol(lang):
            # "1,2000" in English: a mistyped group rather than four decimals.
            raise ParseError("not_a_number", text=original)
        else:
            decimal_sep = sep

    # Say it the en_US way, and let Babel check the digit groups.
    canonical = core
    if group_sep:
        canonical = canonical.replace(group_sep, "\0")
    if decimal_sep:
        canonical = canonical.replace(decimal_sep, ".")
    canonical = canonical.replace("\0", ",")
    try:
        value = parse_decimal(canonical, locale="en_US", strict=True)
    except NumberFormatError:
        raise ParseError("not_a_number", text=original) from None
    if not value.is_finite():
        raise ParseError("not_a_number", text=original)
    return value


def _decimals(value: Decimal) -> int:
    """Significant decimal places: 1200.50 → 1, 1200.505 → 3, 1200 → 0."""
    if value == value.to_integral_value():
        return 0
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) else 0


def _tidy(value: Decimal) -> Decimal:
    """No trailing zeros, no exponent: 20.500 → 20.5, 20.00 → 20, 1E+3 → 1000."""
    if value == value.to_integral_value():
        return Decimal(int(value))
    return value.normalize()


def _read(
    text: str | None,
    lang: str,
    *,
    places: int,
    high: Decimal | None,
    check: Callable[[_Peeled, str], None],
) -> Decimal:
    """The value (without its sign) of the number in `text`; `check(peeled, stripped)` first
    looks at what was around it (currency, percent sign, multiplier)."""
    stripped = (text or "").strip()
    peeled = _peel(_clean(text), lang)
    check(peeled, stripped)
    scale = _THOUSAND if peeled.multiplier else _ONE

    def possible(value: Decimal) -> bool:
        value *= scale
        return _decimals(value) <= places and (high is None or value <= high)

    try:
        value = _parse_number(peeled.core, lang, stripped, possible=possible) * scale
    except ParseError as error:
        if error.kind == "ambiguous" and peeled.multiplier:
            error.details["thousands"] *= scale
            error.details["decimal"] = _tidy(error.details["decimal"] * scale)
        raise
    if peeled.negative and value != 0:
        raise ParseError("negative", text=stripped, value=_tidy(value))
    return value


def parse_amount(
    text: str, lang: str, *, low: Decimal | None = None, high: Decimal | None = None
) -> Decimal:
    """A US-dollar amount as typed in `lang` → Decimal with 2 places (`$1,200` → 1200.00).

    Raises ParseError: not_a_number, negative, too_many_decimals, ambiguous, wrong_currency,
    not_an_amount (a percent), out_of_range (outside `low`..`high`, or over MAX_AMOUNT).
    """
    stripped = (text or "").strip()
    limit = MAX_AMOUNT if high is None else min(high, MAX_AMOUNT)

    def check(peeled: _Peeled, stripped: str) -> None:
        if peeled.currency not in (None, "USD"):
            raise ParseError("wrong_currency", text=stripped, currency=peeled.currency)
        if peeled.percent:
            raise ParseError("not_an_amount", text=stripped)

    value = _read(text, lang, places=MONEY_PLACES, high=limit, check=check)
    if value > MAX_AMOUNT:
        raise ParseError("out_of_range", text=stripped, value=_tidy(value), low=low, high=limit)
    if _decimals(value) > MONEY_PLACES:
        raise ParseError(
            "too_many_decimals", text=stripped, value=_tidy(value), places=MONEY_PLACES
        )
    return check_bounds(value.quantize(_CENT), low, high, text=stripped)


def parse_percent(
    text: str, lang: str, *, low: Decimal | int = 0, high: Decimal | int = 100
) -> Decimal:
    """A percent as typed in `lang` (`20`, `20%`, `20 %`, `20,5 %`) → Decimal (20, 20.5).

    A fraction is not taken for a share: `0.2` is 0.2 % (the interview asks back whether 20 %
    was meant, see `bot.interview.plausibility`). Raises ParseError: not_a_number,
    negative, too_many_decimals, ambiguous, not_a_percent (money), out_of_range (outside
    `low`..`high`, 0..100 by default).
    """
    stripped = (text or "").strip()

    def check(peeled: _Peeled, stripped: str) -> None:
        if peeled.currency:
            raise ParseError("not_a_percent", text=stripped)
        if peeled.multiplier:
            raise ParseError("not_a_number", text=stripped)

    limit = None if high is None else Decimal(high)
    value = _tidy(_read(text, lang, places=PERCENT_PLACES, high=limit, check=check))
    check_bounds(value, low, high, text=stripped)
    if _decimals(value) > PERCENT_PLACES:
        raise ParseError("too_many_decimals", text=stripped, value=value, places=PERCENT_PLACES)
    return value


def parse_count(text: str, lang: str, *, low: int | None = None, high: int | None = None) -> int:
    """A whole number, perhaps followed by words: `12`, `12 sessions`, `12 сеансов` → 12.

    Raises ParseError: not_a_number, negative, not_whole, ambiguous, out_of_range (outside
    `low`..`high` when given).
    """
    stripped = (text or "").strip()
    cleaned = _clean(text).rstrip(_TRAILING_PUNCTUATION)
    negative = cleaned[:1] in _MINUS
    body = cleaned[1:].lstrip() if negative or cleaned[:1] == "+" else cleaned
    match = _LEADING_NUMBER.fullmatch(body)
    if not match:
        raise ParseError("not_a_number", text=stripped)
    number, rest = match.groups()
    rest = rest.strip()
    if rest and (not rest[0].isalpha() or any(c.isdigit() for c in rest)):
        raise ParseError("not_a_number", text=stripped)

    def possible(value: Decimal) -> bool:
        return value == value.to_integral_value() and (high is None or value <= high)

    value = _parse_number(number, lang, stripped, possible=possible)
    if negative and value != 0:
        raise ParseError("negative", text=stripped, value=_tidy(value))
    if value != value.to_integral_value():
        raise ParseError("not_whole", text=stripped, value=_tidy(value))
    return check_bounds(int(value), low, high, text=stripped)


# Second readings: what the parser took at face value, but the patient may have meant otherwise.

# One "." or "," and exactly three digits after it: "12.345", "1,500".
_THREE_DIGIT_TAIL = re.compile(r"([1-9][0-9]{0,2})([.,])([0-9]{3})")


def decimal_reading(text: str | None, lang: str) -> Decimal | None:
    """The amount `text` would be if its separator were a decimal point, rounded to cents, when
    the parser read that separator as a thousands one without it being `lang`'s group symbol:
    `12.345` in English is read as 12,345 (three decimals are no money), but may be a mistyped
    12.35. None for anything else (`1,500` in English, `12.50`, `1.5k`).

    The interview asks which one was meant (`parse_amount` alone keeps its documented reading).
    """
    peeled = _peel(_clean(text), lang)
    match = _THREE_DIGIT_TAIL.fullmatch(peeled.core.strip())
    if peeled.multiplier or peeled.percent or not match:
        return None
    head, sep, tail = match.groups()
    if sep == _group_symbol(lang):
        return None  # the locale's own grouping: "1,500" in English is 1500, nothing else
    return Decimal(f"{head}.{tail}").quantize(_CENT, rounding=ROUND_HALF_UP)


def has_currency(text: str | None, lang: str) -> bool:
    """The reply names a currency (`$30`, `30 dollars`, `30 долларов`): money is meant."""
    return _peel(_clean(text), lang).currency is not None


def has_percent_sign(text: str | None, lang: str) -> bool:
    """The reply says "percent" itself (`0.5%`, `0,5 процента`): a small share is meant, not a
    fraction typed for a percentage."""
    return _peel(_clean(text), lang).percent


# Codes: ICD-10-CM diagnoses (M54.50, a letter first), CPT procedures (97124, five digits),
# HCPCS (G0283).

# Cyrillic capitals that look like Latin ones (a Russian keyboard types "М54.50").
_LOOKALIKES = str.maketrans("АВЕКМНОРСТХ", "ABEKMHOPCTX")
_CODE_TOKEN = re.compile(r"[A-Z0-9][A-Z0-9.]*")
_CODE = re.compile(r"[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?|[0-9]{5}")


def _codes_in(text: str | None) -> list[str]:
    normal = unicodedata.normalize("NFKC", text or "").upper().translate(_LOOKALIKES)
    found: list[str] = []
    for token in _CODE_TOKEN.findall(normal):
        token = token.rstrip(".")
        if _CODE.fullmatch(token) and token not in found:
            found.append(token)
    return found


def parse_codes(text: str) -> list[str]:
    """Every code in `text`, upper case, in order, without repeats: `M54.50, m62.830` → both;
    ` m54.50 - low back pain` → `M54.50` (no dot is added: `estimator.icd10.normalise` does
    that). Raises ParseError("not_a_code") when nothing looks like a code."""
    codes = _codes_in(text)
    if not codes:
        raise ParseError("not_a_code", text=(text or "").strip())
    return codes
