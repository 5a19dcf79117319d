"""Scenario files: a name, a scenario and the expected parts of its estimate (YAML).

Staff pin their clinic's real cases with them, OpenFisca-style: one file may hold one case or a
list of cases. Only the parts named under `expect` are compared; a list is compared item by item,
a mapping key by key, and numbers by value ("928" equals "928.00").

    - name: Deductible spans sessions 6 and 7
      scenario: {sessions: 12, fees: {billed_per_unit: "40.00", allowed_per_unit: "30.00"}, ...}
      expect:
        coverage: likely
        totals: {patient: "928.00"}
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from .engine import estimate
from .scenario import Scenario


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    scenario: Scenario
    expect: dict[str, Any]


class CaseFileError(ValueError):
    """A scenario file that cannot be read: the message names the case and the field."""


@dataclass
class Result:
    name: str
    passed: bool
    differences: list[str] = field(default_factory=list)


def load_cases(text: str, source: str = "<scenario file>") -> list[Case]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        raise CaseFileError(f"{source}{where}: not valid YAML") from None
    except (RecursionError, ValueError):
        raise CaseFileError(f"{source}: not a scenario file (too deeply nested)") from None
    items = data if isinstance(data, list) else [data]
    cases = []
    for index, item in enumerate(items):
        label = f"{source}, case {index + 1}"
        if not isinstance(item, dict):
            raise CaseFileError(f"{label}: expected a mapping with name, scenario and expect")
        try:
            cases.append(Case.model_validate(item))
        except ValidationError as exc:
            raise CaseFileError(f"{label} ({item.get('name', '?')}): {describe(exc)}") from None
    return cases


def describe(exc: ValidationError) -> str:
    """One line per problem: the dotted field path, then what is wrong with it."""
    parts = []
    for error in exc.errors():
        path = ".".join(str(p) for p in error["loc"] if not _is_type_tag(p))
        parts.append(f"{path or 'scenario'}: {error['msg']}")
    return "; ".join(parts)


def _is_type_tag(part: object) -> bool:
    # pydantic adds the member type of a union to the location ("decimal", "literal['none']").
    return isinstance(part, str) and (part in ("decimal", "int", "bool") or "[" in part)


def run_case(case: Case) -> Result:
    actual = estimate(case.scenario).model_dump(mode="json")
    differences: list[str] = []
    _compare(case.expect, actual, "", differences)
    return Result(case.name, not differences, differences)


def _same_scalar(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual  # 1 is not true
    if expected == actual:
        return True
    if expected is None:
        return False
    try:
        return Decimal(str(expected)) == Decimal(str(actual))
    except InvalidOperation:
        return False


def _compare(expected: Any, actual: Any, path: str, out: list[str]) -> None:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            out.append(f"{path or '.'}: expected a mapping, got {actual!r}")
            return
        for key, value in expected.items():
            if key not in actual:
                out.append(f"{path}{key}: not in the estimate")
            else:
                _compare(value, actual[key], f"{path}{key}.", out)
    elif isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            out.append(f"{path.rstrip('.')}: expected {expected!r}, got {actual!r}")
            return
        for index, (e, a) in enumerate(zip(expected, actual, strict=True)):
            _compare(e, a, f"{path.rstrip('.')}[{index}].", out)
    elif not _same_scalar(expected, actual):
        out.append(f"{path.rstrip('.')}: expected {expected!r}, got {actual!r}")
