"""Ranges hold the truth: fill the unknowns at random inside their documented domains
(docs/estimator.md, "Unknowns and ranges") and every route's total lands inside the range the
estimate gave for it, which is never inverted."""

import os
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from estimator import Estimate, Scenario, estimate
from estimator.domains import unknowns, value
from estimator.parameters import (
    ACA_OOP_LIMIT,
    CMS_RATE_PER_UNIT,
    HDHP_MIN_DEDUCTIBLE,
    REFERENCE_ALLOWED_HIGH,
    REFERENCE_ALLOWED_LOW,
    TYPICAL_VISIT_LIMIT_LOW,
)
from estimator.units import units_for_minutes
from estimator.unknown_price import assumed_prices

# CI runs at least 2,000 random scenarios (the bar); locally too unless told otherwise.
EXAMPLES = int(os.environ.get("RANGE_EXAMPLES", "2000"))
# No cap: an amount "larger than the course could reach" is any large amount.
LARGE = Decimal("25000.00")


def money(lo: Decimal, hi: Decimal) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=lo, max_value=max(lo, hi), places=2, allow_nan=False,
                       allow_infinity=False)


def maybe(strategy):
    return st.one_of(st.none(), strategy)


def amount():
    return maybe(money(Decimal(0), Decimal(3000)))


@st.composite
def scenarios_with_unknowns(draw) -> Scenario:
    # None: the patient does not know the clinic's price (estimator.unknown_price).
    billed = draw(maybe(money(Decimal("5.00"), Decimal("80.00"))))
    limit = draw(st.one_of(st.just("none"), st.integers(0, 30), st.none()))
    used = draw(maybe(st.integers(0, limit if isinstance(limit, int) else 30)))
    payer = draw(st.sampled_from(["commercial", "commercial", "medicare", "medicare_advantage",
                                  "medicaid", "workers_comp", "auto"]))
    minutes = draw(st.sampled_from([30, 45, 60, 75, 90]))
    units = units_for_minutes(minutes)
    plan: dict[str, Any] = {
        "deductible": draw(amount()), "deductible_met": draw(amount()),
        "deductible_applies": draw(maybe(st.booleans())), "copay": draw(amount()),
        "coinsurance_pct": draw(maybe(money(Decimal(0), Decimal(100)))),
        "oop_max": draw(st.one_of(st.just("none"), money(Decimal(0), Decimal(9000)), st.none())),
        "visit_limit": limit, "visits_used": used,
        "deductible_visits_count": draw(st.booleans()),
        "oon_deductible": draw(amount()), "oon_deductible_met": draw(amount()),
        "oon_coinsurance_pct": draw(maybe(money(Decimal(0), Decimal(100)))),
        "oon_oop_max": draw(st.one_of(st.just("none"), money(Decimal(0), Decimal(9000)),
                                      st.none())),
        "oon_covered": draw(maybe(st.booleans())),
    }
    if draw(st.booleans()):
        plan["oop_met"] = draw(amount())
    if draw(st.booleans()):
        plan["oon_oop_met"] = draw(amount())
    # Drop the combinations a patient cannot have (more used than the limit).
    for used_name, limit_name in (("deductible", "oop_max"), ("deductible_met", "deductible"),
                                  ("deductible_met", "oop_max"), ("oop_met", "oop_max"),
                                  ("oon_deductible", "oon_oop_max"),
                                  ("oon_deductible_met", "oon_deductible"),
                                  ("oon_deductible_met", "oon_oop_max"),
                                  ("oon_oop_met", "oon_oop_max")):
        used_v, limit_v = plan.get(used_name), plan.get(limit_name)
        if used_v is not None and limit_v not in (None, "none") and used_v > limit_v:
            plan[used_name] = limit_v
    data = {
        "payer": payer,
        "plan_type": draw(st.sampled_from(["ppo", "hmo", "epo", "pos", "hdhp"])),
        "network": draw(st.sampled_from(["in", "out", None])),
        "prescription": draw(st.sampled_from([True, True, None])),
        "diagnosis_codes": ["M54.50"],
        "provider_type": draw(st.sampled_from(["massage_therapist", "physical_therapist"])),
        "state": draw(st.sampled_from([None, "NY", "NJ", "FL", "WA"])),
        "sessions": draw(st.integers(1, 24)),
        "session_minutes": minutes,
        "cpt_code": draw(st.sampled_from(["97124", "97140"])),
        "fees": {
            "billed_per_unit": billed,
            "allowed_per_unit": draw(maybe(money(Decimal(10), Decimal(80)))),
            "oon_allowed_per_unit": draw(maybe(money(Decimal(10), Decimal(80)))),
            "cash_per_session": draw(maybe(money(Decimal(0), (billed or Decimal(80)) * units))),
        },
        "plan": plan,
        "medicare_participating": draw(maybe(st.booleans())),
    }
    if draw(st.booleans()):
        # An obtained pre-authorization for some visits: the sessions after them are covered
        # only if a new approval comes (DOMAIN.md "Who pays").
        data["preauth"] = "obtained"
        data["preauth_visits"] = draw(st.integers(0, 30))
    if payer == "workers_comp":
        data["workers_comp"] = {"claim_accepted": draw(maybe(st.booleans()))}
    if payer == "auto":
        data["auto"] = {
            "pip_remaining": draw(maybe(money(Decimal(0), Decimal(4000)))),
            "pip_pays_pct": draw(st.sampled_from([Decimal(100), Decimal(80)])),
            "pip_deductible": draw(st.sampled_from([Decimal(0), Decimal(250)])),
            "pip_copay_pct": draw(st.sampled_from([Decimal(0), Decimal(20)])),
            "pip_copay_limit": draw(st.sampled_from([None, Decimal(5000)])),
        }
    if payer in ("auto", "workers_comp"):
        data["fallback_payer"] = draw(st.sampled_from(
            [None, "none", "commercial", "medicare", "medicaid"]))
    return Scenario.model_validate(data)


def _legal_cap(s: Scenario, name: str) -> Decimal:
    if name == "oop_max" and s.plan_payer == "commercial":
        return ACA_OOP_LIMIT
    return LARGE


@st.composite
def realizations(draw, s: Scenario) -> Scenario:
    """The same scenario with every unknown it depends on answered inside its domain."""
    names = unknowns(s)
    data = s.model_dump(exclude_unset=True, mode="python")
    plan, fees = dict(data.get("plan", {})), dict(data.get("fees", {}))
    units = units_for_minutes(s.session_minutes)
    if s.fees.billed_per_unit is None:
        low, high = assumed_prices(s)
        fees["billed_per_unit"] = draw(money(low, high))
    for name in names:
        if name == "network":
            data["network"] = draw(st.sampled_from(["in", "out"]))
        elif name in ("oon_covered", "deductible_applies"):
            plan[name] = draw(st.booleans())
        elif name == "medicare_participating":
            data[name] = draw(st.booleans())
        elif name == "claim_accepted":
            data["workers_comp"] = {"claim_accepted": draw(st.booleans())}
        elif name == "pip_remaining":
            data["auto"] = {**data.get("auto", {}), "pip_remaining": draw(
                st.one_of(money(Decimal(0), Decimal(400)), money(Decimal(0), LARGE)))}
        elif name in ("allowed_per_unit", "oon_allowed_per_unit"):
            ref = CMS_RATE_PER_UNIT[s.cpt_code]
            fees[name] = draw(money(ref * REFERENCE_ALLOWED_LOW, ref * REFERENCE_ALLOWED_HIGH))
        elif name in ("copay",):
            plan[name] = draw(money(Decimal(0), units * fees["billed_per_unit"]))
        elif name.endswith("coinsurance_pct"):
            plan[name] = draw(money(Decimal(0), Decimal(100)))
        elif name == "visit_limit":
            low = max(TYPICAL_VISIT_LIMIT_LOW, plan.get("visits_used") or 0)
            plan[name] = draw(st.one_of(st.just("none"), st.integers(low, 40)))
    # Amounts that bound each other: the OOP maximum, then the deductible under it, then what
    # is paid toward each.

    def known(name: str):
        return plan[name] if plan.get(name) is not None else value(s, name)

    hdhp = s.plan_payer == "commercial" and s.plan_type == "hdhp"
    for p in ("", "oon_"):
        if p + "oop_max" in names:
            floor = max(known(p + "deductible") or 0, known(p + "deductible_met") or 0,
                        plan.get(p + "oop_met") or 0, HDHP_MIN_DEDUCTIBLE if hdhp and p == ""
                        and known("deductible") is None else 0)
            plan[p + "oop_max"] = draw(money(Decimal(floor), _legal_cap(s, p + "oop_max")))
        top = known(p + "oop_max")
        top = LARGE if top in (None, "none") else top
        if p + "deductible" in names:
            floor = known(p + "deductible_met") or Decimal(0)
            if p == "" and hdhp:
                floor = max(floor, HDHP_MIN_DEDUCTIBLE)
            plan[p + "deductible"] = draw(money(floor, max(floor, top)))
        if p + "deductible_met" in names:
            ded = known(p + "deductible")
            plan[p + "deductible_met"] = draw(money(Decimal(0), min(top, LARGE if ded is None
                                                                     else ded)))
        if p + "oop_met" in names:
            met = known(p + "deductible_met") or Decimal(0)
            plan[p + "oop_met"] = draw(money(met, max(met, top)))
    if s.preauth_visits is not None and s.preauth_status == "obtained":
        # The truth: no new approval, a new one for some more visits, or for all of them.
        data["preauth_visits"] = draw(st.one_of(
            st.just(s.preauth_visits), st.integers(s.preauth_visits, 40), st.none()))
    if "visits_used" in names:
        limit = plan.get("visit_limit", s.plan.visit_limit)
        plan["visits_used"] = draw(st.integers(0, limit if isinstance(limit, int) else 40))
    data["plan"], data["fees"] = plan, fees
    return Scenario.model_validate(data)


def _route_ranges(e: Estimate) -> dict[str, tuple[Decimal, Decimal]]:
    return {r.route: (r.low if r.low is not None else r.patient_total, r.patient_total)
            for r in e.routes}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_every_realization_of_the_unknowns_lies_inside_the_range(data):
    s = data.draw(scenarios_with_unknowns())
    known = data.draw(realizations(s))
    assert unknowns(known) == [], unknowns(known)
    vague, exact = estimate(s), estimate(known)
    if vague.range is not None:
        assert vague.range.low < vague.range.high
        assert (vague.range.low, vague.range.high) == _route_ranges(vague)[vague.best_route]
    ranges = _route_ranges(vague)
    for route in exact.routes:
        if route.route in ranges:
            low, high = ranges[route.route]
            assert low <= route.patient_total <= high, (route.route, low, route.patient_total,
                                                        high)
    for low, high in ranges.values():
        assert low <= high
