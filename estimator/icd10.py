"""ICD-10-CM diagnosis checks against the FY2026 code set shipped by simple-icd-10-cm.

Only billable codes (the leaves of the code tree) go on a claim: e.g. M54.5 stopped being
billable on 2021-10-01 and must be replaced by M54.50, M54.51 or M54.59 (DOMAIN.md "Codes").
The package parses its data when imported (over a second), so it is imported on first use only.

`check` also says what a valid code describes (`kind`): "external_cause" for chapter 20 codes
(V00-Y99, how an injury happened, never first-listed: guideline I.C.20), "wellness" for stress,
general examinations and non-remedial procedures (Z73.3, Z00.*, Z41.*), else "condition".
`needs_seventh_character` marks a code whose billable children are only its 7th-character
extensions (injuries: A initial encounter, D subsequent, S sequela); they are then all listed.
A code typed with its placeholders but no 7th character ("S13.4XX") is read as its parent.
"""

from functools import cache
from types import ModuleType

from .estimate import DiagnosisCheck, DiagnosisKind

MAX_SUGGESTIONS = 8
# Wellness, not a treatable condition (DOMAIN.md "Codes, more"): Z73.3 stress, Z00.* general
# examination, Z41.* procedures for purposes other than remedying health state. Each prefix
# covers the code itself and its descendants (codes are compared in their dotted form).
WELLNESS_PREFIXES = ("Z73.3", "Z00", "Z41")
# Chapter 20 (external causes) is exactly V00-Y99 and no other chapter uses these letters
# (checked against the whole FY2026 set), so the first letter decides without walking the tree.
EXTERNAL_CAUSE_LETTERS = frozenset("VWXY")
PLACEHOLDER = "X"


@cache
def _codes() -> ModuleType:
    import simple_icd_10_cm  # type: ignore[import-untyped]  # the package ships no types

    module: ModuleType = simple_icd_10_cm
    return module


def load() -> None:
    """Load the code set now (servers call this at start-up so that no patient waits for it)."""
    _codes()


def normalise(code: str) -> str:
    """`m5450` / ` M54.50 ` → `M54.50` (upper case, the dot after the third character)."""
    text = code.strip().upper().replace(" ", "")
    if "." not in text and len(text) > 3 and text.isalnum():
        text = f"{text[:3]}.{text[3:]}"
    return text


def _is_code(icd: ModuleType, code: str) -> bool:
    # Chapters ("13") and blocks ("M50-M54") are valid items of the tree but not diagnosis codes.
    return icd.is_valid_item(code) and not icd.is_chapter_or_block(code)


def _kind(code: str) -> DiagnosisKind:
    if code[0] in EXTERNAL_CAUSE_LETTERS:
        return "external_cause"
    if code.startswith(WELLNESS_PREFIXES):
        return "wellness"
    return "condition"


def _seventh_character_children(icd: ModuleType, code: str) -> list[str]:
    """The children of `code` when they are all its 7th-character extensions, else []."""
    # The package's "extended subcategory" is a 7th-character code; comparing lengths alone would
    # also catch ordinary 7-character subcodes such as C44.1021 or T86.8401.
    children: list[str] = icd.get_children(code)
    if children and all(icd.is_extended_subcategory(c) for c in children):
        return children
    return []


def _placeholder_parent(icd: ModuleType, code: str) -> str | None:
    """`S13.4XX` / `W19.XXX` (placeholders typed, 7th character missing) → `S13.4` / `W19`.

    The package does not know such codes. The parent is accepted only if each of its 7th-character
    children is exactly the typed code plus one character, so `S13.4X` stays invalid.
    """
    if not code.endswith(PLACEHOLDER):
        return None
    parent = code.rstrip(PLACEHOLDER).rstrip(".")
    if not parent or not _is_code(icd, parent):
        return None
    children = _seventh_character_children(icd, parent)
    if children and all(c[:-1] == code for c in children):
        return parent
    return None


def _billable_children(icd: ModuleType, code: str) -> tuple[list[str], bool]:
    """The billable codes under a non-billable `code`; true if they are its 7th characters."""
    if extensions := _seventh_character_children(icd, code):
        # All of them: the patient picks by encounter (A, D, S), none may be cut off.
        return extensions, True
    leaves = [c for c in icd.get_descendants(code) if icd.is_leaf(c)]
    return leaves[:MAX_SUGGESTIONS], False


@cache
def check(code: str) -> DiagnosisCheck:
    """Whether `code` is a billable ICD-10-CM code; for a category, the billable codes under it."""
    icd = _codes()
    normal = normalise(code)
    if normal and not _is_code(icd, normal):
        normal = _placeholder_parent(icd, normal) or normal
    if not normal or not _is_code(icd, normal):
        return DiagnosisCheck(code=normal or code, status="invalid")
    billable = icd.is_leaf(normal)
    children, needs_seventh = ([], False) if billable else _billable_children(icd, normal)
    return DiagnosisCheck(
        code=normal,
        status="billable" if billable else "nonbillable",
        kind=_kind(normal),
        description=icd.get_description(normal),
        billable_children=children,
        needs_seventh_character=needs_seventh,
    )
