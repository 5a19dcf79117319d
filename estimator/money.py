"""Exact money: `Decimal` from input to output, rounded half-up to cents where a rate is applied."""

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, PlainSerializer

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def cents(amount: Decimal) -> Decimal:
    """Round half-up to cents (the contract: every percentage applied to money is rounded here)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def share(pct: Decimal, amount: Decimal) -> Decimal:
    """`pct` percent of `amount`, rounded half-up to cents."""
    return cents(amount * pct / HUNDRED)


def _as_money_string(value: Decimal) -> str:
    return f"{cents(value):.2f}"


def _as_plain_string(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _no_negative_zero(value: Decimal) -> Decimal:
    # "-0" passes `ge=0` but would print as "-0.00".
    return value + 0 if value.is_zero() else value


# Money in: a non-negative amount with at most two decimals; out: a string with exactly two.
Money = Annotated[
    Decimal,
    Field(ge=0, max_digits=12, decimal_places=2),
    AfterValidator(_no_negative_zero),
    PlainSerializer(_as_money_string, return_type=str, when_used="json"),
]
# Money the engine computes (never negative by construction, always two decimals on output).
MoneyOut = Annotated[Decimal, PlainSerializer(_as_money_string, return_type=str, when_used="json")]
Percent = Annotated[
    Decimal,
    Field(ge=0, le=100, max_digits=5, decimal_places=2),
    AfterValidator(_no_negative_zero),
    PlainSerializer(_as_plain_string, return_type=str, when_used="json"),
]
