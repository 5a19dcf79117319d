"""Coverage rules: will the patient's own payer (health plan, workers' comp, auto insurer) pay?

Each rule is a small function that states the fact it implements and returns its finding or None.
The verdict is the most severe level found: not_covered, then unlikely, then uncertain, else likely.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from .estimate import DiagnosisCheck, Verdict
from .parameters import EVERY_CATEGORY_OF_PROVIDER_STATES, PIP_EXCLUDES_MASSAGE
from .scenario import Scenario
from .terms import COVERAGE_UNKNOWNS, oon_covered

Level = Literal["not_covered", "unlikely", "uncertain", "note"]
SEVERITY: tuple[Level, ...] = ("not_covered", "unlikely", "uncertain")


@dataclass(frozen=True)
class Finding:
    reason: str
    level: Level


@dataclass(frozen=True)
class Facts:
    """What the rules look at, each computed once: the scenario, its diagnosis checks and the
    unknown answers its walk depends on."""

    scenario: Scenario
    diagnoses: Sequence[DiagnosisCheck]
    unknowns: Sequence[str]


Rule = Callable[[Facts], Finding | None]


def _massage_therapist_claim(s: Scenario) -> bool:
    return s.payer != "self_pay" and s.provider_type == "massage_therapist"


# --- not covered -------------------------------------------------------------------------------

def relaxation_not_covered(f: Facts) -> Finding | None:
    """Relaxation, stress and maintenance massage are not covered by any payer."""
    if f.scenario.purpose == "relaxation":
        return Finding("relaxation_not_covered", "not_covered")
    return None


def no_insurance(f: Facts) -> Finding | None:
    """Paying oneself: no payer to bill (the Good Faith Estimate rules apply instead)."""
    if f.scenario.payer == "self_pay":
        return Finding("no_insurance", "not_covered")
    return None


def medicare_excludes_massage_therapists(f: Facts) -> Finding | None:
    """Original Medicare does not pay licensed massage therapists: only massage inside a physical
    therapy plan of care can be covered under Part B (so not from a chiropractor either)."""
    s = f.scenario
    if s.payer == "medicare" and s.provider_type != "physical_therapist":
        return Finding("medicare_excludes_massage_therapists", "not_covered")
    return None


def out_of_network_not_covered(f: Facts) -> Finding | None:
    """Out of network on a plan without out-of-network benefits (usual for HMO and EPO)."""
    s = f.scenario
    if s.health_plan and s.network == "out" and oon_covered(s) is False:
        return Finding("out_of_network_not_covered", "not_covered")
    return None


def pip_excludes_massage(f: Facts) -> Finding | None:
    """Florida excludes massage from PIP since 2013, whoever provides it (Fla. Stat. 627.736)."""
    s = f.scenario
    if s.payer == "auto" and s.state in PIP_EXCLUDES_MASSAGE:
        return Finding("pip_excludes_massage", "not_covered")
    return None


# --- unlikely ----------------------------------------------------------------------------------

def no_prescription(f: Facts) -> Finding | None:
    """Medical necessity needs a prescription or referral naming the diagnosis, frequency and
    duration. Physical therapists and chiropractors are direct-access: there it is a next step."""
    if _massage_therapist_claim(f.scenario) and f.scenario.prescription is False:
        return Finding("no_prescription", "unlikely")
    return None


def diagnosis_not_billable(f: Facts) -> Finding | None:
    """A claim needs at least one billable ICD-10-CM code (e.g. M54.50, not M54.5)."""
    s = f.scenario
    if s.payer == "self_pay" or s.diagnosis_codes is None:
        return None
    if not f.diagnoses:
        return Finding("no_diagnosis", "unlikely")
    if any(d.status == "billable" for d in f.diagnoses):
        return None
    if any(d.status == "nonbillable" for d in f.diagnoses):
        return Finding("nonbillable_diagnosis", "unlikely")
    return Finding("invalid_diagnosis", "unlikely")


def preauth_required(f: Facts) -> Finding | None:
    """Pre-authorization required but not obtained: the plan may refuse the claim."""
    if f.scenario.health_plan and f.scenario.preauth_status == "required":
        return Finding("preauth_required", "unlikely")
    return None


def _plan_may_exclude_massage_therapists(s: Scenario) -> bool:
    """Many plans cover massage only by a physical therapist or chiropractor, except where a state
    law makes plans include every category of licensed provider (Washington, RCW 48.43.045)."""
    return (
        s.health_plan
        and s.provider_type == "massage_therapist"
        and not (s.payer == "commercial" and s.state in EVERY_CATEGORY_OF_PROVIDER_STATES)
    )


def provider_not_covered(f: Facts) -> Finding | None:
    """The plan does not cover licensed massage therapists."""
    s = f.scenario
    if _plan_may_exclude_massage_therapists(s) and s.plan.covers_massage_therapists is False:
        return Finding("provider_not_covered", "unlikely")
    return None


def no_visits_left(f: Facts) -> Finding | None:
    """Every visit under the plan's visit limit is already used before the first session."""
    s = f.scenario
    limit, used = s.plan.visit_limit, s.plan.visits_used
    if not (s.health_plan and isinstance(limit, int)):
        return None
    if limit == 0 or (used is not None and used >= limit):
        return Finding("visit_limit_reached", "unlikely")
    return None


def claim_not_accepted(f: Facts) -> Finding | None:
    """Workers' compensation pays only for an accepted claim."""
    s = f.scenario
    if s.payer == "workers_comp" and s.workers_comp.claim_accepted is False:
        return Finding("claim_not_accepted", "unlikely")
    return None


# --- uncertain ---------------------------------------------------------------------------------

def network_unknown(f: Facts) -> Finding | None:
    """In or out of network changes the price and, on HMO/EPO plans, whether the plan pays."""
    if f.scenario.health_plan and f.scenario.network_status == "unknown":
        return Finding("network_unknown", "uncertain")
    return None


def oon_benefits_unknown(f: Facts) -> Finding | None:
    """Out of network, whether the plan has out-of-network benefits at all is not known."""
    s = f.scenario
    if s.health_plan and s.network_status != "in" and oon_covered(s) is None:
        return Finding("oon_benefits_unknown", "uncertain")
    return None


def prescription_unknown(f: Facts) -> Finding | None:
    """The patient does not know whether they have a prescription or referral."""
    if _massage_therapist_claim(f.scenario) and f.scenario.prescription is None:
        return Finding("prescription_unknown", "uncertain")
    return None


def diagnosis_unknown(f: Facts) -> Finding | None:
    """The patient does not know the diagnosis code on the prescription."""
    s = f.scenario
    if s.payer != "self_pay" and s.diagnosis_codes is None:
        return Finding("diagnosis_unknown", "uncertain")
    return None


def preauth_unknown(f: Facts) -> Finding | None:
    """Pre-authorization often caps visits (e.g. 4-6 at a time); not known whether it is needed."""
    if f.scenario.health_plan and f.scenario.preauth_status == "unknown":
        return Finding("preauth_unknown", "uncertain")
    return None


def provider_coverage_unknown(f: Facts) -> Finding | None:
    """Not known whether the plan covers licensed massage therapists."""
    s = f.scenario
    if _plan_may_exclude_massage_therapists(s) and s.plan.covers_massage_therapists is None:
        return Finding("provider_coverage_unknown", "uncertain")
    return None


def medicaid_varies(f: Facts) -> Finding | None:
    """Medicaid coverage of massage differs by state and plan."""
    if f.scenario.payer == "medicaid":
        return Finding("medicaid_varies", "uncertain")
    return None


def amount_unknown(f: Facts) -> Finding | None:
    """An amount the cost walk uses is unknown: the estimate becomes a range."""
    if any(name not in COVERAGE_UNKNOWNS for name in f.unknowns):
        return Finding("amount_unknown", "uncertain")
    return None


def claim_unknown(f: Facts) -> Finding | None:
    """Whether the workers' compensation claim is accepted is not known yet."""
    s = f.scenario
    if s.payer == "workers_comp" and s.workers_comp.claim_accepted is None:
        return Finding("claim_unknown", "uncertain")
    return None


def pip_unknown(f: Facts) -> Finding | None:
    """Auto: how much PIP or MedPay remains is not known."""
    s = f.scenario
    if s.payer == "auto" and s.auto.pip_remaining is None:
        return Finding("pip_unknown", "uncertain")
    return None


# --- notes (no effect on the verdict) -----------------------------------------------------------

def hdhp_deductible_always_applies(f: Facts) -> Finding | None:
    """HSA-eligible high-deductible plans pay nothing before the deductible except preventive care
    (IRC 223(c)(2)); massage is not preventive, so the deductible applies whatever was entered."""
    s = f.scenario
    if s.health_plan and s.plan_type == "hdhp" and s.plan.deductible_applies is not True:
        return Finding("hdhp_deductible_always_applies", "note")
    return None


RULES: tuple[Rule, ...] = (
    relaxation_not_covered,
    no_insurance,
    medicare_excludes_massage_therapists,
    out_of_network_not_covered,
    pip_excludes_massage,
    no_prescription,
    diagnosis_not_billable,
    preauth_required,
    provider_not_covered,
    no_visits_left,
    claim_not_accepted,
    network_unknown,
    oon_benefits_unknown,
    prescription_unknown,
    diagnosis_unknown,
    preauth_unknown,
    provider_coverage_unknown,
    medicaid_varies,
    amount_unknown,
    claim_unknown,
    pip_unknown,
    hdhp_deductible_always_applies,
)

# Relaxation massage is never covered: the payer's other conditions are moot, so they are not
# reported (a "get a prescription" step would mislead).
_RELAXATION_RULES: tuple[Rule, ...] = (relaxation_not_covered, no_insurance)


def findings(facts: Facts) -> list[Finding]:
    rules = _RELAXATION_RULES if facts.scenario.purpose == "relaxation" else RULES
    return [found for rule in rules if (found := rule(facts)) is not None]


def verdict(found: Sequence[Finding]) -> Verdict:
    levels = {f.level for f in found}
    for level in SEVERITY:
        if level in levels:
            return level  # type: ignore[return-value]
    return "likely"


def payer_route_open(v: Verdict) -> bool:
    """A payer's route is available only when its verdict is likely or uncertain."""
    return v in ("likely", "uncertain")
