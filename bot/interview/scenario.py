"""From the interview's answers (and the clinic's profile) to the estimator's scenario."""

from decimal import Decimal
from typing import Any

from bot.clinics import Clinic
from estimator import Scenario
from estimator.money import cents
from estimator.parameters import CMS_RATE_PER_UNIT, REFERENCE_ALLOWED_HIGH
from estimator.units import units_for_minutes

from . import diagnosis
from .facts import Facts
from .questions import QUESTIONS, open_questions

DEFAULT_SESSIONS = 12
DEFAULT_MINUTES = 60


def relevant_answers(facts: Facts) -> dict[str, Any]:
    """Only the answers to questions that still apply (a changed answer can make others moot)."""
    return {q.id: facts.answers[q.id] for q in QUESTIONS
            if q.id in facts.answers and q.applies(facts)}


def assumed_price_per_unit(cpt_code: str = "97124") -> Decimal:
    """With no clinic and no price given: twice the Medicare rate, the high end of the reference
    range the estimator uses for unknown allowed amounts (DOMAIN.md "Codes")."""
    return cents(CMS_RATE_PER_UNIT[cpt_code] * REFERENCE_ALLOWED_HIGH)


def _yes_no(value: str | None) -> bool | None:
    return None if value is None else value == "yes"


def _amount(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _fees(f: Facts, clinic: Clinic | None, units: int) -> dict[str, Any]:
    if clinic is not None:
        payer = f.clinic_payer
        return {
            "billed_per_unit": clinic.billed_per_unit,
            "allowed_per_unit": payer.allowed_per_unit if payer else None,
            "cash_per_session": clinic.cash_per_session,
        }
    price = f.amount("price")
    return {
        "billed_per_unit": cents(price / units) if price else assumed_price_per_unit(),
        "cash_per_session": f.amount("cash"),
    }


def _plan(a: dict[str, Any]) -> dict[str, Any]:
    plan: dict[str, Any] = {}
    if a.get("deductible") == "met":
        # Met this year: nothing of it is left to pay, whatever its amount. As none at all, the
        # walk is the same; only the floor of the out-of-pocket amount met (at least the
        # deductible) is lost, which widens a range and never misses the truth.
        plan["deductible"] = plan["deductible_met"] = Decimal(0)
    elif "deductible" in a:
        plan["deductible"] = _amount(a["deductible"])
    if "deductible_met" in a:
        met = a["deductible_met"]
        plan["deductible_met"] = plan.get("deductible") if met == "all" else _amount(met)
    share = a.get("cost_share", "absent")
    if share is None:  # the patient does not know how they share costs
        plan["copay"] = plan["coinsurance_pct"] = None
    if "copay" in a:
        plan["copay"] = _amount(a["copay"])
    if "deductible_applies" in a:
        plan["deductible_applies"] = _yes_no(a["deductible_applies"])
    if "coinsurance" in a:
        plan["coinsurance_pct"] = _amount(a["coinsurance"])
    if "oop_max" in a:
        plan["oop_max"] = "none" if a["oop_max"] == "none" else _amount(a["oop_max"])
    if "oop_met" in a:
        plan["oop_met"] = _amount(a["oop_met"])
    if "covers_mt" in a:
        plan["covers_massage_therapists"] = _yes_no(a["covers_mt"])
    if "oon_covered" in a:
        plan["oon_covered"] = _yes_no(a["oon_covered"])
    if "oon_deductible" in a:
        plan["oon_deductible"] = _amount(a["oon_deductible"])
    if "oon_deductible_met" in a:
        met = a["oon_deductible_met"]
        plan["oon_deductible_met"] = plan.get("oon_deductible") if met == "all" else _amount(met)
    if "oon_coinsurance" in a:
        plan["oon_coinsurance_pct"] = _amount(a["oon_coinsurance"])
    if "visit_limit" in a:
        plan["visit_limit"] = a["visit_limit"]
    if "visits_used" in a:
        plan["visits_used"] = a["visits_used"]
    return plan


def _diagnoses(a: dict[str, Any]) -> list[str] | None:
    """Every code given, the billable code picked in place of the one it refines."""
    if "diagnosis" not in a:
        return None  # not asked (no prescription): the patient does not know one
    return diagnosis.final_codes(a)


def with_unknowns(facts: Facts) -> Facts:
    """The answers with every question that applies and was not asked as "I don't know": the
    first estimate is the range of what those answers can be (a question can open another)."""
    answers = dict(facts.answers)
    while missing := open_questions(Facts(answers, facts.clinic)):
        answers.update({q.id: None for q in missing})
    return Facts(answers, facts.clinic)


def build_scenario(facts: Facts) -> Scenario:
    """The estimator's scenario for these answers; questions not asked are unknown."""
    facts = with_unknowns(facts)
    a = relevant_answers(facts)
    clinic = facts.clinic
    minutes = clinic.session_minutes if clinic else (a.get("minutes") or DEFAULT_MINUTES)
    units = units_for_minutes(minutes)
    data: dict[str, Any] = {
        # No insurer pays for relaxation (the question is not asked): the patient pays.
        "payer": a.get("payer") or ("commercial" if facts.medical else "self_pay"),
        "purpose": a.get("purpose") or "medical",
        "provider_type": facts.provider,
        # Relaxation: the price of one session, unless the patient plans more.
        "sessions": a.get("sessions") or (DEFAULT_SESSIONS if facts.medical else 1),
        "session_minutes": minutes,
        "fees": _fees(facts, clinic, units),
        "plan": _plan(a),
        "hsa_fsa": a.get("account") or "none",
        "lmn": a.get("lmn") == "yes",
        "tax_rate_pct": _amount(a.get("tax_rate")),
        "state": clinic.state if clinic else a.get("state"),
    }
    if clinic is not None:
        data["cpt_code"] = clinic.cpt_code
    if facts.health_plan:
        data["network"] = facts.network
        data["preauth"] = a.get("preauth") or "unknown"
        if a.get("plan_type"):
            data["plan_type"] = a["plan_type"]
        elif "plan_type" in a:
            data["plan"].setdefault("oon_covered", None)  # plan type unknown: OON benefits too
    if facts.medical:
        data["prescription"] = _yes_no(a.get("prescription"))
        data["diagnosis_codes"] = _diagnoses(a)
    if "fallback" in a:  # the plan behind auto or workers' comp ("none", or None: unknown)
        data["fallback_payer"] = a["fallback"]
    if "participating" in a:
        data["medicare_participating"] = _yes_no(a["participating"])
    if "account_balance" in a:
        data["account_balance"] = _amount(a["account_balance"])
    if "wc_claim" in a:
        data["workers_comp"] = {"claim_accepted": _yes_no(a["wc_claim"])}
    if "pip_remaining" in a:
        data["auto"] = {"pip_remaining": _amount(a["pip_remaining"])}
    return Scenario.model_validate(data)
