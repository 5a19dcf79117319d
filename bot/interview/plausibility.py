"""Typed values that are possible but unlikely, read back to the patient before they are used.

A patient once typed `2` as an out-of-pocket maximum and was told "Good news: $2.00"; `0.2` as
coinsurance was 0.2 %. The parser cannot know; these rules catch the likely slips and the
interview asks "Is that right?" (or which of two readings was meant) before storing the value.

Rules on one value, each asked as "Is that right?" (Yes keeps it, No asks the question again):

| rule | question | when | why |
| --- | --- | --- | --- |
| `oop_below_deductible` | oop_max | below the deductible | the maximum includes the deductible |
| `oop_low` | oop_max | under $500 | ACA plans' maximums are thousands of dollars |
| `deductible_low` | deductible | $0.01 to $9.99 | a "1" typed for an option, or "5" for "500" |
| `price_high` | price | over $1,000 a session | an hour of massage is $60-$200 |
| `price_low` | price | under $10 a session | idem: a "2" typed for "200" |
| `cash_high` | cash | over $1,000 a session | idem |
| `cash_low` | cash | under $10 a session (not 0: "free" is typed on purpose) | idem |
| `cash_above_price` | cash | above the clinic's full price | a cash price is a discount |

Readings of one reply, asked as "Did you mean A or B?" (the engine's `_doubt`):

| rule | question kind | when |
| --- | --- | --- |
| `readings` | amount | `12.345`: read as 12,345, maybe 12.35 (`parsing.decimal_reading`) |
| | | `1,500` in Russian: the parser's `ambiguous` (1,500 or 1.50) |
| `fraction` | percent | between 0 and 1 without a percent sign: `0.2` is probably 20 % |

Visits used above the visit limit, a deductible paid above the deductible and out-of-pocket
paid above the maximum are not asked back: the questions' bounds (`high_from`) refuse them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.i18n import N_

from .facts import Facts

# Below this an out-of-pocket maximum is probably a slip (a "2" for "2000"): ACA plans' limits
# are $9,200-$10,600 (2025-2026) and employer plans' typically $2,000-$9,000.
OOP_MAX_PLAUSIBLE = Decimal(500)
# Outside these a session's price is probably a slip: an hour of massage costs $60-$200.
FEE_PLAUSIBLE = Decimal(1000)
FEE_TOO_LOW = Decimal(10)
# Below this a deductible is more likely a slip ("1" typed for an option, "5" for "500").
DEDUCTIBLE_TOO_LOW = Decimal(10)

READINGS = "readings"
FRACTION = "fraction"

# A parameter of a rule's message: (format, value), format "money", "percent" or "number".
Params = dict[str, tuple[str, Decimal | None]]


@dataclass(frozen=True)
class Rule:
    id: str
    question: str
    message: str  # asks "Is that right?"; %(amount)s is the value, other names from `params`
    implausible: Callable[[Decimal, Facts], bool]
    params: Callable[[Decimal, Facts], Params] = lambda value, facts: {"amount": ("money", value)}


def _below_deductible(value: Decimal, facts: Facts) -> bool:
    deductible = facts.amount("deductible")
    return deductible is not None and value < deductible


def _above_price(value: Decimal, facts: Facts) -> bool:
    price = facts.amount("price")
    return price is not None and value > price


RULES: tuple[Rule, ...] = (
    Rule(
        "oop_below_deductible", "oop_max",
        N_("You typed %(amount)s as your out-of-pocket maximum, less than your deductible of "
           "%(deductible)s. The maximum includes the deductible, so it is usually higher. Is "
           "that right?"),
        _below_deductible,
        lambda value, facts: {"amount": ("money", value),
                              "deductible": ("money", facts.amount("deductible"))},
    ),
    Rule(
        "oop_low", "oop_max",
        N_("You typed %(amount)s as your out-of-pocket maximum. Most plans' maximums are several "
           "thousand dollars. Is that right?"),
        lambda value, facts: value < OOP_MAX_PLAUSIBLE,
    ),
    Rule(
        "deductible_low", "deductible",
        N_("You typed %(amount)s as your plan's yearly deductible. That is unusually small for "
           "a deductible. Is that right?"),
        lambda value, facts: Decimal(0) < value < DEDUCTIBLE_TOO_LOW,
    ),
    Rule(
        "price_high", "price",
        N_("You typed %(amount)s as the clinic's price for one session. That is more than "
           "clinics usually charge. Is that right?"),
        lambda value, facts: value > FEE_PLAUSIBLE,
    ),
    Rule(
        "price_low", "price",
        N_("You typed %(amount)s as the clinic's price for one session. That is less than "
           "clinics usually charge. Is that right?"),
        lambda value, facts: value < FEE_TOO_LOW,
    ),
    Rule(
        "cash_high", "cash",
        N_("You typed %(amount)s as the cash price for one session. That is more than clinics "
           "usually charge. Is that right?"),
        lambda value, facts: value > FEE_PLAUSIBLE,
    ),
    Rule(
        "cash_low", "cash",
        N_("You typed %(amount)s as the cash price for one session. That is less than clinics "
           "usually charge. Is that right?"),
        lambda value, facts: Decimal(0) < value < FEE_TOO_LOW,
    ),
    Rule(
        "cash_above_price", "cash",
        N_("You typed %(amount)s as the cash price, more than the clinic's full price of "
           "%(price)s. A cash price is usually lower. Is that right?"),
        _above_price,
        lambda value, facts: {"amount": ("money", value),
                              "price": ("money", facts.amount("price"))},
    ),
)
BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}

# "Did you mean A or B?", by reading rule.
READING_MESSAGES = {
    READINGS: N_("That number can be read two ways. Did you mean %(a)s or %(b)s?"),
    FRACTION: N_("You typed a fraction. Did you mean %(a)s, or really %(b)s?"),
}


def doubt(question_id: str, value: Decimal, facts: Facts) -> Rule | None:
    """The first rule `value`, typed for `question_id`, breaks; None when it looks right."""
    for rule in RULES:
        if rule.question == question_id and rule.implausible(value, facts):
            return rule
    return None


def fraction_readings(value: Decimal, percent_sign: bool) -> tuple[Decimal, Decimal] | None:
    """(the percentage meant, the value as typed) for `0.2` typed for a percentage; None when the
    value is 0, 1 or more, or the patient wrote the percent sign (`0.5%` is meant)."""
    if percent_sign or not Decimal(0) < value < Decimal(1):
        return None
    return tidy(value * 100), value


def tidy(value: Decimal) -> Decimal:
    """No trailing zeros, no exponent: 20.0 → 20, 0.50 → 0.5 (as percents are stored)."""
    return Decimal(int(value)) if value == value.to_integral_value() else value.normalize()


def message_params(rule: Rule, value: Any, facts: Facts) -> Params:
    """The parameters of `rule`'s message for a stored value."""
    return rule.params(Decimal(value), facts)
