"""Reading a reply to a question: the option a press or a typed name stands for, a typed value
in the patient's language within the question's bounds, the cost share typed as its amount,
why a reply was refused, and whether a typed value should be read back before it is stored.

Pure, like the step function that calls it (`engine`): no state, no I/O.
"""

import re
from decimal import Decimal
from typing import Any

from bot.i18n import N_, translator
from estimator.scenario import US_STATES

from . import dates, diagnosis, plausibility, words
from .facts import NOT_A_NUMBER, OTHER_INSURER, Facts
from .model import Answer, Option, Problem
from .parsing import (
    ParseError,
    decimal_reading,
    has_currency,
    has_percent_sign,
    parse_amount,
    parse_count,
    parse_percent,
)
from .questions import BY_ID, NO, QUESTIONS, YES, Question

# Why a typed reply was not accepted, by the parser's error kind and the question's kind.
PROBLEMS: dict[str, str] = {
    "amount": N_("Please type an amount in dollars, for example 1200."),
    "percent": N_("Please type a percentage between 0 and 100, for example 20%."),
    "count": N_("Please type a whole number, for example 12."),
    "code": N_("Please type a diagnosis code: a letter and digits, for example M54.50."),
    "state": N_("Please type the state's two-letter code, for example NY or TX."),
    "choice": N_("Please choose one of the options."),
}
NEGATIVE = N_("The amount cannot be negative.")
SHARE_UNIT = N_("Is that a copay in dollars or a coinsurance percentage? Please type it with its "
                "sign, for example $30 or 20%, or choose an option.")
TOO_MANY_DECIMALS = N_("Please use at most two decimal places (cents).")
AMBIGUOUS = N_("I'm not sure whether that means %(a)s or %(b)s: please type it without "
               "thousands separators, for example 1200.50.")
OUT_OF_RANGE = N_("Please enter a value from %(low)s to %(high)s.")
NOT_WHOLE = N_("Please type a whole number, without decimals.")
WRONG_CURRENCY = N_("Please give the amount in US dollars.")
UNKNOWN_CODE = N_("%(code)s is not an ICD-10-CM diagnosis code. Please check the prescription "
                  "and type it again, or choose \"I don't know\".")
CLINIC_STATE = N_("%(state)s (where the clinic is)")
MAX_SENTENCE = 200  # longest typed reply read at all


def options_for(question: Question, facts: Facts) -> list[Option]:
    """The question's options; the insurer and billable-code questions build theirs from data."""
    if question.id == "insurer" and facts.clinic is not None:
        insurers = [Option(value=f"p{i}", label=N_("%(name)s"), params={"name": p.name})
                    for i, p in enumerate(facts.clinic.payers)]
        return [*insurers, Option(value=OTHER_INSURER, label=N_("Another insurer"))]
    if question.id == "diagnosis_child":  # the billable codes under the code refined, titled
        return diagnosis.child_options(facts.get("diagnosis"))
    if question.id == "state" and facts.clinic is not None:  # often, not always, the car's
        return [Option(value=facts.clinic.state, label=CLINIC_STATE,
                       params={"state": facts.clinic.state})]
    if question.id == "start" and facts.today is not None:  # days from the channel's today
        return dates.start_options(facts.today)
    if question.id == "rx_date" and facts.today is not None:  # days before it
        return dates.prescription_options(facts.today)
    return list(question.options)


def _bounded_by() -> dict[str, tuple[str, ...]]:
    """The questions that bound another's answer from above (the deductible bounds what of it
    is paid), with the questions they bound: an answer to those, given first, bounds theirs from
    below."""
    bounds: dict[str, tuple[str, ...]] = {}
    for question in QUESTIONS:
        if question.high_from:
            bounds[question.high_from] = (*bounds.get(question.high_from, ()), question.id)
    return bounds


BOUNDED_BY = _bounded_by()


def choice(question: Question, facts: Facts, answer: Answer, lang: str) -> str:
    return pick(question.id, options_for(question, facts), answer, lang)


def pick(question_id: str, options: list[Option], answer: Answer, lang: str) -> str:
    """The option a pressed button, a typed number or a typed name stands for."""
    if answer.kind == "choice":
        if answer.value in {o.value for o in options}:
            return answer.value
        raise ParseError("choice")
    text = (answer.value or "").strip()
    if text.isdecimal() and 1 <= int(text) <= len(options):
        return options[int(text) - 1].value
    value = match_option(question_id, options, text, lang)
    if value is None:
        raise ParseError("choice")
    return value


def match_option(question_id: str, options: list[Option], text: str, lang: str) -> str | None:
    """The option whose name is the whole of `text` (case, accents and punctuation ignored):
    "yes"/"sí"/"да" on a yes/no question, the option's label or its short form in the patient's
    language or in English ("In network", "in-network"), its value ("ppo"), or one of its
    synonyms (`words.SYNONYMS`: "en la red", "в сети")."""
    folded = words.fold(text)
    if not folded:
        return None
    said = words.yes_no(text, lang)
    if said is not None and _is_yes_no(options):
        return said
    t = translator(lang)
    for option in options:
        if folded in _names(option, t):
            return option.value
    for option in options:
        if folded in words.synonyms(question_id, option.value, lang):
            return option.value
    return None


def _is_yes_no(options: list[Option]) -> bool:
    labels = {o.value: o.label for o in options}
    return labels.get("yes") == YES.label and labels.get("no") == NO.label


_PARENTHESES = re.compile(r"\(([^)]*)\)")


def _names(option: Option, t) -> set[str]:
    """An option's label in the patient's language and in English, each also without its
    parenthesis and as the parenthesis alone ("HDHP"), and its value, folded."""
    labels = {t.gettext(option.label, **option.params),
              option.label % option.params if option.params else option.label}
    names = {option.value}
    for label in labels:
        names.add(label)
        names.add(_PARENTHESES.sub(" ", label))
        names.update(_PARENTHESES.findall(label))
    return {words.fold(name) for name in names} - {""}


def _number(value: Any) -> Any:
    """A stored amount or count as a number (None for an option such as "all" or "none")."""
    if isinstance(value, int) or (isinstance(value, str) and value not in NOT_A_NUMBER):
        return value
    return None


def bound(question: Question, facts: Facts):
    """The question's bounds, with the answers it bounds or is bounded by: what is used or paid
    is at most the limit, whichever of the two was asked first (narrowing asks in any order)."""
    low, high = question.low, question.high
    other = _number(facts.get(question.high_from)) if question.high_from else None
    if other is not None:
        high = (other if high is None
                else Decimal(other) if isinstance(high, Decimal) else int(other))
    for used in BOUNDED_BY.get(question.id, ()):
        value = _number(facts.get(used))
        if value is not None and low is not None:
            low = max(low, Decimal(value) if isinstance(low, Decimal) else int(value))
    return low, high


def typed_value(question: Question, facts: Facts, text: str, lang: str) -> Any:
    low, high = bound(question, facts)
    if question.kind == "amount":
        return str(parse_amount(text, lang, low=low, high=high))
    if question.kind == "percent":
        return str(parse_percent(text, lang, low=low, high=high))
    if question.kind == "count":
        return parse_count(text, lang, low=low, high=high)
    if question.kind == "state":
        code = text.strip().upper()
        if code not in US_STATES:
            raise ParseError("state")
        return code
    return diagnosis.read(text).codes  # every valid code; `diagnosis.record` names the others


def read(question: Question, facts: Facts, answer: Answer, lang: str) -> tuple[Any, bool]:
    """(the stored value, whether it is a typed value the plausibility rules look at)."""
    options = options_for(question, facts)
    if (answer.kind == "choice" and question.kind != "choice"
            and answer.value in {o.value for o in options}):
        return option_value(question, answer.value), False
    if question.kind == "choice":
        return choice(question, facts, answer, lang), False
    text = (answer.value or "")[:MAX_SENTENCE]
    if answer.kind == "choice":
        raise ParseError(question.kind)
    try:
        return typed_value(question, facts, text, lang), True
    except ParseError as error:
        # Not a value: perhaps an option's name ("none", "no limit", "sin límite").
        value = match_option(question.id, options, text, lang)
        if value is None or error.kind == "ambiguous":
            raise
        return option_value(question, value), False


def option_value(question: Question, value: str) -> Any:
    """Options of typed questions ("No limit", "12", "Nothing yet") store what typing would."""
    if question.kind == "count" and value.isdecimal():
        return int(value)
    return value


def problem_for(error: ParseError, question: Question) -> Problem:
    details = error.details
    kind = question.kind or "choice"
    fmt = {"amount": "money", "percent": "percent"}.get(kind, "number")
    if error.kind == "negative":
        return Problem(message=NEGATIVE)
    if error.kind == "too_many_decimals":
        return Problem(message=TOO_MANY_DECIMALS)
    if error.kind == "ambiguous":
        return Problem(message=AMBIGUOUS, params={"a": details.get("thousands"),
                                                  "b": details.get("decimal"), "format": fmt})
    if error.kind == "out_of_range":
        return Problem(message=OUT_OF_RANGE, params={"low": details.get("low") or 0,
                                                     "high": details.get("high"), "format": fmt})
    if error.kind == "not_whole":
        return Problem(message=NOT_WHOLE)
    if error.kind == "wrong_currency":
        return Problem(message=WRONG_CURRENCY)
    if error.kind == "share_unit":
        return Problem(message=SHARE_UNIT)
    if error.kind == "unknown_code":
        return Problem(message=UNKNOWN_CODE, params={"code": details.get("code")})
    return Problem(message=PROBLEMS[kind])


def share(facts: Facts, text: str, lang: str) -> tuple[str, Any] | None:
    """The cost-sharing question answered with the amount itself: "$30" is a copay of $30,
    "20%" a coinsurance of 20 percent (the question that asks it is skipped). None when the
    reply is not a number (an option's name or number, read as usual)."""
    text = text[:MAX_SENTENCE]
    options = options_for(BY_ID["cost_share"], facts)
    if match_option("cost_share", options, text, lang):
        return None
    if text.strip().isdecimal() and 1 <= int(text) <= len(options):
        return None  # an option's number, as for every choice (the terminal numbers them)
    if has_percent_sign(text, lang):
        return "coinsurance", typed_value(BY_ID["coinsurance"], facts, text, lang)
    if has_currency(text, lang):
        return "copay", typed_value(BY_ID["copay"], facts, text, lang)
    try:
        parse_amount(text, lang)
    except ParseError:
        return None  # words: the usual "Please choose one of the options"
    raise ParseError("share_unit")  # a bare number: dollars or percent?


def stored(question: Question, value: Decimal) -> str:
    """A number as an amount or percent answer holds it ("12345.00", "20")."""
    if question.kind == "amount":
        return str(value.quantize(Decimal("0.01")))
    return str(plausibility.tidy(value))


def within(question: Question, facts: Facts, value: Decimal) -> bool:
    low, high = bound(question, facts)
    return (low is None or value >= low) and (high is None or value <= Decimal(high))


def ambiguous_readings(question: Question, facts: Facts, error: ParseError) -> list[str] | None:
    """The two readings of an ambiguous amount (`1,500` in Russian), if both could be meant."""
    if error.kind != "ambiguous" or question.kind != "amount":
        return None
    readings = [error.details["thousands"], error.details["decimal"]]
    if not all(within(question, facts, r) for r in readings):
        return None
    return [stored(question, r) for r in readings]


def doubt(question: Question, facts: Facts, text: str, value: Any,
           lang: str) -> tuple[str, list[Any]] | None:
    """(rule id, values to ask about) when a typed value should be read back before use."""
    if question.kind not in ("amount", "percent"):
        return None
    number = Decimal(value)
    if question.kind == "amount":
        other = decimal_reading(text, lang)
        if other is not None and other != number and within(question, facts, other):
            return plausibility.READINGS, [value, stored(question, other)]
    else:
        readings = plausibility.fraction_readings(number, has_percent_sign(text, lang))
        if readings is not None:
            return plausibility.FRACTION, [stored(question, r) for r in readings]
    rule = plausibility.doubt(question.id, number, facts)
    return (rule.id, [value]) if rule is not None else None
