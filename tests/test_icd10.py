"""ICD-10-CM checks: billability, kind (condition, external cause, wellness), 7th characters."""

import pytest

from estimator import icd10
from estimator.estimate import DiagnosisCheck

ADS = ("A", "D", "S")


def test_billable_condition():
    result = icd10.check("M54.50")
    assert result.status == "billable"
    assert result.kind == "condition"
    assert result.billable_children == []
    assert result.needs_seventh_character is False
    assert result.description


def test_nonbillable_category_lists_its_billable_codes():
    result = icd10.check("M54.5")
    assert result.status == "nonbillable"
    assert result.kind == "condition"
    assert result.billable_children == ["M54.50", "M54.51", "M54.59"]
    assert result.needs_seventh_character is False


@pytest.mark.parametrize("typed", ["S13.4", "S13.4XX", "s134xx", " S13.4xx "])
def test_injury_without_seventh_character(typed: str):
    result = icd10.check(typed)
    assert result.code == "S13.4"
    assert result.status == "nonbillable"
    assert result.kind == "condition"
    assert result.needs_seventh_character is True
    assert result.billable_children == ["S13.4XXA", "S13.4XXD", "S13.4XXS"]


def test_seven_character_injury_code_under_a_subcategory():
    result = icd10.check("S39.012")
    assert result.needs_seventh_character is True
    assert result.billable_children == [f"S39.012{c}" for c in ADS]


def test_partial_placeholder_stays_invalid():
    # One X short of the 6 characters before the 7th: not the code a patient meant.
    assert icd10.check("S13.4X").status == "invalid"
    assert icd10.check("S13.4X").needs_seventh_character is False


def test_injury_with_seventh_character_is_billable():
    result = icd10.check("S13.4XXA")
    assert result.status == "billable"
    assert result.kind == "condition"
    assert result.needs_seventh_character is False
    assert result.billable_children == []


def test_lower_case_without_dot_is_normalised():
    result = icd10.check("s134xxa")
    assert result.code == "S13.4XXA"
    assert result.status == "billable"
    assert result.kind == "condition"


@pytest.mark.parametrize("code", ["W19.XXXA", "V43.52XA"])
def test_billable_external_cause(code: str):
    result = icd10.check(code)
    assert result.status == "billable"
    assert result.kind == "external_cause"
    assert result.needs_seventh_character is False


@pytest.mark.parametrize("typed", ["W19", "W19.XXX"])
def test_external_cause_needing_seventh_character(typed: str):
    result = icd10.check(typed)
    assert result.code == "W19"
    assert result.status == "nonbillable"
    assert result.kind == "external_cause"
    assert result.needs_seventh_character is True
    assert result.billable_children == [f"W19.XXX{c}" for c in ADS]


@pytest.mark.parametrize("code", ["Z73.3", "Z00.00", "Z41.8"])
def test_billable_wellness(code: str):
    result = icd10.check(code)
    assert result.status == "billable"
    assert result.kind == "wellness"


def test_wellness_category():
    result = icd10.check("Z00")
    assert result.status == "nonbillable"
    assert result.kind == "wellness"
    assert result.needs_seventh_character is False
    assert "Z00.00" in result.billable_children


def test_other_z_codes_are_conditions():
    # Z73.0 (burn-out) is a sibling of Z73.3, not under it.
    assert icd10.check("Z73.0").kind == "condition"


def test_ordinary_seven_character_subcodes_are_not_seventh_characters():
    # C44.1021/C44.1022 are 7 characters long but ordinary subcodes, not A/D/S-style extensions.
    result = icd10.check("C44.102")
    assert result.status == "nonbillable"
    assert result.needs_seventh_character is False


def test_invalid_code():
    result = icd10.check("Q99.999")
    assert result == DiagnosisCheck(code="Q99.999", status="invalid")
    assert result.kind == "condition"
    assert result.needs_seventh_character is False


def test_check_is_cached():
    assert icd10.check("S13.4XX") is icd10.check("S13.4XX")
