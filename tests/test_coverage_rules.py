"""The coverage rules of the billing review, one at a time (estimator.coverage, estimator.chains):
a pre-authorization's visits, out-of-network benefits HMO and EPO plans usually lack."""

from decimal import Decimal

import pytest

from estimator import Scenario, estimate, icd10
from estimator.chains import PlanWalk, _windows
from estimator.coverage import Facts, authorized_visits, findings, verdict
from estimator.domains import PlanOption, primary_unknowns
from estimator.walk import Share

BASE = {"payer": "commercial", "plan_type": "ppo", "network": "in", "prescription": True,
        "diagnosis_codes": ["M54.2"], "preauth": "not_required", "sessions": 12,
        "fees": {"billed_per_unit": "40.00", "allowed_per_unit": "30.00",
                 "cash_per_session": "80.00"},
        "plan": {"deductible": "0.00", "copay": "25.00", "oop_max": "3000.00"}}


def scenario(**changes) -> Scenario:
    data = {**BASE, **changes}
    if "plan" in changes:
        data["plan"] = {**BASE["plan"], **changes["plan"]}
    return Scenario.model_validate(data)


def facts(s: Scenario) -> Facts:
    return Facts(s, [icd10.check(c) for c in s.diagnosis_codes or []], primary_unknowns(s))


def reasons(s: Scenario) -> list[str]:
    """The findings, but the amounts unknown out of network (none given here)."""
    return [f.reason for f in findings(facts(s)) if f.reason != "amount_unknown"]


# --- pre-authorization visits (DOMAIN "Who pays": it often caps visits) ---------------------

@pytest.mark.parametrize(("changes", "expected"), [
    ({"preauth": "obtained", "preauth_visits": 6}, 6),
    ({"preauth": "obtained", "preauth_visits": 0}, 0),
    ({"preauth": "obtained"}, None),  # approved, no count given: no cap known
    ({"preauth": "required", "preauth_visits": 6}, None),  # not approved: its own rule
    ({"preauth": "obtained", "preauth_visits": 6, "payer": "medicare",
      "provider_type": "physical_therapist"}, None),  # original Medicare has none
])
def test_the_visits_a_pre_authorization_caps(changes, expected):
    assert authorized_visits(scenario(**changes)) == expected


def _walk(n: int) -> PlanWalk:
    # Every session uses a visit: visits_before[j] = j.
    return PlanWalk([Share(0, 25_00, 0, 0, 95_00)] * n, list(range(n + 1)), list(range(n)))


def test_the_authorized_visits_lower_the_fewest_sessions_covered_not_the_most():
    option = PlanOption(True, None, None, (None, None), "in")  # no visit limit
    assert _windows(option, _walk(12), [12], None) == [(12, 12)]
    assert _windows(option, _walk(12), [12, 8], 6) == [(6, 12), (6, 8)]
    # Fewer sessions left to the plan than approved: the cap does not bind.
    assert _windows(option, _walk(12), [4], 6) == [(4, 4)]
    # A visit limit already lower than the approval keeps its own low end.
    limited = PlanOption(True, None, None, (3, 10), "in")
    assert _windows(limited, _walk(12), [12], 6) == [(3, 10)]


def test_sessions_beyond_the_approval_are_covered_at_best_and_paid_by_the_patient_at_worst():
    # 12 sessions, 6 approved; 25.00 copay a covered session, 80.00 cash otherwise.
    e = estimate(scenario(preauth="obtained", preauth_visits=6))
    assert e.coverage == "likely"
    assert e.reasons == ["preauth_visits_may_run_out"]
    assert e.recommended.route == "insurance_then_cash"
    assert e.range is not None
    assert (e.range.low, e.range.high) == (Decimal("300.00"), Decimal("630.00"))
    assert [r.paid_by for r in e.sessions] == ["health_plan"] * 6 + ["cash"] * 6
    # Without the cap every session is covered: 12 x 25.00, exact.
    free = estimate(scenario(preauth="not_required"))
    assert free.range is None and free.totals.patient == Decimal("300.00")


def test_a_visit_limit_below_the_approval_is_still_the_visit_limit():
    e = estimate(scenario(preauth="obtained", preauth_visits=10,
                          plan={"visit_limit": 20, "visits_used": 16}))
    assert "visit_limit_reached" in e.reasons
    assert "preauth_visits_may_run_out" not in e.reasons


# --- out-of-network benefits on HMO and EPO plans (DOMAIN "Cost sharing": usually none) -----

@pytest.mark.parametrize("plan_type", ["hmo", "epo"])
def test_hmo_or_epo_out_of_network_not_asked_is_unlikely_not_certain(plan_type):
    s = scenario(plan_type=plan_type, network="out")
    assert reasons(s) == ["out_of_network_unlikely"]
    assert verdict(findings(facts(s))) == "unlikely"
    steps = [(st.code, st.params.get("topic")) for st in estimate(s).next_steps]
    assert ("find_in_network_provider", None) in steps
    assert ("ask_insurer", "oon_benefits") in steps


@pytest.mark.parametrize(("answer", "expected"), [
    (False, ["out_of_network_not_covered"]),  # the patient's answer: certain
    (None, ["oon_benefits_unknown"]),  # "I don't know": a range over both answers
    (True, []),
])
def test_the_patients_own_answer_about_out_of_network_benefits_stands(answer, expected):
    s = scenario(plan_type="hmo", network="out", plan={"oon_covered": answer})
    assert reasons(s) == expected


def test_a_ppo_out_of_network_is_not_affected():
    assert reasons(scenario(network="out")) == []
