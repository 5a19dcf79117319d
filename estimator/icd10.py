"""ICD-10-CM diagnosis checks against the FY2026 code set shipped by simple-icd-10-cm.

Only billable codes (the leaves of the code tree) go on a claim: e.g. M54.5 stopped being
billable on 2021-10-01 and must be replaced by M54.50, M54.51 or M54.59 (DOMAIN.md "Codes").
The package parses its data when imported (over a second), so it is imported on first use only.
"""

from functools import cache
from types import ModuleType

from .estimate import DiagnosisCheck

MAX_SUGGESTIONS = 8


@cache
def _codes() -> ModuleType:
    import simple_icd_10_cm

    return simple_icd_10_cm


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


@cache
def check(code: str) -> DiagnosisCheck:
    """Whether `code` is a billable ICD-10-CM code; for a category, the billable codes under it."""
    icd = _codes()
    normal = normalise(code)
    if not normal or not _is_code(icd, normal):
        return DiagnosisCheck(code=normal or code, status="invalid")
    description = icd.get_description(normal)
    if icd.is_leaf(normal):
        return DiagnosisCheck(code=normal, status="billable", description=description)
    leaves = [c for c in icd.get_descendants(normal) if icd.is_leaf(c)]
    return DiagnosisCheck(
        code=normal,
        status="nonbillable",
        description=description,
        billable_children=leaves[:MAX_SUGGESTIONS],
    )
