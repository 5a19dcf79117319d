"""Staff tools, whatever the channel: who is staff, and scenarios from `key=value` pairs.

    pairs = parse_pairs("payer=commercial network=out deductible=1000 sessions=12")
    scenario = scenario_from_pairs(pairs, clinic=clinic)    # the clinic's fees fill the rest
    changed = whatif(scenario, parse_pairs("deductible_met=1000"))

Keys are the estimator's `Scenario` fields, flattened: a field of a nested model (`fees`,
`plan`, `workers_comp`, `auto`) is named by its own name (`deductible`, not `plan.deductible`;
the dotted form is accepted too). The list is derived from the models (`SCENARIO_KEYS`), so a
field added to the estimator is a key here at once. Besides them, `insurer=<name>` takes the
allowed amount per unit the clinic contracted with that insurer.

Values are written as in a scenario file: `null` or `unknown` means "not known" (the estimate
then shows a range); `none` is the literal "no limit" of `oop_max` and `visit_limit`; lists
(`diagnosis_codes`) are comma-separated; money may carry `$` and thousands commas. Quote a value
that has spaces: `insurer="Regence BlueShield"`.

Problems raise `StaffInputError`, whose `message` is a gettext message id (a whole English
sentence) with `params`, so each channel words it in the user's language.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from estimator import Scenario

from .clinics import Clinic, ClinicDirectory
from .i18n import N_

__all__ = [
    "EXTRA_KEYS",
    "NULL_WORDS",
    "SCENARIO_KEYS",
    "StaffInputError",
    "base_scenario",
    "is_staff",
    "parse_pairs",
    "scenario_from_pairs",
    "staff_clinic",
    "valid_keys",
    "whatif",
]

NULL_WORDS = frozenset({"null", "unknown", "~"})
SHOWN = 40  # characters of a bad token or key repeated in an error
INSURER_KEY = "insurer"
EXTRA_KEYS: tuple[str, ...] = (INSURER_KEY,)


def _leaf_types(annotation: Any) -> set[Any]:
    """`int | Literal["none"] | None` -> {int, Literal, NoneType}; `Annotated[int, x]` -> {int}."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _leaf_types(get_args(annotation)[0])
    if origin in (Union, UnionType):
        return set().union(*(_leaf_types(arg) for arg in get_args(annotation)))
    if origin is Literal:
        return {Literal}
    return {origin or annotation}


def _flatten(model: type[BaseModel]) -> dict[str, tuple[str, ...]]:
    """Flat key -> path in the scenario, for every field, nested models one level down."""
    keys: dict[str, tuple[str, ...]] = {}
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for sub in annotation.model_fields:
                if sub in keys or sub in model.model_fields:
                    raise RuntimeError(f"scenario key {sub!r} is ambiguous")
                keys[sub] = (name, sub)
        else:
            if name in keys:
                raise RuntimeError(f"scenario key {name!r} is ambiguous")
            keys[name] = (name,)
    return keys


SCENARIO_KEYS: dict[str, tuple[str, ...]] = _flatten(Scenario)
_BY_PATH = {".".join(path): key for key, path in SCENARIO_KEYS.items()}


def _types_of(path: tuple[str, ...]) -> set[Any]:
    model: Any = Scenario
    for part in path[:-1]:
        model = model.model_fields[part].annotation
    return _leaf_types(model.model_fields[path[-1]].annotation)


# What each key's value may be, from the models: values are converted to these types here, so
# that strict fields (e.g. a StrictInt) accept what staff type.
_TYPES: dict[str, set[Any]] = {key: _types_of(path) for key, path in SCENARIO_KEYS.items()}
_NUMBER = re.compile(r"^\$?\s*-?[\d,]*\.?\d+\s*%?$")
_WHOLE = re.compile(r"^-?\d+$")
_TRUE, _FALSE = frozenset({"true", "yes", "y", "1"}), frozenset({"false", "no", "n", "0"})


def valid_keys() -> list[str]:
    """Every key `scenario_from_pairs` accepts, sorted."""
    return sorted([*SCENARIO_KEYS, *EXTRA_KEYS])


class StaffInputError(ValueError):
    """Pairs that cannot make a scenario. `message` is a gettext message id; `params` fill it."""

    def __init__(self, message: str, **params: Any) -> None:
        self.message = message
        self.params = params
        super().__init__(message % params if params else message)


# --- who is staff ---------------------------------------------------------------------------


def is_staff(
    user_id: int | None,
    clinics: ClinicDirectory,
    extra_staff: Iterable[int] = (),
) -> bool:
    """Whether this user may use the staff tools: listed by any clinic, or in `extra_staff`
    (the STAFF_USER_IDS setting)."""
    if user_id is None:
        return False
    return user_id in set(extra_staff) or any(c.is_staff(user_id) for c in clinics.clinics)


def staff_clinic(
    user_id: int | None, clinics: ClinicDirectory, chat_clinic: str | None = None
) -> Clinic | None:
    """The clinic whose fees fill a staff scenario: the chat's clinic (from its start link),
    else the first clinic that lists this user as staff, else None."""
    clinic = clinics.get(chat_clinic)
    if clinic is not None:
        return clinic
    return next((c for c in clinics.clinics if c.is_staff(user_id)), None)


# --- pairs ----------------------------------------------------------------------------------


def parse_pairs(text: str | Iterable[str]) -> dict[str, str | None]:
    """`"a=1 b=null"` (or its tokens) -> `{"a": "1", "b": None}`, keys lower-cased.

    Keys are checked against `valid_keys()` (dotted paths such as `plan.deductible` become flat
    keys); a token without `=`, an empty key, an unknown key or a key given twice raises
    `StaffInputError`. Values are stripped; `null`/`unknown`/`~` become None.
    """
    if isinstance(text, str):
        try:
            tokens = shlex.split(text)
        except ValueError:
            raise StaffInputError(N_("A quotation mark is not closed.")) from None
    else:
        tokens = list(text)
    pairs: dict[str, str | None] = {}
    for token in tokens:
        key, sep, value = token.partition("=")
        key = key.strip().lower()
        if not sep or not key:
            raise StaffInputError(
                N_("Write each setting as key=value; %(token)s is not. Valid keys: %(keys)s"),
                token=_shown(token),
                keys=", ".join(valid_keys()),
            )
        key = _BY_PATH.get(key, key)
        if key not in SCENARIO_KEYS and key not in EXTRA_KEYS:
            raise StaffInputError(
                N_("Unknown key %(key)s. Valid keys: %(keys)s"),
                key=_shown(key),
                keys=", ".join(valid_keys()),
            )
        if key in pairs:
            raise StaffInputError(N_("The key %(key)s is given twice."), key=key)
        value = value.strip()
        pairs[key] = None if value.lower() in NULL_WORDS else value
    return pairs


def _shown(text: str) -> str:
    return text if len(text) <= SHOWN else text[:SHOWN] + "\u2026"


def _value(key: str, raw: str | None) -> Any:
    """A raw text value as pydantic should see it."""
    if raw is None:
        return None
    types = _TYPES.get(key, {str})
    if list in types:
        return [item.strip() for item in raw.split(",") if item.strip()]
    if bool in types and raw.lower() in _TRUE | _FALSE:
        return raw.lower() in _TRUE
    if int in types and _WHOLE.match(raw):
        return int(raw)
    if _NUMBER.match(raw):
        return raw.replace("$", "").replace(",", "").replace("%", "").strip()
    return raw


# --- scenarios ------------------------------------------------------------------------------


def base_scenario(clinic: Clinic | None) -> dict[str, Any]:
    """What the clinic's profile says about every visit there (nested, as `Scenario` takes it).

    Without a clinic the fees are empty: `billed_per_unit` must then be given.
    """
    if clinic is None:
        return {"fees": {}}
    fees: dict[str, Any] = {"billed_per_unit": clinic.billed_per_unit}
    if clinic.cash_per_session is not None:
        fees["cash_per_session"] = clinic.cash_per_session
    return {
        "state": clinic.state,
        "cpt_code": clinic.cpt_code,
        "session_minutes": clinic.session_minutes,
        "provider_type": clinic.provider_type,
        "fees": fees,
    }


def _apply(data: dict[str, Any], pairs: Mapping[str, str | None]) -> dict[str, Any]:
    for key, raw in pairs.items():
        if key in EXTRA_KEYS:
            continue
        path = SCENARIO_KEYS[key]
        target = data
        for part in path[:-1]:
            inner = target.get(part)
            inner = dict(inner) if isinstance(inner, Mapping) else {}
            target[part] = inner
            target = inner
        target[path[-1]] = _value(key, raw)
    return data


def _insurer_rate(clinic: Clinic | None, name: str | None) -> Any:
    if clinic is None:
        raise StaffInputError(
            N_("%(key)s needs a clinic: start from the clinic's link, or give %(instead)s."),
            key=INSURER_KEY,
            instead="allowed_per_unit",
        )
    payer = clinic.payer(name)
    if payer is None:
        raise StaffInputError(
            N_("%(clinic)s is not in network with %(name)s. Its insurers: %(names)s"),
            clinic=clinic.name,
            name=_shown(name or ""),
            names=", ".join(p.name for p in clinic.payers),
        )
    return payer.allowed_per_unit


def _flat_key(loc: tuple[Any, ...]) -> str | None:
    parts = [str(p) for p in loc if isinstance(p, str)]
    for size in (2, 1):
        if len(parts) >= size:
            key = _BY_PATH.get(".".join(parts[:size]))
            if key is not None:
                return key
    return None


def _validate(data: dict[str, Any]) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            key = _flat_key(tuple(error["loc"]))
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["type"] == "missing" and key == "billed_per_unit":
                raise StaffInputError(
                    N_("There is no clinic to take the fees from: give billed_per_unit.")
                ) from None
            problems.append(f"{key}: {message}" if key else message)
        raise StaffInputError(
            N_("These values cannot be used: %(problems)s"), problems="; ".join(problems)
        ) from None


def scenario_from_pairs(
    pairs: Mapping[str, str | None], clinic: Clinic | None = None
) -> Scenario:
    """A scenario from the clinic's profile with `pairs` (from `parse_pairs`) on top."""
    data = base_scenario(clinic)
    if INSURER_KEY in pairs:
        data["fees"]["allowed_per_unit"] = _insurer_rate(clinic, pairs[INSURER_KEY])
        data.setdefault("network", "in")
    return _validate(_apply(data, pairs))


def whatif(
    base: Scenario, pairs: Mapping[str, str | None], clinic: Clinic | None = None
) -> Scenario:
    """`base` with the fields named in `pairs` changed (everything else as it was)."""
    # Only what was set: an omitted field keeps its "omitted" meaning (e.g. `oon_covered`).
    data = base.model_dump(mode="python", exclude_unset=True)
    if INSURER_KEY in pairs:
        data["fees"]["allowed_per_unit"] = _insurer_rate(clinic, pairs[INSURER_KEY])
    return _validate(_apply(data, pairs))
