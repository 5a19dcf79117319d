"""Terms: the scenario with every unknown answer replaced by a number, for one case.

Patients rarely know their deductible status, so `null` answers are normal. Each unknown has a best
and a worst case for the patient (deductible fully met vs. not met at all, visits used none vs.
all, ...). The engine walks the course with all of them at their worst (what to plan for), all at
their best (the low end of the range), and each one alone at its best (how much knowing it would
narrow the range).
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from .money import HUNDRED, ZERO, cents
from .parameters import (
    ACA_OOP_LIMIT,
    CMS_RATE_PER_UNIT,
    HDHP_MIN_DEDUCTIBLE,
    HDHP_OOP_LIMIT,
    REFERENCE_ALLOWED_HIGH,
    REFERENCE_ALLOWED_LOW,
    TYPICAL_VISIT_LIMIT_LOW,
)
from .scenario import Scenario
from .units import units_for_minutes

# Unknowns that are answers about coverage rather than amounts: they have their own reason codes.
COVERAGE_UNKNOWNS = frozenset({"network", "oon_covered", "pip_remaining", "claim_accepted"})
IN_NETWORK = ("allowed_per_unit", "deductible", "deductible_met", "copay", "coinsurance_pct",
              "oop_max", "oop_met")
OUT_OF_NETWORK = ("oon_covered", "oon_allowed_per_unit", "oon_deductible", "oon_deductible_met",
                  "oon_coinsurance_pct", "oon_oop_max", "oon_oop_met")


@dataclass(frozen=True)
class Terms:
    """Everything one walk needs, per session and with no unknowns left."""

    units: int
    billed: Decimal  # per session
    cash: Decimal | None  # the clinic's self-pay rate per session
    network: str  # "in" or "out"
    oon_covered: bool
    allowed: Decimal  # per session, for that network, at most `billed`
    deductible_applies: bool
    deductible_left: Decimal
    copay: Decimal
    coinsurance_pct: Decimal
    oop_left: Decimal | None  # None: no out-of-pocket maximum
    visits_left: int | None  # None: no visit limit
    deductible_visits_count: bool  # a session paid wholly to the deductible uses a visit
    pip_remaining: Decimal | None  # None: enough for the whole course
    pip_pays_pct: Decimal
    claim_accepted: bool


def oon_covered(s: Scenario) -> bool | None:
    """Out-of-network benefits: HMO and EPO plans usually have none (DOMAIN.md "Cost sharing").

    Omitted, the field follows the plan type; `null` means the patient does not know.
    """
    if "oon_covered" in s.plan.model_fields_set:
        return s.plan.oon_covered
    return s.plan_type not in ("hmo", "epo")


def _plan_value(s: Scenario, name: str) -> object:
    if name in ("allowed_per_unit", "oon_allowed_per_unit"):
        return getattr(s.fees, name)
    if name == "oon_covered":
        return oon_covered(s)
    return getattr(s.plan, name)


def unknowns(s: Scenario) -> list[str]:
    """The unknown answers that the payer's walk depends on, in a stable order."""
    if s.payer == "auto":
        return ["pip_remaining"] if s.auto.pip_remaining is None else []
    if s.payer == "workers_comp":
        return ["claim_accepted"] if s.workers_comp.claim_accepted is None else []
    if not s.health_plan:
        return []
    network = s.network_status
    names: list[str] = ["network"] if network == "unknown" else []
    out_of_network = OUT_OF_NETWORK if oon_covered(s) is not False else ("oon_covered",)
    candidates = [*(IN_NETWORK if network != "out" else ()),
                  *(out_of_network if network != "in" else ())]
    if s.plan_type != "hdhp":
        candidates.append("deductible_applies")
    candidates.append("visit_limit")
    if s.plan.visit_limit != "none":
        candidates.append("visits_used")
    names += [name for name in candidates if _plan_value(s, name) is None]
    return names


WorstFor = Callable[[str], bool]


def all_worst(_: str) -> bool:
    return True


def all_best(_: str) -> bool:
    return False


def resolve(s: Scenario, worst_for: WorstFor) -> Terms:
    """Replace each unknown by its worst case where `worst_for(name)` is true, else its best."""

    def pick(name: str, value, best, worst):
        if value is not None:
            return value
        return worst if worst_for(name) else best

    units = units_for_minutes(s.session_minutes)
    billed = cents(units * s.fees.billed_per_unit)
    network = s.network_status
    if network == "unknown":
        network = pick("network", None, "in", "out")
    reference = CMS_RATE_PER_UNIT[s.cpt_code]
    low, high = reference * REFERENCE_ALLOWED_LOW, reference * REFERENCE_ALLOWED_HIGH
    plan = s.plan
    hdhp = s.health_plan and s.plan_type == "hdhp"
    if hdhp:
        deductible_applies = True
    else:
        deductible_applies = pick("deductible_applies", plan.deductible_applies, False, True)
    limit = pick("visit_limit", plan.visit_limit, "none", TYPICAL_VISIT_LIMIT_LOW)
    limit = None if limit == "none" else limit
    used = pick("visits_used", plan.visits_used, 0, limit or 0)
    course_billed = billed * s.sessions

    if network == "in":
        unit = pick("allowed_per_unit", s.fees.allowed_per_unit, low, high)
        legal_cap = (HDHP_OOP_LIMIT if hdhp else ACA_OOP_LIMIT) if s.payer == "commercial" else None
        oop_max = _oop_max(plan.oop_max, legal_cap)
        deductible = pick("deductible", plan.deductible,
                          HDHP_MIN_DEDUCTIBLE if hdhp else ZERO,
                          oop_max if oop_max is not None else course_billed)
        met = pick("deductible_met", plan.deductible_met, deductible, ZERO)
        copay = pick("copay", plan.copay, ZERO, billed)
        pct = pick("coinsurance_pct", plan.coinsurance_pct, ZERO, HUNDRED)
        oop_met = pick("oop_met", plan.oop_met, oop_max, min(met, oop_max or met))
    else:
        unit = pick("oon_allowed_per_unit", s.fees.oon_allowed_per_unit, high, low)
        oop_max = _oop_max(plan.oon_oop_max, None)
        deductible = pick("oon_deductible", plan.oon_deductible, ZERO,
                          oop_max if oop_max is not None else course_billed)
        met = pick("oon_deductible_met", plan.oon_deductible_met, deductible, ZERO)
        copay = ZERO  # out of network there is no copay, only coinsurance
        pct = pick("oon_coinsurance_pct", plan.oon_coinsurance_pct, ZERO, HUNDRED)
        oop_met = pick("oon_oop_met", plan.oon_oop_met, oop_max, min(met, oop_max or met))

    return Terms(
        units=units,
        billed=billed,
        cash=s.fees.cash_per_session,
        network=network,
        oon_covered=pick("oon_covered", oon_covered(s), True, False),
        allowed=min(cents(units * unit), billed),
        deductible_applies=deductible_applies,
        deductible_left=max(ZERO, deductible - met),
        copay=copay,
        coinsurance_pct=pct,
        oop_left=None if oop_max is None else max(ZERO, oop_max - (oop_met or ZERO)),
        visits_left=None if limit is None else max(0, limit - used),
        deductible_visits_count=plan.deductible_visits_count,
        pip_remaining=pick("pip_remaining", s.auto.pip_remaining, None, ZERO),
        pip_pays_pct=s.auto.pip_pays_pct,
        claim_accepted=pick("claim_accepted", s.workers_comp.claim_accepted, True, False),
    )


def _oop_max(value, legal_cap: Decimal | None) -> Decimal | None:
    """`"none"` is no cap; unknown is the legal limit where one exists (ACA, HDHP), else no cap."""
    if value == "none":
        return None
    if value is None:
        return legal_cap
    return value
