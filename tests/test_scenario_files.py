"""Every shipped scenario file passes: the hand-computed cents of each rule are pinned there."""

import re
from pathlib import Path

import pytest

from estimator.cases import CaseFileError, load_cases, run_case

EXAMPLES = Path(__file__).resolve().parent.parent / "scenarios" / "examples"
CASES = [
    pytest.param(case, id=f"{path.stem}: {case.name}")
    for path in sorted(EXAMPLES.glob("*.yaml"))
    for case in load_cases(path.read_text(encoding="utf-8"), path.name)
]


def test_examples_cover_every_reason_code():
    from estimator import estimate

    seen = {reason for case in CASES for reason in estimate(case.values[0].scenario).reasons}
    required = {
        "relaxation_not_covered", "no_insurance", "no_prescription", "no_diagnosis",
        "invalid_diagnosis", "nonbillable_diagnosis", "preauth_required", "preauth_unknown",
        "network_unknown", "out_of_network_not_covered", "provider_not_covered",
        "provider_coverage_unknown", "medicare_excludes_massage_therapists",
        "visit_limit_reached", "medicaid_varies", "amount_unknown", "claim_not_accepted",
        "claim_unknown", "pip_excludes_massage", "pip_unknown", "hdhp_deductible_always_applies",
        # Estimator v2
        "medicaid_provider_not_enrolled", "no_referral", "wellness_diagnosis",
        "external_cause_only", "pip_exhausted", "pip_state_unknown", "oon_benefits_unknown",
        "prescription_unknown", "diagnosis_unknown", "referral_unknown",
    }
    assert required <= seen, f"no example for {sorted(required - seen)}"


def test_examples_cover_every_route_reason_and_note():
    """Closed routes' reasons that are not coverage reasons, and every note, have an example."""
    from estimator import estimate

    results = [estimate(case.values[0].scenario) for case in CASES]
    route_reasons = {r.reason for e in results for r in e.routes if r.reason}
    notes = {n for e in results for n in e.notes}
    account_notes = {n for e in results if e.accounts for n in e.accounts.notes}
    assert {"must_bill_medicare", "must_bill_medicaid"} <= route_reasons
    assert {
        "cash_not_counted_toward_deductible", "in_network_cash_only_if_not_billed",
        "oop_met_from_deductible", "medicare_part_b_defaults", "medicare_limiting_charge",
        "medicaid_no_balance_billing",
    } <= notes
    assert {
        "lmn_needed", "fsa_use_it_or_lose_it", "hsa_no_new_contributions",
        "account_balance_limits", "hra_no_tax_saving",
    } <= account_notes


def test_minus_zero_is_printed_as_zero():
    """consistency.yaml types "-0" amounts; money compares by value there, so the sign is checked
    here: nothing in the estimate prints as "-0"."""
    from estimator import estimate

    (case,) = [c.values[0] for c in CASES if c.values[0].name.startswith('Amounts typed as "-0"')]
    assert '"-0' not in estimate(case.scenario).model_dump_json()


@pytest.mark.parametrize("case", CASES)
def test_example_case(case):
    result = run_case(case)
    assert result.passed, "\n".join(result.differences)


def test_a_wrong_expectation_is_reported_with_the_path():
    (case,) = load_cases(
        """
name: wrong on purpose
scenario: {payer: self_pay, sessions: 2, fees: {billed_per_unit: "40.00"}}
expect:
  totals: {patient: "1.00"}
  sessions: [{n: 1}]
"""
    )
    result = run_case(case)
    assert not result.passed
    assert "totals.patient: expected '1.00', got '320.00'" in result.differences
    assert any(d.startswith("sessions: expected") for d in result.differences)


def test_numbers_compare_by_value():
    (case,) = load_cases(
        "name: n\nscenario: {payer: self_pay, fees: {billed_per_unit: 40}}\n"
        "expect: {totals: {patient: 160}}\n"
    )
    assert run_case(case).passed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: [unclosed", "line 1: not valid YAML"),
        ("- just a string", "case 1: expected a mapping"),
        ("name: x\nscenario: {fees: {billed_per_unit: '-5'}}\nexpect: {}",
         "scenario.fees.billed_per_unit: Input should be greater than or equal to 0"),
        ("name: x\nscenario: {fees: {billed_per_unit: 1}, colour: red}\nexpect: {}",
         "scenario.colour: Extra inputs are not permitted"),
        ("name: x\nscenario: {fees: {billed_per_unit: 1},"
         " plan: {deductible: '100.00', deductible_met: '200.00'}}\nexpect: {}",
         "plan.deductible_met (200.00) is more than plan.deductible (100.00)"),
    ],
)
def test_bad_scenario_files_name_the_problem(text, message):
    with pytest.raises(CaseFileError, match=re.escape(message)):
        load_cases(text, "cases.yaml")
