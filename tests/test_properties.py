"""Invariants of the cost walk over random scenarios (hypothesis)."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from estimator import Scenario, estimate
from estimator.terms import all_worst, resolve

money = st.decimals(min_value=0, max_value=3000, places=2, allow_nan=False, allow_infinity=False)
unit_money = st.decimals(min_value=0, max_value=200, places=2, allow_nan=False,
                         allow_infinity=False)
pct = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


def maybe(strategy):
    return st.one_of(st.none(), strategy)


@st.composite
def scenarios(draw):
    billed = draw(st.decimals(min_value=1, max_value=200, places=2))
    limit = draw(st.one_of(st.just("none"), st.integers(0, 40)))
    used = draw(maybe(st.integers(0, limit if isinstance(limit, int) else 40)))
    sessions = draw(st.integers(1, 40))
    minutes = draw(st.integers(8, 240))
    units = (minutes + 7) // 15
    return Scenario.model_validate({
        "payer": draw(st.sampled_from(["commercial", "medicare", "medicare_advantage",
                                       "medicaid", "workers_comp", "auto", "self_pay"])),
        "plan_type": draw(st.sampled_from(["ppo", "hmo", "epo", "pos", "hdhp"])),
        "network": draw(st.sampled_from(["in", "out", "unknown", None])),
        "purpose": draw(st.sampled_from(["medical", "medical", "relaxation"])),
        "prescription": draw(st.sampled_from([True, True, False, None])),
        "diagnosis_codes": draw(st.sampled_from([["M54.50"], ["M54.5"], [], None])),
        "preauth": draw(st.sampled_from(["obtained", "required", "not_required", "unknown"])),
        "provider_type": draw(st.sampled_from(["massage_therapist", "physical_therapist",
                                               "chiropractor"])),
        "state": draw(st.sampled_from([None, "WA", "FL", "NY"])),
        "sessions": sessions,
        "session_minutes": minutes,
        "fees": {
            "billed_per_unit": str(billed),
            "allowed_per_unit": draw(maybe(unit_money.map(str))),
            "oon_allowed_per_unit": draw(maybe(unit_money.map(str))),
            # Clinics' cash rates are discounts: at most the session's billed charge.
            "cash_per_session": draw(maybe(st.decimals(min_value=0, max_value=billed * units,
                                                       places=2).map(str))),
        },
        "plan": {
            "deductible": draw(maybe(money)), "deductible_met": draw(maybe(money)),
            "deductible_applies": draw(maybe(st.booleans())), "copay": draw(maybe(money)),
            "coinsurance_pct": draw(maybe(pct)),
            "oop_max": draw(st.one_of(st.just("none"), money, st.none())),
            "oop_met": draw(maybe(money)), "visit_limit": limit, "visits_used": used,
            "covers_massage_therapists": draw(maybe(st.booleans())),
            "oon_deductible": draw(maybe(money)), "oon_coinsurance_pct": draw(maybe(pct)),
            "oon_oop_max": draw(st.one_of(st.just("none"), money, st.none())),
        },
        "workers_comp": {"claim_accepted": draw(maybe(st.booleans()))},
        "auto": {"pip_remaining": draw(maybe(money)), "pip_pays_pct": str(draw(pct))},
        "hsa_fsa": draw(st.sampled_from(["none", "hsa", "fsa", "hra"])),
        "lmn": draw(st.booleans()),
        "tax_rate_pct": draw(maybe(pct)),
    })


@settings(max_examples=400, deadline=None)
@given(scenarios())
def test_patient_total_between_zero_and_the_billed_charges(s):
    result = estimate(s)
    billed = sum((row.billed for row in result.sessions), Decimal(0))
    assert 0 <= result.totals.patient <= billed
    for row in result.sessions:
        assert 0 <= row.patient <= row.billed
        assert row.insurer >= 0
        assert row.patient + row.insurer <= row.billed
    for route in result.routes:
        assert 0 <= route.patient_total <= billed
    if result.range is not None:
        assert 0 <= result.range.low <= result.range.high == result.totals.patient


@settings(max_examples=400, deadline=None)
@given(scenarios())
def test_in_network_cost_sharing_never_exceeds_the_oop_room(s):
    terms = resolve(s, all_worst)
    result = estimate(s)
    if terms.network != "in" or terms.oop_left is None or not s.health_plan:
        return
    sharing = sum((r.deductible + r.copay + r.coinsurance for r in result.sessions), Decimal(0))
    assert sharing <= terms.oop_left


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_best_route_is_the_cheapest_available(s):
    result = estimate(s)
    available = [r for r in result.routes if r.available]
    best = next(r for r in result.routes if r.route == result.best_route)
    assert best.available
    assert best.patient_total == min(r.patient_total for r in available)
