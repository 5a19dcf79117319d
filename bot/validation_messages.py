"""pydantic's validation errors in the patient's or the staff member's language.

    from bot.validation_messages import describe_errors
    describe_errors(exc, translator("es"))
    # 'sessions: Debe ser mayor o igual que 1; colour: Este campo no existe'

One "path: message" part per error, joined with "; ", as `estimator.cases.describe` does: the
path is the field's JSON path (`fees.billed_per_unit`, `diagnosis_codes`), never translated,
since it is what to look for in the file. The message is picked by the error's type and filled
from its context (the bound of `greater_than_equal`, the values a `literal_error` allows); the
scenario's own checks (estimator/scenario.py) raise typed errors with a context for this.

English shows pydantic's own message, so the English text stays exactly the one that
`massage-estimate check`, the JSON API and `estimator.cases.describe` give; the English
message ids below restate those messages for the translators. An error type without a template
here says "The value is not valid" in Spanish and Russian (never pydantic's English).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from bot.i18n import N_, Translator

# type -> the message id (parameters from the error's context, see _params).
MESSAGES: Mapping[str, str] = {
    "missing": N_("Field required"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "greater_than_equal": N_("Input should be greater than or equal to %(ge)s"),
    "greater_than": N_("Input should be greater than %(gt)s"),
    "less_than_equal": N_("Input should be less than or equal to %(le)s"),
    "less_than": N_("Input should be less than %(lt)s"),
    "literal_error": N_("Input should be %(expected)s"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer"),
    "int_from_float": N_("Input should be a valid integer"),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean"),
    "decimal_type": N_("Input should be a valid decimal"),
    "decimal_parsing": N_("Input should be a valid decimal"),
    "finite_number": N_("Input should be a finite number"),
    "string_type": N_("Input should be a valid string"),
    "string_unicode": N_("Input should be a valid string"),
    "list_type": N_("Input should be a valid list"),
    "model_type": N_("Input should be an object with the fields of %(class_name)s"),
    "model_attributes_type": N_("Input should be an object with the fields of %(class_name)s"),
    "dict_type": N_("Input should be a valid dictionary"),
    # The scenario's own checks (estimator/scenario.py).
    "us_state": N_("must be a US postal code such as WA, NY or FL"),
    "visit_limit_range": N_('must be between %(min)s and %(max)s, or "none"'),
    "icd10_code": N_("%(code)s is not an ICD-10 code (letters, digits and a dot)"),
    "fallback_payer_not_applicable": N_(
        "fallback_payer applies only when payer is auto or workers_comp"
    ),
    "iso_date": N_("must be a date written YYYY-MM-DD, such as 2026-12-07"),
    "year_start_day": N_("month %(month)s has no day %(day)s"),
    "one_schedule": N_("give sessions_per_week or course_weeks, not both"),
    "schedule_too_dense": N_("%(sessions)s sessions do not fit in %(weeks)s weeks (one a day at "
                             "most)"),
}
USED_OVER_LIMIT = N_("%(used)s (%(used_value)s) is more than %(limit)s (%(limit_value)s)")
NOT_VALID = N_("The value is not valid")


def _decimal_places(t: Translator, ctx: Mapping[str, Any]) -> str:
    return t.ngettext(
        "Decimal input should have no more than %(n)s decimal place",
        "Decimal input should have no more than %(n)s decimal places",
        int(ctx["decimal_places"]),
    )


def _max_digits(t: Translator, ctx: Mapping[str, Any]) -> str:
    return t.ngettext(
        "Decimal input should have no more than %(n)s digit in total",
        "Decimal input should have no more than %(n)s digits in total",
        int(ctx["max_digits"]),
    )


def _whole_digits(t: Translator, ctx: Mapping[str, Any]) -> str:
    return t.ngettext(
        "Decimal input should have no more than %(n)s digit before the decimal point",
        "Decimal input should have no more than %(n)s digits before the decimal point",
        int(ctx["whole_digits"]),
    )


def _too_long(t: Translator, ctx: Mapping[str, Any]) -> str:
    return t.ngettext(
        "List should have at most %(n)s item, not %(actual)s",
        "List should have at most %(n)s items, not %(actual)s",
        int(ctx["max_length"]),
        actual=t.number(int(ctx["actual_length"])),
    )


def _used_over_limit(t: Translator, ctx: Mapping[str, Any]) -> str:
    pairs = ctx.get("pairs") or []
    return "; ".join(t.gettext(USED_OVER_LIMIT, **pair) for pair in pairs) or t(NOT_VALID)


# Types whose message is counted (plural forms) or built from parts.
BUILDERS: Mapping[str, Callable[[Translator, Mapping[str, Any]], str]] = {
    "decimal_max_places": _decimal_places,
    "decimal_max_digits": _max_digits,
    "decimal_whole_digits": _whole_digits,
    "too_long": _too_long,
    "used_over_limit": _used_over_limit,
}

_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _is_type_tag(part: object) -> bool:
    # pydantic adds the member type of a union to the location ("decimal", "literal['none']").
    return isinstance(part, str) and (part in ("decimal", "int", "bool") or "[" in part)


def field_path(loc: tuple[Any, ...]) -> str:
    """The dotted JSON path of an error's location (list indexes as numbers), "" for the
    whole document."""
    return ".".join(str(part) for part in loc if not _is_type_tag(part))


def _params(t: Translator, ctx: Mapping[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name, value in ctx.items():
        if name == "expected":  # "'ppo', 'hmo' or 'hdhp'": the values, listed the language's way
            values = [f"'{v}'" for v in _QUOTED.findall(str(value))] or [str(value)]
            params[name] = t.join(values, style="or")
        elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            params[name] = t.number(value)
        else:
            params[name] = value
    return params


def error_message(error: Mapping[str, Any], t: Translator) -> str:
    """One error's message (without its path) in `t`'s language."""
    if t.lang == "en":
        return str(error["msg"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    try:
        if kind in BUILDERS:
            return BUILDERS[kind](t, ctx)
        if kind in MESSAGES:
            params = _params(t, ctx)
            if set(_PLACEHOLDER.findall(MESSAGES[kind])) <= set(params):
                return t.gettext(MESSAGES[kind], **params)
    except (KeyError, TypeError, ValueError):  # a context not as expected: say it plainly
        pass
    return t(NOT_VALID)


def error_lines(exc: ValidationError, t: Translator, root: str | None = None) -> list[str]:
    """One "path: message" line per error; `root` names the whole document (an error of the
    model itself, such as two answers that do not fit together); by default "scenario"."""
    whole = root if root is not None else t.pgettext("the whole scenario file", "scenario")
    return [
        f"{field_path(tuple(error['loc'])) or whole}: {error_message(error, t)}"
        for error in exc.errors(include_url=False, include_input=False)
    ]


def describe_errors(exc: ValidationError, t: Translator, root: str | None = None) -> str:
    """All the errors on one line, as `estimator.cases.describe` (the same text in English)."""
    return "; ".join(error_lines(exc, t, root))
