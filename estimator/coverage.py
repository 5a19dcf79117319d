"""Coverage rules: will the patient's own payer (health plan, workers' comp, auto insurer) pay?

Each rule is a small function that states the fact it implements and returns its finding or None.
The verdict is the most severe level found: not_covered, then unlikely, then uncertain, else likely.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from .domains import COVERAGE_UNKNOWNS, oon_covered
from .estimate import DiagnosisCheck, Verdict
from .parameters import PIP_EXCLUDES_MASSAGE
from .scenario import Scenario

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


def _networked_plan(s: Scenario) -> bool:
    """Health plans with a network: all but original Medicare, which any enrolled provider
    bills."""
    return s.health_plan and s.payer != "medicare"


def needs_referral(s: Scenario) -> bool:
    """An HMO (and a POS plan in network) pays only with a referral from the primary care doctor,
    whoever the provider is (docs/domain-sources.md "Referrals": not in DOMAIN.md)."""
    return _networked_plan(s) and (
        s.plan_type == "hmo" or (s.plan_type == "pos" and s.network_status == "in"))


def massage_is_excluded_from_pip(s: Scenario) -> bool:
    """Florida excludes *massage* (as defined in Fla. Stat. 480.033) from PIP, whoever provides it;
    manual therapy (97140) by a physical therapist or chiropractor is not massage (Fla. Stat.
    627.736(1)(a))."""
    manual_therapy = s.cpt_code == "97140" and s.provider_type != "massage_therapist"
    return not manual_therapy


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


def _out_of_network(s: Scenario) -> bool:
    """Out of network on a plan whose out-of-network benefits matter (Medicaid has none: its own
    rule)."""
    return _networked_plan(s) and s.payer != "medicaid" and s.network == "out"


def out_of_network_not_covered(f: Facts) -> Finding | None:
    """Out of network on a plan the patient says has no out-of-network benefits."""
    s = f.scenario
    if _out_of_network(s) and "oon_covered" in s.plan.model_fields_set and (
            s.plan.oon_covered is False):
        return Finding("out_of_network_not_covered", "not_covered")
    return None


def medicaid_provider_not_enrolled(f: Facts) -> Finding | None:
    """Medicaid pays only providers enrolled with it, who must accept its payment in full
    (42 CFR 447.15): out of network means not enrolled, so Medicaid pays nothing."""
    s = f.scenario
    if s.payer == "medicaid" and s.network == "out":
        return Finding("medicaid_provider_not_enrolled", "not_covered")
    return None


def pip_excludes_massage(f: Facts) -> Finding | None:
    """Florida has excluded massage from PIP since 2013 (HB 119; Fla. Stat. 627.736(1)(a))."""
    s = f.scenario
    if s.payer == "auto" and s.state in PIP_EXCLUDES_MASSAGE and massage_is_excluded_from_pip(s):
        return Finding("pip_excludes_massage", "not_covered")
    return None


# --- unlikely ----------------------------------------------------------------------------------

def out_of_network_unlikely(f: Facts) -> Finding | None:
    """HMO and EPO plans *usually* have no out-of-network benefit (DOMAIN.md "Cost sharing"):
    out of network and not asked about it, the plan is unlikely to pay, not certain not to. The
    walk takes the usual (`domains.oon_covered`); a patient who answers "I don't know" (null)
    gets the range over both answers instead (`oon_benefits_unknown`)."""
    s = f.scenario
    if (_out_of_network(s) and s.plan_type in ("hmo", "epo")
            and "oon_covered" not in s.plan.model_fields_set):
        return Finding("out_of_network_unlikely", "unlikely")
    return None


def no_referral(f: Facts) -> Finding | None:
    """An HMO, or a POS plan in network, pays only with the primary care doctor's referral."""
    if needs_referral(f.scenario) and f.scenario.prescription is False:
        return Finding("no_referral", "unlikely")
    return None


def no_prescription(f: Facts) -> Finding | None:
    """Medical necessity needs a prescription or referral naming the diagnosis, frequency and
    duration. Physical therapists and chiropractors are direct-access (docs/domain-sources.md
    "Referrals"): there it is a next step."""
    s = f.scenario
    if _massage_therapist_claim(s) and s.prescription is False and not needs_referral(s):
        return Finding("no_prescription", "unlikely")
    return None


def diagnosis_not_billable(f: Facts) -> Finding | None:
    """A claim needs a billable ICD-10-CM code for the condition treated (e.g. M54.50, not
    M54.5). An external-cause code (V00-Y99) says how an injury happened and is never
    first-listed (guideline I.C.20); wellness codes (Z73.3 stress, Z00.* general examination,
    Z41.*) describe no treatable condition, which makes the massage wellness, like relaxation."""
    s = f.scenario
    if s.payer == "self_pay" or s.diagnosis_codes is None:
        return None
    if not f.diagnoses:
        return Finding("no_diagnosis", "unlikely")
    conditions = [d for d in f.diagnoses if d.kind == "condition" and d.status != "invalid"]
    if any(d.status == "billable" for d in conditions):
        return None
    if conditions:
        return Finding("nonbillable_diagnosis", "unlikely")
    if any(d.kind == "wellness" for d in f.diagnoses):
        return Finding("wellness_diagnosis", "unlikely")
    if any(d.kind == "external_cause" for d in f.diagnoses):
        return Finding("external_cause_only", "unlikely")
    return Finding("invalid_diagnosis", "unlikely")


def preauth_required(f: Facts) -> Finding | None:
    """Pre-authorization required but not obtained: the plan may refuse the claim."""
    if _networked_plan(f.scenario) and f.scenario.preauth_status == "required":
        return Finding("preauth_required", "unlikely")
    return None


def authorized_visits(s: Scenario) -> int | None:
    """The visits an obtained pre-authorization approved, when it caps them: pre-authorization
    often caps visits, e.g. 4-6 at a time (DOMAIN.md "Who pays"). The sessions after them are
    paid only if a new approval comes, so the worst case counts them as not paid by the plan and
    the best as covered (`estimator.chains`). None: no cap known. Original Medicare has no
    pre-authorization for therapy: a certified plan of care instead (DOMAIN.md "Medicare and
    Medicaid")."""
    if s.plan_payer in (None, "medicare") or s.preauth_status != "obtained":
        return None
    return s.preauth_visits


def covers_massage_therapists(s: Scenario) -> bool | None:
    """The patient's answer; a Medicare Advantage plan's extras vary, so omitted is unknown."""
    if s.payer == "medicare_advantage" and "covers_massage_therapists" not in (
            s.plan.model_fields_set):
        return None
    return s.plan.covers_massage_therapists


def _plan_may_exclude_massage_therapists(s: Scenario) -> bool:
    """Many plans cover massage only by a physical therapist or chiropractor. Washington's "every
    category of provider" law (RCW 48.43.045) binds only fully insured plans; self-funded employer
    plans, most job-based coverage, are exempt under ERISA (29 U.S.C. 1144(b)(2)(B)), so the
    patient's own answer wins there too (a next step tells them an appeal may work)."""
    return _networked_plan(s) and s.provider_type == "massage_therapist"


def provider_not_covered(f: Facts) -> Finding | None:
    """The plan does not cover licensed massage therapists."""
    s = f.scenario
    if _plan_may_exclude_massage_therapists(s) and covers_massage_therapists(s) is False:
        return Finding("provider_not_covered", "unlikely")
    return None


def visit_limit_reached(f: Facts) -> Finding | None:
    """Every visit under the plan's visit limit is already used before the first session.
    Original Medicare has no therapy visit limit (repealed in 2018)."""
    s = f.scenario
    limit, used = s.plan.visit_limit, s.plan.visits_used
    if not (_networked_plan(s) and isinstance(limit, int)):
        return None
    if limit == 0 or (used is not None and used >= limit):
        return Finding("visit_limit_reached", "unlikely")
    return None


def pip_exhausted(f: Facts) -> Finding | None:
    """Auto: the PIP or MedPay benefit is used up, so it pays for nothing more."""
    s = f.scenario
    if s.payer == "auto" and s.auto.pip_remaining is not None and s.auto.pip_remaining == 0:
        return Finding("pip_exhausted", "unlikely")
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
    if _networked_plan(f.scenario) and f.scenario.network_status == "unknown":
        return Finding("network_unknown", "uncertain")
    return None


def oon_benefits_unknown(f: Facts) -> Finding | None:
    """Out of network, whether the plan has out-of-network benefits at all is not known."""
    s = f.scenario
    if (_networked_plan(s) and s.payer != "medicaid" and s.network_status != "in"
            and oon_covered(s) is None):
        return Finding("oon_benefits_unknown", "uncertain")
    return None


def referral_unknown(f: Facts) -> Finding | None:
    """An HMO (or POS in network) patient does not know whether they have the referral."""
    if needs_referral(f.scenario) and f.scenario.prescription is None:
        return Finding("referral_unknown", "uncertain")
    return None


def prescription_unknown(f: Facts) -> Finding | None:
    """The patient does not know whether they have a prescription or referral."""
    s = f.scenario
    if _massage_therapist_claim(s) and s.prescription is None and not needs_referral(s):
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
    if _networked_plan(f.scenario) and f.scenario.preauth_status == "unknown":
        return Finding("preauth_unknown", "uncertain")
    return None


def provider_coverage_unknown(f: Facts) -> Finding | None:
    """Not known whether the plan covers licensed massage therapists."""
    s = f.scenario
    if _plan_may_exclude_massage_therapists(s) and covers_massage_therapists(s) is None:
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


def pip_state_unknown(f: Facts) -> Finding | None:
    """Auto without a state: Florida's exclusion of massage from PIP cannot be ruled out."""
    s = f.scenario
    if s.payer == "auto" and s.state is None and massage_is_excluded_from_pip(s):
        return Finding("pip_state_unknown", "uncertain")
    return None


def pip_unknown(f: Facts) -> Finding | None:
    """Auto: how much PIP or MedPay remains is not known."""
    s = f.scenario
    excluded = s.state in PIP_EXCLUDES_MASSAGE and massage_is_excluded_from_pip(s)
    if s.payer == "auto" and s.auto.pip_remaining is None and not excluded:
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
    medicaid_provider_not_enrolled,
    pip_excludes_massage,
    out_of_network_unlikely,
    no_referral,
    no_prescription,
    diagnosis_not_billable,
    preauth_required,
    provider_not_covered,
    visit_limit_reached,
    claim_not_accepted,
    pip_exhausted,
    network_unknown,
    oon_benefits_unknown,
    referral_unknown,
    prescription_unknown,
    diagnosis_unknown,
    preauth_unknown,
    provider_coverage_unknown,
    medicaid_varies,
    amount_unknown,
    claim_unknown,
    pip_state_unknown,
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
