"""Reading typed answers (bot/interview/parsing.py): tables per language, and round trips of
what Babel prints for each locale."""

from decimal import Decimal

import pytest
from babel.numbers import format_currency, format_decimal, format_percent
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import translator
from bot.interview.parsing import (
    MAX_AMOUNT,
    ParseError,
    check_bounds,
    parse_amount,
    parse_codes,
    parse_count,
    parse_percent,
)

D = Decimal


def error(call, *args, **kwargs) -> ParseError:
    with pytest.raises(ParseError) as caught:
        call(*args, **kwargs)
    return caught.value


# Amounts.

AMOUNTS = [
    # (language, typed, value)
    ("en", "1200", "1200"),
    ("en", "$1,200", "1200"),
    ("en", "1,200.50", "1200.50"),
    ("en", "$1,234.50", "1234.50"),
    ("en", "1.200,50", "1200.50"),
    ("en", "1 200", "1200"),
    ("en", "1200 dollars", "1200"),
    ("en", "1200 USD", "1200"),
    ("en", "1200usd", "1200"),
    ("en", "US$1200", "1200"),
    ("en", "$ 1,200.00.", "1200"),
    ("en", "1,200 $", "1200"),
    ("en", "1200 US dollars", "1200"),
    ("en", "$1.2k", "1200"),
    ("en", "1.5K", "1500"),
    ("en", "60", "60"),
    ("en", "0", "0"),
    ("en", "0.5", "0.50"),
    ("en", ".75", "0.75"),
    ("en", "12.50", "12.50"),
    ("en", "1,200", "1200"),  # the comma groups
    ("en", "1.200", "1200"),  # 3 decimals are no money: grouping
    ("en", "1.234", "1234"),
    ("en", "12.505", "12505"),
    ("en", "1,000,000", "1000000"),
    ("en", "１２００", "1200"),  # full-width digits
    ("en", "+60", "60"),
    ("en", "-0", "0"),
    ("es", "1.200,50", "1200.50"),
    ("es", "1,200.50", "1200.50"),
    ("es", "1.200", "1200"),
    ("es", "1,200", "1200"),
    ("es", "1200,5", "1200.50"),
    ("es", "1200 dólares", "1200"),
    ("es", "1200 dolares", "1200"),
    ("es", "1 dólar", "1"),
    ("es", "1200 dólares estadounidenses", "1200"),
    ("es", "1.234,50 US$", "1234.50"),
    ("es", "US$ 1.234,50", "1234.50"),
    ("es", "$1,234.50", "1234.50"),
    ("es", "USD1,234.50", "1234.50"),
    ("es", "1200 dlls", "1200"),
    ("es", "2 mil", "2000"),
    ("es", "1,5 mil dólares", "1500"),
    ("ru", "1 200,50", "1200.50"),
    ("ru", "1\u00a0200,50", "1200.50"),
    ("ru", "1\u202f200,50", "1200.50"),
    ("ru", "1200,5", "1200.50"),
    ("ru", "1200.50", "1200.50"),
    ("ru", "1 234,50 $", "1234.50"),
    ("ru", "1200 долларов", "1200"),
    ("ru", "1201 доллар", "1201"),
    ("ru", "1202 доллара США", "1202"),
    ("ru", "1200 долл.", "1200"),
    ("ru", "1,5 тыс", "1500"),
    ("ru", "1,5 тыс. долларов", "1500"),
    ("ru", "1.5к", "1500"),
    ("ru", "1 000 000", "1000000"),
    ("ru", "1,234", "1234"),  # 1.234 is no amount of money
    ("ru", "1.200,50", "1200.50"),
    ("ru", "1,200.50", "1200.50"),
]


@pytest.mark.parametrize(("lang", "text", "value"), AMOUNTS)
def test_amount(lang: str, text: str, value: str) -> None:
    parsed = parse_amount(text, lang)
    assert parsed == D(value)
    assert parsed.as_tuple().exponent == -2  # always cents


AMOUNT_ERRORS = [
    # (language, typed, kind, details)
    ("en", "", "not_a_number", {"text": ""}),
    ("en", "   ", "not_a_number", {"text": ""}),
    ("en", "abc", "not_a_number", {"text": "abc"}),
    ("en", "about 1200", "not_a_number", {}),
    ("en", "1200 per year", "not_a_number", {}),
    ("en", "1e5", "not_a_number", {}),
    ("en", "NaN", "not_a_number", {}),
    ("en", "Infinity", "not_a_number", {}),
    ("en", "1_000", "not_a_number", {}),
    ("en", "1,20,000", "not_a_number", {}),  # Babel: not properly grouped
    ("en", "1,2000", "not_a_number", {}),
    ("en", "12 50", "not_a_number", {}),
    ("en", "1.200.50", "not_a_number", {}),
    ("en", "1,200.5.0", "not_a_number", {}),
    ("en", "$", "not_a_number", {}),
    ("en", "1200 k k", "not_a_number", {}),
    ("en", "-$5", "negative", {"text": "-$5", "value": D(5)}),
    ("en", "$-5", "negative", {"value": D(5)}),
    ("en", "\u22121200", "negative", {"value": D(1200)}),
    ("en", "-1,200 USD", "negative", {"value": D(1200)}),
    ("en", "1200.505", "too_many_decimals", {"value": D("1200.505"), "places": 2}),
    ("en", "0.125", "too_many_decimals", {"value": D("0.125")}),
    ("en", "1200.1234", "too_many_decimals", {"places": 2}),
    ("ru", "0,125", "too_many_decimals", {"value": D("0.125")}),
    ("ru", "1,500", "ambiguous", {"text": "1,500", "thousands": D(1500), "decimal": D("1.5")}),
    ("ru", "1.500", "ambiguous", {"thousands": D(1500), "decimal": D("1.5")}),
    ("ru", "2,000", "ambiguous", {"thousands": D(2000), "decimal": D(2)}),
    ("ru", "1,500 тыс", "ambiguous", {"thousands": D(1500000), "decimal": D(1500)}),
    ("en", "1200 €", "wrong_currency", {"currency": "EUR"}),
    ("es", "1.200,50 €", "wrong_currency", {"currency": "EUR"}),
    ("es", "1200 euros", "wrong_currency", {"currency": "EUR"}),
    ("es", "1200 pesos", "wrong_currency", {"currency": "MXN"}),
    ("ru", "1200 руб", "wrong_currency", {"currency": "RUB"}),
    ("ru", "1200 ₽", "wrong_currency", {"currency": "RUB"}),
    ("en", "£50", "wrong_currency", {"currency": "GBP"}),
    ("en", "20%", "not_an_amount", {"text": "20%"}),
    ("ru", "20 %", "not_an_amount", {}),
    ("en", "99999999999", "out_of_range", {"high": MAX_AMOUNT, "low": None}),
    ("en", "9" * 40, "out_of_range", {"high": MAX_AMOUNT}),
]


@pytest.mark.parametrize(("lang", "text", "kind", "details"), AMOUNT_ERRORS)
def test_amount_error(lang: str, text: str, kind: str, details: dict) -> None:
    caught = error(parse_amount, text, lang)
    assert caught.kind == kind
    assert details.items() <= caught.details.items()
    assert "text" in caught.details


def test_amount_bounds() -> None:
    assert parse_amount("$150", "en", low=D(1), high=D(500)) == D(150)
    caught = error(parse_amount, "$1,500", "en", high=D(500))
    assert caught.kind == "out_of_range"
    assert caught.details == {"text": "$1,500", "value": D("1500.00"), "low": None, "high": D(500)}
    assert error(parse_amount, "0", "en", low=D("0.01")).details["low"] == D("0.01")


def test_amount_bounds_decide_three_digit_tail() -> None:
    # In Russian "1,500" is ambiguous, unless the thousands reading is out of bounds.
    assert parse_amount("1,500", "ru", high=D(1000)) == D("1.50")


def test_languages_differ_only_where_they_should() -> None:
    assert parse_amount("1,500", "en") == parse_amount("1,500", "es") == D(1500)
    assert error(parse_amount, "1,500", "ru").kind == "ambiguous"
    # An unknown language asks too.
    assert error(parse_amount, "1,500", "de").kind == "ambiguous"


# Percents.

PERCENTS = [
    ("en", "20", "20"),
    ("en", "20%", "20"),
    ("en", "20 %", "20"),
    ("en", "20.5%", "20.5"),
    ("en", "20.50", "20.5"),
    ("en", "0.2", "0.2"),  # not read as a share: 0.2 %
    ("en", "0", "0"),
    ("en", "100", "100"),
    ("en", "100%", "100"),
    ("en", "20 percent", "20"),
    ("en", "12.500", "12.5"),  # 12500 is no percent
    ("es", "20,5 %", "20.5"),
    ("es", "20 por ciento", "20"),
    ("es", "20,5%", "20.5"),
    ("ru", "20,5 %", "20.5"),
    ("ru", "20,5%", "20.5"),
    ("ru", "20.5", "20.5"),
    ("ru", "20 процентов", "20"),
    ("ru", "0,2", "0.2"),
    ("ru", "12,500", "12.5"),
]


@pytest.mark.parametrize(("lang", "text", "value"), PERCENTS)
def test_percent(lang: str, text: str, value: str) -> None:
    assert parse_percent(text, lang) == D(value)


PERCENT_ERRORS = [
    ("en", "101", "out_of_range", {"value": D(101), "low": 0, "high": 100}),
    ("en", "150%", "out_of_range", {"high": 100}),
    ("en", "12,345%", "out_of_range", {"value": D(12345)}),
    ("en", "-5%", "negative", {"value": D(5)}),
    ("en", "12.345%", "too_many_decimals", {"value": D("12.345"), "places": 2}),
    ("ru", "12,345 %", "too_many_decimals", {"places": 2}),
    ("en", "$20", "not_a_percent", {"text": "$20"}),
    ("ru", "20 долларов", "not_a_percent", {}),
    ("es", "20 €", "not_a_percent", {}),
    ("en", "20k", "not_a_number", {}),
    ("en", "twenty", "not_a_number", {}),
    ("en", "", "not_a_number", {}),
    ("en", "20/80", "not_a_number", {}),
]


@pytest.mark.parametrize(("lang", "text", "kind", "details"), PERCENT_ERRORS)
def test_percent_error(lang: str, text: str, kind: str, details: dict) -> None:
    caught = error(parse_percent, text, lang)
    assert caught.kind == kind
    assert details.items() <= caught.details.items()


def test_percent_bounds() -> None:
    assert parse_percent("50", "en", low=1, high=50) == 50
    caught = error(parse_percent, "0", "en", low=1, high=50)
    assert (caught.kind, caught.details["low"], caught.details["high"]) == ("out_of_range", 1, 50)


# Counts.

COUNTS = [
    ("en", "12", 12),
    ("en", " 12 ", 12),
    ("en", "12.", 12),
    ("en", "12 sessions", 12),
    ("en", "12 massage sessions.", 12),
    ("en", "12x", 12),
    ("en", "+4", 4),
    ("en", "0", 0),
    ("en", "1,000", 1000),
    ("en", "１２", 12),
    ("es", "12 sesiones", 12),
    ("es", "1.000", 1000),
    ("ru", "12 сеансов", 12),
    ("ru", "3 раза", 3),
    ("ru", "1 000", 1000),
    ("ru", "1,500", 1500),  # 1.5 is no count
]


@pytest.mark.parametrize(("lang", "text", "value"), COUNTS)
def test_count(lang: str, text: str, value: int) -> None:
    parsed = parse_count(text, lang)
    assert parsed == value
    assert type(parsed) is int


COUNT_ERRORS = [
    ("en", "1.5", "not_whole", {"value": D("1.5")}),
    ("ru", "2,5 сеанса", "not_whole", {"value": D("2.5")}),
    ("en", "-3", "negative", {"value": D(3)}),
    ("en", "", "not_a_number", {}),
    ("en", "twelve", "not_a_number", {}),
    ("en", "12 or 13", "not_a_number", {}),
    ("en", "12-15", "not_a_number", {}),
    ("en", "$12", "not_a_number", {}),
    ("en", "about 12", "not_a_number", {}),
]


@pytest.mark.parametrize(("lang", "text", "kind", "details"), COUNT_ERRORS)
def test_count_error(lang: str, text: str, kind: str, details: dict) -> None:
    caught = error(parse_count, text, lang)
    assert caught.kind == kind
    assert details.items() <= caught.details.items()


def test_count_bounds() -> None:
    assert parse_count("20", "en", low=1, high=365) == 20
    caught = error(parse_count, "400 sessions", "en", low=1, high=365)
    assert caught.details == {"text": "400 sessions", "value": 400, "low": 1, "high": 365}
    assert error(parse_count, "0", "en", low=1).kind == "out_of_range"


# Codes.


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("M54.50", "M54.50"),
        (" m54.50 ", "M54.50"),
        ("M54.50 - low back pain", "M54.50"),
        ("M54.50-low back pain", "M54.50"),
        ("M54.50 (low back pain)", "M54.50"),
        ("code: M62.830", "M62.830"),
        ("М54.50", "M54.50"),  # Cyrillic М
        ("m5450", "M5450"),
        ("M54.50.", "M54.50"),
        ("97124", "97124"),
        ("CPT 97140", "97140"),
        ("G0283", "G0283"),
        ("S39.012A", "S39.012A"),
        ("боль в спине M54.5", "M54.5"),
    ],
)
def test_code(text: str, code: str) -> None:
    assert parse_codes(text) == [code]


@pytest.mark.parametrize("text", ["", "   ", "low back pain", "2024", "12", "боль в спине"])
def test_not_a_code(text: str) -> None:
    caught = error(parse_codes, text)
    assert caught.kind == "not_a_code"
    assert caught.details == {"text": text.strip()}


def test_codes() -> None:
    text = "M54.50 - low back pain; m62.830 muscle spasm, M54.50 again"
    assert parse_codes(text) == ["M54.50", "M62.830"]
    assert error(parse_codes, "my back").kind == "not_a_code"


# check_bounds and ParseError.


def test_check_bounds() -> None:
    assert check_bounds(5, 1, 10) == 5
    assert check_bounds(5, None, None) == 5
    assert check_bounds(D(10), D(10), D(10)) == D(10)
    caught = error(check_bounds, 11, 1, 10)
    assert (caught.kind, caught.details) == ("out_of_range", {"value": 11, "low": 1, "high": 10})
    custom = error(check_bounds, 13, None, 12, "over_visit_limit", text="13")
    assert custom.kind == "over_visit_limit"
    assert custom.details == {"text": "13", "value": 13, "low": None, "high": 12}


def test_parse_error_is_a_value_error() -> None:
    caught = error(parse_amount, "abc", "en")
    assert isinstance(caught, ValueError)
    assert "not_a_number" in str(caught) and "not_a_number" in repr(caught)


# Round trips: what Babel prints for a locale reads back as the same number in its language.

ROUND_TRIP_LOCALES = [
    ("en_US", "en"),
    ("es_US", "es"),
    ("es", "es"),
    ("es_MX", "es"),
    ("ru_RU", "ru"),
    ("ru", "ru"),
]
money = st.decimals(min_value=0, max_value=MAX_AMOUNT, places=2, allow_nan=False)
percents = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False)


@pytest.mark.parametrize(("locale", "lang"), ROUND_TRIP_LOCALES)
@given(amount=money)
def test_round_trip_currency(locale: str, lang: str, amount: Decimal) -> None:
    assert parse_amount(format_currency(amount, "USD", locale=locale), lang) == amount


@pytest.mark.parametrize(("locale", "lang"), ROUND_TRIP_LOCALES)
@given(amount=money)
def test_round_trip_decimal(locale: str, lang: str, amount: Decimal) -> None:
    assert parse_amount(format_decimal(amount, locale=locale), lang) == amount


@pytest.mark.parametrize(("locale", "lang"), ROUND_TRIP_LOCALES)
@given(value=percents)
def test_round_trip_percent(locale: str, lang: str, value: Decimal) -> None:
    text = format_percent(value / 100, locale=locale, decimal_quantization=False)
    assert parse_percent(text, lang) == value


@pytest.mark.parametrize(("locale", "lang"), ROUND_TRIP_LOCALES)
@given(count=st.integers(min_value=0, max_value=10**9))
def test_round_trip_count(locale: str, lang: str, count: int) -> None:
    assert parse_count(format_decimal(count, locale=locale), lang) == count


@pytest.mark.parametrize("lang", ["en", "es", "ru"])
@given(amount=money, value=percents)
def test_round_trip_translator(lang: str, amount: Decimal, value: Decimal) -> None:
    t = translator(lang)
    assert parse_amount(t.money(amount), lang) == amount
    assert parse_percent(t.percent(value), lang) == value


# Second readings (asked back by the interview, see tests/test_plausibility.py).

DECIMAL_READINGS = [
    # (language, typed, the other reading or None)
    ("en", "12.345", D("12.35")),  # parsed as 12345: three decimals are no money
    ("en", "$1.500", D("1.50")),
    ("en", "12.344", D("12.34")),
    ("es", "12.345", D("12.35")),
    ("ru", "12,345", D("12.35")),  # the comma is Russian's decimal separator
    ("ru", "12.345 $", D("12.35")),
    ("en", "1,500", None),  # the locale's own grouping
    ("es", "1,500", None),
    ("en", "12.50", None),
    ("en", "1.5k", None),
    ("en", "1,200.500", None),
    ("en", "0.125", None),  # no group reading: the parser says "too many decimals"
    ("en", "abc", None),
]


@pytest.mark.parametrize(("lang", "text", "other"), DECIMAL_READINGS)
def test_decimal_reading(lang: str, text: str, other) -> None:
    from bot.interview.parsing import decimal_reading

    assert decimal_reading(text, lang) == other


@pytest.mark.parametrize(("lang", "text", "sign"), [
    ("en", "0.5%", True), ("en", "0.5 percent", True), ("es", "0,5 por ciento", True),
    ("ru", "0,5 процента", True), ("en", "0.5", False), ("ru", "0,2", False),
])
def test_has_percent_sign(lang: str, text: str, sign: bool) -> None:
    from bot.interview.parsing import has_percent_sign

    assert has_percent_sign(text, lang) is sign
