"""Scenario files: a name, a scenario and the expected parts of its estimate (YAML).

Staff pin their clinic's real cases with them, OpenFisca-style: one file may hold one case or a
list of cases. Only the parts named under `expect` are compared; a list is compared item by item,
a mapping key by key, and numbers by value ("928" equals "928.00").

    - name: Deductible spans sessions 6 and 7
      scenario: {sessions: 12, fees: {billed_per_unit: "40.00", allowed_per_unit: "30.00"}, ...}
      expect:
        coverage: likely
        totals: {patient: "928.00"}

A file is untrusted input (staff send them to the bot), so reading and comparing it is
bounded: at most MAX_FILE_BYTES, MAX_CASES cases, MAX_NODES values with every alias expanded
(a few anchors nested in each other can otherwise stand for billions of values), MAX_DEPTH
levels of nesting, aliases included; beyond them the file is refused with a CaseFileError.
A failing case reports at most MAX_DIFFERENCES differences, each at most MAX_LINE characters,
never the whole of a value.
"""

import reprlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .engine import estimate
from .scenario import Scenario

MAX_FILE_BYTES = 256 * 1024  # as Telegram's limit for a staff upload
MAX_CASES = 200
MAX_NODES = 50_000  # values (scalars, lists, mappings) once every alias is expanded
MAX_DEPTH = 20  # values on the longest path from the top (the innermost counts), aliases expanded
MAX_NAME = 200  # characters of a case's name
MAX_DIFFERENCES = 20  # reported per case; the rest are counted
MAX_LINE = 300  # characters of one reported difference

# Values quoted in a difference: a few items of each list and mapping, a few levels deep,
# long strings and numbers cut in the middle. Its cost is bounded whatever the value.
_SHOWN = reprlib.Repr()
_SHOWN.maxlevel, _SHOWN.maxlist, _SHOWN.maxdict, _SHOWN.maxtuple = 3, 6, 6, 6
_SHOWN.maxstring, _SHOWN.maxother, _SHOWN.maxlong = 80, 80, 40


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=MAX_NAME)
    scenario: Scenario
    expect: dict[str, Any]


class CaseFileError(ValueError):
    """A scenario file that cannot be read: the message names the case and the field."""


@dataclass
class Result:
    name: str
    passed: bool
    differences: list[str] = field(default_factory=list)


class _TooLarge(yaml.YAMLError):
    """The file is over one of the limits: the message says which, the mark where."""

    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message, self.problem_mark = message, mark


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, measuring each node as it is composed: the number of values it
    stands for and its depth, aliases expanded (an alias counts as all of its anchor's node).
    Past MAX_NODES or MAX_DEPTH, or at an alias to a node that contains it, it raises
    _TooLarge before anything is built, so the cost of loading stays proportional to the
    file's size (and the composer's recursion to MAX_DEPTH)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._measured: dict[int, tuple[int, int]] = {}  # id(node) -> (values, depth)
        self._open = 0  # collections being composed around the current node

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self._mark()
            node = super().compose_node(parent, index)
            if id(node) not in self._measured:
                raise _TooLarge("an alias refers to a list or mapping that contains it", mark)
            return node
        mark = self._mark()
        if self._open >= MAX_DEPTH:
            raise _TooLarge(f"nested more than {MAX_DEPTH} levels deep", mark)
        self._open += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._open -= 1
        self._measure(node, mark)
        return node

    def _mark(self) -> Any:
        return self.peek_event().start_mark  # type: ignore[no-untyped-call]

    def _measure(self, node: Any, mark: Any) -> None:
        if isinstance(node, yaml.SequenceNode):
            children = [self._measured[id(child)] for child in node.value]
        elif isinstance(node, yaml.MappingNode):
            children = [self._measured[id(part)] for pair in node.value for part in pair]
        else:
            children = []
        values = 1 + sum(count for count, _ in children)
        depth = 1 + max((d for _, d in children), default=0)
        if values > MAX_NODES:
            raise _TooLarge(f"more than {MAX_NODES:,} values once its aliases are expanded", mark)
        if depth > MAX_DEPTH:
            raise _TooLarge(
                f"nested more than {MAX_DEPTH} levels deep once its aliases are expanded", mark
            )
        self._measured[id(node)] = (values, depth)


def _bounded_load(text: str) -> Any:
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def load_cases(text: str, source: str = "<scenario file>") -> list[Case]:
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        raise CaseFileError(
            f"{source}: {size:,} bytes, more than a scenario file may have "
            f"({MAX_FILE_BYTES // 1024} KB); split it"
        )
    try:
        data = _bounded_load(text)
    except _TooLarge as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else "?"
        raise CaseFileError(
            f"{source}, line {line}: refused: {exc.message} (the limits of scenario files are "
            "in docs/estimator.md, section 10)"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        raise CaseFileError(f"{source}{where}: not valid YAML") from None
    except (RecursionError, ValueError):
        raise CaseFileError(f"{source}: not a scenario file (too deeply nested)") from None
    items = data if isinstance(data, list) else [data]
    if len(items) > MAX_CASES:
        raise CaseFileError(
            f"{source}: {len(items)} cases, more than a scenario file may hold ({MAX_CASES}); "
            "split it"
        )
    cases = []
    for index, item in enumerate(items):
        label = f"{source}, case {index + 1}"
        if not isinstance(item, dict):
            raise CaseFileError(f"{label}: expected a mapping with name, scenario and expect")
        try:
            cases.append(Case.model_validate(item))
        except ValidationError as exc:
            name = item.get("name", "?")
            shown = _cut(name if isinstance(name, str) else _SHOWN.repr(name), MAX_NAME)
            raise CaseFileError(f"{label} ({shown}): {describe(exc)}") from None
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


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


class _Differences:
    """The differences of one case: the first MAX_DIFFERENCES as lines, the rest counted."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.more = 0

    def add(self, path: str, what: str, *values: Any) -> None:
        """`path: what`, with `values` quoted (bounded) into `what`'s %s."""
        if len(self.lines) >= MAX_DIFFERENCES:
            self.more += 1  # counted only: nothing formatted
            return
        shown = tuple(_SHOWN.repr(value) for value in values)
        self.lines.append(_cut(f"{_cut(path, MAX_LINE // 2)}: {what % shown}", MAX_LINE))

    def report(self) -> list[str]:
        if not self.more:
            return self.lines
        return [*self.lines, f"... and {self.more} more differences"]


def run_case(case: Case) -> Result:
    actual = estimate(case.scenario).model_dump(mode="json")
    differences = _Differences()
    _compare(case.expect, actual, "", differences)
    report = differences.report()
    return Result(case.name, not report, report)


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


def _compare(expected: Any, actual: Any, path: str, out: _Differences) -> None:
    # Recursion as deep as `expected` nests: at most MAX_DEPTH (the loader's limit).
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            out.add(path or ".", "expected a mapping, got %s", actual)
            return
        for key, value in expected.items():
            if key not in actual:
                out.add(f"{path}{key}", "not in the estimate")
            else:
                _compare(value, actual[key], f"{path}{key}.", out)
    elif isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            out.add(path.rstrip("."), "expected %s, got %s", expected, actual)
            return
        for index, (e, a) in enumerate(zip(expected, actual, strict=True)):
            _compare(e, a, f"{path.rstrip('.')}[{index}].", out)
    elif not _same_scalar(expected, actual):
        out.add(path.rstrip("."), "expected %s, got %s", expected, actual)
