"""Every shipped scenario file passes: the hand-computed cents of each rule are pinned there."""

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
    }
    assert required <= seen, f"no example for {sorted(required - seen)}"


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
    ],
)
def test_bad_scenario_files_name_the_problem(text, message):
    with pytest.raises(CaseFileError, match=message.replace(".", r"\.").replace("[", r"\[")):
        load_cases(text, "cases.yaml")
