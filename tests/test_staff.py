"""bot/staff.py: staff checks and scenarios from key=value pairs."""

from decimal import Decimal

import pytest

from bot.clinics import load_clinics
from bot.staff import (
    SCENARIO_KEYS,
    StaffInputError,
    base_scenario,
    is_staff,
    parse_pairs,
    scenario_from_pairs,
    staff_clinic,
    valid_keys,
    whatif,
)
from estimator import Scenario, estimate
from estimator.scenario import Auto, Fees, Plan, WorkersComp


@pytest.fixture(scope="module")
def clinics():
    return load_clinics()


@pytest.fixture(scope="module")
def demo(clinics):
    return clinics.get("demo-clinic")


def test_keys_are_every_scenario_field_flattened():
    nested = {"fees": Fees, "plan": Plan, "workers_comp": WorkersComp, "auto": Auto}
    expected = {name for name in Scenario.model_fields if name not in nested}
    for model in nested.values():
        expected |= set(model.model_fields)
    assert set(SCENARIO_KEYS) == expected
    assert SCENARIO_KEYS["deductible"] == ("plan", "deductible")
    assert SCENARIO_KEYS["billed_per_unit"] == ("fees", "billed_per_unit")
    assert SCENARIO_KEYS["pip_remaining"] == ("auto", "pip_remaining")
    assert SCENARIO_KEYS["claim_accepted"] == ("workers_comp", "claim_accepted")
    assert SCENARIO_KEYS["sessions"] == ("sessions",)
    assert "insurer" in valid_keys()


def test_parse_pairs_reads_nulls_quotes_and_dotted_keys():
    pairs = parse_pairs('Payer=commercial plan.deductible=1000 deductible_met=unknown '
                        'oop_max=none insurer="Regence BlueShield" copay=~')
    assert pairs == {
        "payer": "commercial",
        "deductible": "1000",
        "deductible_met": None,
        "oop_max": "none",
        "insurer": "Regence BlueShield",
        "copay": None,
    }
    assert parse_pairs(["sessions=3"]) == {"sessions": "3"}
    assert parse_pairs("") == {}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("colour=blue", "Unknown key colour. Valid keys: account_balance, allowed_per_unit"),
        ("sessions", "Write each setting as key=value; sessions is not"),
        ("=3", "Write each setting as key=value"),
        ("sessions=1 sessions=2", "The key sessions is given twice."),
        ('insurer="Aetna', "A quotation mark is not closed."),
    ],
)
def test_parse_pairs_errors(text, fragment):
    with pytest.raises(StaffInputError) as excinfo:
        parse_pairs(text)
    assert fragment in str(excinfo.value)
    assert excinfo.value.message  # a message id the channel translates


def test_clinic_fees_fill_the_rest(demo):
    scenario = scenario_from_pairs(
        parse_pairs("payer=commercial network=out deductible=1000 deductible_met=200 "
                    "coinsurance_pct=20 sessions=12"),
        clinic=demo,
    )
    assert scenario.network == "out"
    assert scenario.sessions == 12
    assert scenario.plan.deductible == Decimal("1000")
    assert scenario.plan.coinsurance_pct == Decimal("20")
    assert scenario.fees.billed_per_unit == demo.billed_per_unit
    assert scenario.fees.cash_per_session == demo.cash_per_session
    assert scenario.state == "WA" and scenario.cpt_code == demo.cpt_code
    assert scenario.session_minutes == demo.session_minutes
    # Omitted fields keep the estimator's defaults (not "unknown").
    assert scenario.plan.oon_covered is None and "oon_covered" not in scenario.plan.model_fields_set
    estimate(scenario)


def test_money_and_percent_spellings_and_lists(demo):
    scenario = scenario_from_pairs(
        parse_pairs("deductible=$1,500.50 coinsurance_pct=20% diagnosis_codes=m54.50,M54.2"),
        clinic=demo,
    )
    assert scenario.plan.deductible == Decimal("1500.50")
    assert scenario.plan.coinsurance_pct == Decimal("20")
    assert scenario.diagnosis_codes == ["M54.50", "M54.2"]


def test_insurer_takes_the_clinic_rate(demo):
    scenario = scenario_from_pairs(parse_pairs("insurer=aetna"), clinic=demo)
    assert scenario.fees.allowed_per_unit == Decimal("30.00")
    assert scenario.network == "in"
    with pytest.raises(StaffInputError, match="not in network with Cigna. Its insurers: Aetna"):
        scenario_from_pairs(parse_pairs("insurer=Cigna"), clinic=demo)
    with pytest.raises(StaffInputError, match="insurer needs a clinic"):
        scenario_from_pairs(parse_pairs("insurer=Aetna billed_per_unit=40"))


def test_null_means_unknown_and_gives_a_range(demo):
    scenario = scenario_from_pairs(
        parse_pairs("insurer=Aetna deductible=1000 deductible_met=null sessions=10 "
                    "prescription=yes diagnosis_codes=M54.50 preauth=not_required"),
        clinic=demo,
    )
    assert scenario.plan.deductible_met is None
    result = estimate(scenario)
    # The demo clinic's cash price is the safe choice; billing the plan is a range.
    insurance = next(r for r in result.routes if r.route == "insurance")
    assert insurance.low is not None and insurance.low < insurance.patient_total


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("sessions=many", "sessions: Input should be a valid integer"),
        ("sessions=0", "sessions: Input should be greater than or equal to 1"),
        ("sessions=null", "sessions:"),
        ("payer=friend", "payer: Input should be"),
        ("deductible=-5", "deductible:"),
        ("state=XX", "state: must be a US postal code"),
        ("visit_limit=2 visits_used=5", "visits_used (5) is more than plan.visit_limit (2)"),
    ],
)
def test_bad_values_name_the_field(demo, text, fragment):
    with pytest.raises(StaffInputError) as excinfo:
        scenario_from_pairs(parse_pairs(text), clinic=demo)
    assert fragment in str(excinfo.value)


def test_without_a_clinic_billed_per_unit_is_needed():
    with pytest.raises(StaffInputError, match="give billed_per_unit"):
        scenario_from_pairs(parse_pairs("sessions=3"))
    scenario = scenario_from_pairs(parse_pairs("billed_per_unit=40 allowed_per_unit=30"))
    assert scenario.fees.allowed_per_unit == Decimal("30")
    assert base_scenario(None) == {"fees": {}}


def test_whatif_changes_only_the_named_fields(demo):
    base = scenario_from_pairs(
        parse_pairs("insurer=Aetna deductible=1000 deductible_met=200 coinsurance_pct=20 "
                    "sessions=12 plan_type=hmo"),
        clinic=demo,
    )
    changed = whatif(base, parse_pairs("deductible_met=1000 sessions=6"))
    assert changed.plan.deductible_met == Decimal("1000") and changed.sessions == 6
    assert changed.plan.coinsurance_pct == base.plan.coinsurance_pct
    assert changed.fees == base.fees and changed.plan_type == "hmo"
    # An omitted field stays omitted (so HMO keeps "no out-of-network benefit" by default).
    assert "oon_covered" not in changed.plan.model_fields_set
    assert estimate(changed).totals.patient < estimate(base).totals.patient
    with pytest.raises(StaffInputError, match="coinsurance_pct:"):
        whatif(base, parse_pairs("coinsurance_pct=150"))
    assert whatif(base, {}) == base


def test_staff_checks(clinics):
    assert is_staff(123456789, clinics)
    assert not is_staff(42, clinics)
    assert is_staff(42, clinics, extra_staff=[42])
    assert not is_staff(None, clinics, extra_staff=[42])
    assert staff_clinic(123456789, clinics).slug == "demo-clinic"
    assert staff_clinic(123456789, clinics, chat_clinic="demo-tampa").slug == "demo-tampa"
    assert staff_clinic(42, clinics) is None
