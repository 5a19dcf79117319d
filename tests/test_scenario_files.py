"""Every shipped scenario file passes: the hand-computed cents of each rule are pinned there."""

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from estimator import cases
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
        "price_unknown", "visit_limit_may_be_reached",
        # Billing review
        "out_of_network_unlikely", "preauth_visits_may_run_out",
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


# --- hostile files: refused or bounded, quickly --------------------------------------------


def alias_bomb(levels: int = 10, width: int = 9) -> str:
    """A file of a few hundred bytes whose `expect` stands for width**levels values: each
    anchor is a list of `width` aliases of the one before."""
    lines = ["name: bomb", "scenario: {payer: self_pay, fees: {billed_per_unit: 40}}",
             "expect:", "  l0: &a0 [" + ", ".join(["x"] * width) + "]"]
    for level in range(1, levels):
        lines.append(f"  l{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    lines.append(f"  totals: *a{levels - 1}")  # a list where the estimate has a mapping
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_anything_is_compared():
    """474 bytes whose `expect` expands to 3.5 billion values: comparing it formatted the whole
    expansion (36 s of CPU holding the GIL, 2 GB and more)."""
    text = alias_bomb()
    assert len(text.encode()) < 700
    started = time.process_time()
    with pytest.raises(CaseFileError, match=r"^bomb\.yaml, line \d+: refused: more than "
                                            r"50,000 values once its aliases are expanded"):
        load_cases(text, "bomb.yaml")
    assert time.process_time() - started < 1


def test_aliases_within_the_limit_still_load():
    (case,) = load_cases(alias_bomb(levels=3, width=9))  # 9**3 = 729 values
    result = run_case(case)
    assert not result.passed
    (line,) = [d for d in result.differences if d.startswith("totals")]
    assert len(line) <= cases.MAX_LINE and "..." in line


def test_an_alias_of_a_node_that_contains_it_is_refused():
    with pytest.raises(CaseFileError, match="line 3: refused: an alias refers to a list or "
                                            "mapping that contains it"):
        load_cases("name: loop\nscenario: {fees: {billed_per_unit: 40}}\n"
                   "expect: &e {totals: *e}\n", "loop.yaml")


def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


def test_nesting_is_bounded_in_the_file_and_through_aliases():
    head = "name: deep\nscenario: {fees: {billed_per_unit: 40}}\n"
    # The top mapping and `expect` are two levels, the innermost value one more.
    load_cases(head + f"expect: {{a: {nested(cases.MAX_DEPTH - 3)}}}\n")
    with pytest.raises(CaseFileError, match="refused: nested more than 20 levels deep"):
        load_cases(head + f"expect: {{a: {nested(cases.MAX_DEPTH - 2)}}}\n", "deep.yaml")
    # Each alias is shallow, the expansion deep; and nothing recurses as deep as the file.
    chain = "".join(f"  l{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 30))
    with pytest.raises(CaseFileError, match="nested more than 20 levels deep once its aliases"):
        load_cases(head + "expect:\n  l0: &a0 [1]\n" + chain, "chain.yaml")
    with pytest.raises(CaseFileError, match="refused: nested more than 20 levels deep"):
        load_cases(head + f"expect: {nested(100_000)}\n", "deeper.yaml")


def test_a_file_over_the_size_limit_is_refused():
    case = "- name: n\n  scenario: {fees: {billed_per_unit: 40}}\n  expect: {}\n"
    padding = "# " + "x" * 1000 + "\n"
    text = case + padding * (cases.MAX_FILE_BYTES // len(padding))
    assert len(text) <= cases.MAX_FILE_BYTES
    assert len(load_cases(text)) == 1
    with pytest.raises(CaseFileError, match=r"^big\.yaml: 26\d,\d{3} bytes, more than a "
                                            r"scenario file may have \(256 KB\)"):
        load_cases(text + padding * 5, "big.yaml")


def test_the_number_of_cases_is_bounded():
    case = "- name: n\n  scenario: {fees: {billed_per_unit: 40}}\n  expect: {}\n"
    assert len(load_cases(case * cases.MAX_CASES)) == cases.MAX_CASES
    with pytest.raises(CaseFileError, match="201 cases, more than a scenario file may hold"):
        load_cases(case * (cases.MAX_CASES + 1), "many.yaml")
    # Cases made by aliases count as well.
    aliased = ("- &c {name: n, scenario: {fees: {billed_per_unit: 40}}, expect: {}}\n"
               + "- *c\n" * cases.MAX_CASES)
    with pytest.raises(CaseFileError, match="201 cases"):
        load_cases(aliased, "aliased.yaml")


def test_failure_messages_are_bounded():
    """A long expectation that fails is quoted in part, and at most MAX_DIFFERENCES
    differences are listed; the others are counted."""
    many = {f"key{n}": "x" * 100 for n in range(500)}
    text = yaml.safe_dump({
        "name": "long",
        "scenario": {"payer": "self_pay", "sessions": 3, "fees": {"billed_per_unit": "40"}},
        "expect": {"totals": {"patient": "y" * 50_000}, "sessions": [list(range(3000))] * 3,
                   "routes": "z" * 50_000, **many},
    }, sort_keys=False)
    assert len(text) < cases.MAX_FILE_BYTES
    (case,) = load_cases(text)
    result = run_case(case)
    assert len(result.differences) == cases.MAX_DIFFERENCES + 1
    assert all(len(line) <= cases.MAX_LINE for line in result.differences)
    # totals.patient, three sessions, routes, then the 500 keys not in the estimate
    assert result.differences[-1] == f"... and {505 - cases.MAX_DIFFERENCES} more differences"
    assert result.differences[0].startswith("totals.patient: expected 'yyyy")


def test_a_long_name_is_refused_without_repeating_it():
    with pytest.raises(CaseFileError) as caught:
        load_cases(f"name: {'n' * 100_000}\nscenario: {{fees: {{billed_per_unit: 40}}}}\n"
                   "expect: {}\n", "name.yaml")
    assert "at most 200 characters" in str(caught.value)
    assert len(str(caught.value)) < 600


def test_massage_estimate_check_refuses_the_alias_bomb_at_once(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(alias_bomb(), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "bot.estimate_cli", "check", str(bomb)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "bomb.yaml, line" in done.stderr and "aliases are expanded" in done.stderr
    assert "Traceback" not in done.stderr
