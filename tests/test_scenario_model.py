"""The scenario and estimate JSON contract: defaults, nulls, range checks, money as strings."""

import json
from decimal import Decimal

import pytest
from pydantic import ValidationError

from estimator import Scenario, estimate
from estimator.cases import describe

FEES = {"billed_per_unit": "40.00"}


def errors(data: dict) -> str:
    with pytest.raises(ValidationError) as info:
        Scenario.model_validate(data)
    return describe(info.value)


def test_defaults_for_omitted_fields():
    s = Scenario.model_validate({"fees": FEES})
    assert (s.payer, s.plan_type, s.network, s.purpose, s.preauth) == (
        "commercial", "ppo", "in", "medical", "unknown")
    assert (s.sessions, s.session_minutes, s.cpt_code, s.hsa_fsa) == (1, 60, "97124", "none")
    assert s.plan.oop_max == "none" and s.plan.visit_limit == "none"
    assert s.plan.deductible == Decimal("0") and s.plan.deductible_applies is True


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"fees": {"billed_per_unit": "-1"}}, "fees.billed_per_unit: Input should be greater"),
        ({"fees": FEES, "plan": {"coinsurance_pct": 101}},
         "plan.coinsurance_pct: Input should be less"),
        ({"fees": FEES, "sessions": 0}, "sessions: Input should be greater than or equal to 1"),
        ({"fees": FEES, "sessions": 366}, "sessions: Input should be less than or equal to 365"),
        ({"fees": FEES, "session_minutes": 7}, "session_minutes: Input should be greater"),
        ({"fees": FEES, "session_minutes": 241}, "session_minutes: Input should be less"),
        ({"fees": FEES, "colour": "red"}, "colour: Extra inputs are not permitted"),
        ({"fees": {**FEES, "tip": "5"}}, "fees.tip: Extra inputs are not permitted"),
        ({"fees": FEES, "state": "ZZ"}, "state: Value error, must be a US postal code"),
        ({"fees": FEES, "payer": "aetna"}, "payer: Input should be 'commercial'"),
        ({"fees": {"billed_per_unit": "1.005"}},
         "fees.billed_per_unit: Decimal input should have no more than 2"),
        ({"fees": FEES, "plan": {"visit_limit": 5, "visits_used": 6}},
         "visits_used (6) is more than"),
        ({}, "fees: Field required"),
    ],
)
def test_bad_input_names_the_field(data, message):
    assert message in errors(data)


def test_null_means_unknown_and_is_kept_apart_from_omitted():
    s = Scenario.model_validate({"fees": FEES, "network": None, "plan": {"deductible_met": None}})
    assert s.network_status == "unknown"
    assert s.plan.deductible_met is None
    assert Scenario.model_validate({"fees": FEES}).plan.deductible_met == 0


def test_money_is_a_string_with_two_decimals_in_the_json():
    s = Scenario.model_validate({"fees": {"billed_per_unit": 40, "allowed_per_unit": "30.5"}})
    dumped = json.loads(s.model_dump_json())
    assert dumped["fees"] == {"billed_per_unit": "40.00", "allowed_per_unit": "30.50",
                              "oon_allowed_per_unit": None, "cash_per_session": None}
    result = json.loads(estimate(s).model_dump_json())
    assert result["totals"]["patient"] == "160.00"
    assert all(isinstance(v, str) and v.count(".") == 1 and len(v.split(".")[1]) == 2
               for row in result["sessions"] for k, v in row.items()
               if k not in ("n", "covered", "paid_by", "date", "flags"))


def test_estimate_round_trips_through_json():
    s = Scenario.model_validate({"fees": FEES, "sessions": 3, "hsa_fsa": "hsa",
                                 "prescription": True, "tax_rate_pct": "24"})
    first = estimate(s)
    again = estimate(Scenario.model_validate_json(s.model_dump_json()))
    assert first == again


def test_every_inconsistent_pair_is_named_at_once():
    from pydantic import ValidationError

    data = {"fees": FEES, "plan": {"deductible": "2000", "deductible_met": "2500",
                                   "oop_max": "3000", "oop_met": "3100"}}
    with pytest.raises(ValidationError) as error:
        Scenario.model_validate(data)
    text = str(error.value)
    assert "plan.deductible_met (2500) is more than plan.deductible (2000)" in text
    assert "plan.oop_met (3100) is more than plan.oop_max (3000)" in text
