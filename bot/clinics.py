"""Clinic profiles: the fees and insurers a clinic shares through its Telegram start link.

A clinic file is YAML with a top-level ``clinics:`` list (see ``bot/data/clinics.yaml``).
``load_clinics`` validates it and, when something is wrong, names the file, the line and the
field, e.g. ``clinics.yaml, line 7 (clinics[0].billed_per_unit): Input should be greater than
or equal to 0``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError
from stdnum import luhn
from stdnum.exceptions import ValidationError as ValidationError_
from stdnum.us import ein
from stdnum.us import tin as us_tin

from estimator.money import Money
from estimator.scenario import US_STATES, CptCode, ProviderType

SLUG_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
_SLUG = re.compile(SLUG_PATTERN)

__all__ = [
    "SLUG_PATTERN",
    "Clinic",
    "ClinicDirectory",
    "ClinicFileError",
    "ClinicPayer",
    "default_clinics_path",
    "load_clinics",
]


class ClinicFileError(ValueError):
    """A clinic file that cannot be used; the message names the file, line and field."""


def _key(text: str) -> str:
    return text.strip().casefold()


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, coerce_numbers_to_str=True
    )


class ClinicPayer(_Strict):
    """An insurer the clinic is in network with, and the rate the clinic contracted with it."""

    name: str = Field(min_length=1, max_length=100)
    allowed_per_unit: Money


_SSN_SHAPE = re.compile(r"\d{3}-\d{2}-\d{4}")  # written as an SSN or ITIN, not an EIN

class Clinic(_Strict):
    """A clinic profile: its fees, the insurers it is in network with, and its staff."""

    slug: str
    name: str = Field(min_length=1, max_length=200)
    state: str
    cpt_code: CptCode = "97124"
    billed_per_unit: Money
    cash_per_session: Money | None = None
    session_minutes: int = Field(default=60, ge=8, le=240)
    payers: list[ClinicPayer] = Field(default_factory=list)
    staff_user_ids: list[PositiveInt] = Field(default_factory=list)
    provider_type: ProviderType = "massage_therapist"
    # Display only.
    languages: str | None = None
    phone: str | None = None
    website: str | None = None
    address: str | None = None
    # Who bills, for the documents a clinic owes its patients (a Good Faith Estimate names the
    # provider's NPI and TIN, 45 CFR 149.610): optional, checked when given.
    npi: str | None = None
    tin: str | None = None
    provider_name: str | None = Field(default=None, min_length=1, max_length=200)
    provider_credentials: str | None = Field(default=None, min_length=1, max_length=100)

    @field_validator("npi", mode="before")
    @classmethod
    def _npi(cls, value: Any) -> Any:
        # An NPI is 10 digits whose last is a Luhn check digit computed with the prefix 80840
        # (CMS, "Requirements for NPI check digit").
        text = str(value).strip() if isinstance(value, int | str) else value
        if not (isinstance(text, str) and text.isdigit() and len(text) == 10
                and luhn.is_valid("80840" + text)):
            raise PydanticCustomError(
                "clinic_npi", "must be a 10-digit NPI with a valid check digit (the NPPES NPI "
                "Registry shows the clinic's)")
        return text

    @field_validator("tin", mode="before")
    @classmethod
    def _tin(cls, value: Any) -> Any:
        # An EIN (12-3456789) or, for a sole practitioner, an SSN or ITIN: python-stdnum knows
        # their formats and the number ranges never issued.
        text = str(value).strip()
        try:
            if ein.is_valid(text) and not _SSN_SHAPE.fullmatch(text):
                return ein.format(text)  # a clinic's usual TIN: 12-3456789
            return us_tin.format(us_tin.validate(text))
        except (ValidationError_, TypeError):
            raise PydanticCustomError(
                "clinic_tin", "must be a US taxpayer identification number, such as the "
                "clinic's EIN 12-3456789") from None

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.fullmatch(value):
            raise PydanticCustomError(
                "clinic_slug",
                "must be 1 to 64 letters, digits, _ or - (it becomes a Telegram start link)",
            )
        return value

    @field_validator("state", mode="before")
    @classmethod
    def _us_state(cls, value: Any) -> Any:
        if isinstance(value, str):
            code = value.strip().upper()
            if code in US_STATES:
                return code
        raise PydanticCustomError("us_state", "must be a US postal code such as WA, NY or FL")

    @field_validator("cpt_code", mode="before")
    @classmethod
    def _cpt_as_text(cls, value: Any) -> Any:
        # An unquoted 97124 in YAML is an integer.
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator("languages", mode="before")
    @classmethod
    def _languages_as_text(cls, value: Any) -> Any:
        # Accept a YAML list (`[English, Spanish]`) as well as a string.
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return ", ".join(item.strip() for item in value if item.strip())
        return value

    @field_validator("payers")
    @classmethod
    def _unique_payers(cls, payers: list[ClinicPayer]) -> list[ClinicPayer]:
        seen: dict[str, int] = {}
        for index, payer in enumerate(payers):
            first = seen.setdefault(_key(payer.name), index)
            if first != index:
                raise PydanticCustomError(
                    "duplicate_payer",
                    "payer '{name}' is listed twice (payers[{first}] and payers[{item}])",
                    {"name": payer.name, "first": first, "item": index, "item_field": "name"},
                )
        return payers

    def payer(self, name: str | None) -> ClinicPayer | None:
        """The in-network payer called `name` (case and surrounding spaces ignored), if any."""
        if not name or not name.strip():
            return None
        wanted = _key(name)
        return next((payer for payer in self.payers if _key(payer.name) == wanted), None)

    def is_staff(self, user_id: int | None) -> bool:
        """Whether this Telegram user may use the clinic's staff commands."""
        return user_id is not None and user_id in self.staff_user_ids


class ClinicDirectory(_Strict):
    """All clinic profiles, looked up by slug."""

    clinics: list[Clinic] = Field(default_factory=list)

    @field_validator("clinics")
    @classmethod
    def _unique_slugs(cls, clinics: list[Clinic]) -> list[Clinic]:
        seen: dict[str, int] = {}
        for index, clinic in enumerate(clinics):
            first = seen.setdefault(clinic.slug.casefold(), index)
            if first != index:
                raise PydanticCustomError(
                    "duplicate_slug",
                    "slug '{slug}' is used twice (clinics[{first}] and clinics[{item}]); "
                    "slugs are compared ignoring case",
                    {"slug": clinic.slug, "first": first, "item": index, "item_field": "slug"},
                )
        return clinics

    def get(self, slug: str | None) -> Clinic | None:
        """The clinic with this slug (case-insensitive), or None."""
        if not slug:
            return None
        wanted = slug.strip().casefold()
        return next((c for c in self.clinics if c.slug.casefold() == wanted), None)


def default_clinics_path() -> Path:
    """The demo clinic file shipped with the package."""
    return Path(__file__).parent / "data" / "clinics.yaml"


# --- Loading, with line numbers -------------------------------------------------------------


class _ClinicLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = str(key_node.value)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping",
                        node.start_mark,
                        f"found duplicate key {key!r}",
                        key_node.start_mark,
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


@dataclass
class _Lines:
    """The 1-based line of a node (for a mapping entry: of its key) and of its children."""

    line: int
    keys: dict[str, _Lines] = field(default_factory=dict)
    items: list[_Lines] = field(default_factory=list)


def _lines(node: yaml.Node, line: int | None = None) -> _Lines:
    here = _Lines(line if line is not None else node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:  # merge keys are already flattened in here
            child = _lines(value_node, key_node.start_mark.line + 1)
            here.keys[str(key_node.value)] = child
    elif isinstance(node, yaml.SequenceNode):
        here.items = [_lines(item) for item in node.value]
    return here


def _line_of(lines: _Lines, loc: tuple[int | str, ...]) -> int:
    """The line of the deepest node along `loc` that exists in the file."""
    here = lines
    for part in loc:
        if isinstance(part, int) and here.items:
            if not 0 <= part < len(here.items):
                break
            here = here.items[part]
        elif str(part) in here.keys:
            here = here.keys[str(part)]
        else:
            break
    return here.line


def _format_loc(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


_FIELDS_AT_DEPTH: dict[int, type[BaseModel]] = {0: ClinicDirectory, 2: Clinic, 4: ClinicPayer}


def _message(error: Mapping[str, Any], loc: tuple[int | str, ...]) -> str:
    if error["type"] == "extra_forbidden":
        model = _FIELDS_AT_DEPTH.get(len(loc) - 1)
        allowed = f"; allowed: {', '.join(model.model_fields)}" if model else ""
        return f"unknown field{allowed}"
    if error["type"] == "missing":
        return "required field is missing"
    return str(error["msg"])


def _validation_errors(name: str, exc: ValidationError, lines: _Lines) -> list[str]:
    messages: list[tuple[int, str]] = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        ctx = error.get("ctx") or {}
        if "item" in ctx and "item_field" in ctx:  # a duplicate: point at the second one
            loc = (*loc, ctx["item"], ctx["item_field"])
        where = f" ({_format_loc(loc)})" if loc else ""
        line = _line_of(lines, loc)
        messages.append((line, f"{name}, line {line}{where}: {_message(error, loc)}"))
    return [text for _, text in sorted(messages, key=lambda pair: pair[0])]


_KINDS: dict[type, str] = {list: "a list", str: "text", int: "a number", float: "a number"}


def load_clinics(path: str | os.PathLike[str] | None = None) -> ClinicDirectory:
    """Read and validate a clinic file (by default the packaged demo file).

    Raises `ClinicFileError` whose message names the file and, where it can, the line and the
    field at fault (one line per problem).
    """
    path = Path(path) if path is not None else default_clinics_path()
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ClinicFileError(f"{name}: clinic file not found: {path}") from None
    except IsADirectoryError:
        raise ClinicFileError(f"{name}: is a directory, not a clinic file: {path}") from None
    except UnicodeDecodeError as exc:
        raise ClinicFileError(f"{name}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise ClinicFileError(f"{name}: cannot read {path}: {exc.strerror or exc}") from None

    loader = _ClinicLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.problem and exc.context:
            problem += f" ({exc.context})"
        raise ClinicFileError(f"{name}{where}: YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise ClinicFileError(f"{name}: YAML syntax error: {exc}") from None
    finally:
        loader.dispose()

    expected = "expected a mapping with a `clinics:` list at the top level"
    if node is None or data is None:
        raise ClinicFileError(f"{name}: the file is empty; {expected}")
    if not isinstance(data, dict):
        found = _KINDS.get(type(data), f"a {type(data).__name__}")
        raise ClinicFileError(f"{name}, line {node.start_mark.line + 1}: {expected}, found {found}")
    if "clinics" not in data:
        raise ClinicFileError(
            f"{name}, line {node.start_mark.line + 1}: {expected}; there is no `clinics:` key"
        )

    try:
        return ClinicDirectory.model_validate(data)
    except ValidationError as exc:
        messages = _validation_errors(name, exc, _lines(node))
        raise ClinicFileError("\n".join(messages)) from None
