"""From the interview's answers (and the clinic's profile) to the estimator's scenario.

Each question names the scenario field it fills (`Question.fills`): building the scenario is a
loop over them, then the few answers that stand for another's value ("All of it" paid) and the
fields that come from the clinic, the diagnosis codes and the defaults."""

from decimal import Decimal
from typing import Any

from bot.clinics import Clinic
from estimator import Scenario
from estimator.money import cents
from estimator.parameters import MEDICARE_PART_B_DEDUCTIBLE
from estimator.units import units_for_minutes

from . import diagnosis
from .dates import DEFAULT_SESSIONS
from .facts import NOT_A_NUMBER, Facts
from .questions import PENDING, QUESTIONS, Question, open_questions

DEFAULT_MINUTES = 60


def relevant_answers(facts: Facts) -> dict[str, Any]:
    """Only the answers to questions that still apply (a changed answer can make others moot)."""
    return {q.id: facts.answers[q.id] for q in QUESTIONS
            if q.id in facts.answers and q.applies(facts)}


def _yes_no(value: str | None) -> bool | None:
    return None if value is None else value == "yes"


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
        # Not known: the estimate ranges over typical prices (estimator.unknown_price).
        "billed_per_unit": cents(price / units) if price else None,
        "cash_per_session": f.amount("cash"),
    }


def _value(question: Question, answer: Any) -> Any:
    """An answer as the scenario holds it: yes/no as a boolean, an amount or percent as a
    Decimal, options ("none", "all", a count) as they are; None ("I don't know") stays None."""
    if answer is None or answer in NOT_A_NUMBER:
        return answer
    if answer == PENDING:  # not decided yet: unknown to the estimate
        return None
    if {"yes", "no"} <= {o.value for o in question.options}:
        return answer == "yes"
    if question.kind in ("amount", "percent"):
        return Decimal(answer)
    return answer


def _filled(a: dict[str, Any]) -> dict[str, Any]:
    """The scenario fields the answers fill (`Question.fills`), as nested dicts."""
    data: dict[str, Any] = {"plan": {}}
    for question in QUESTIONS:
        if question.fills and question.id in a:
            *parents, name = question.fills.split(".")
            target = data
            for parent in parents:
                target = target.setdefault(parent, {})
            target[name] = _value(question, a[question.id])
    return data


def _standing_for_others(a: dict[str, Any], plan: dict[str, Any], medicare: bool) -> None:
    """The answers that stand for another answer's value, which the loop cannot read alone.
    `medicare`: original Medicare's deductible is set by law (the estimator's default when the
    plan gives none), so "All of it" paid is that amount."""
    if a.get("deductible") == "met":
        # Met this year: nothing of it is left to pay, whatever its amount. As none at all, the
        # walk is the same; only the floor of the out-of-pocket amount met (at least the
        # deductible) is lost, which widens a range and never misses the truth.
        plan["deductible"] = plan["deductible_met"] = Decimal(0)
    for side in ("", "oon_"):  # "All of it" paid: the deductible's amount
        if plan.get(side + "deductible_met") == "all":
            law = MEDICARE_PART_B_DEDUCTIBLE if medicare and not side else None
            plan[side + "deductible_met"] = plan.get(side + "deductible") or law
    if "cost_share" in a and a["cost_share"] is None:  # how costs are shared is not known
        plan["copay"] = plan["coinsurance_pct"] = None


def _state(facts: Facts, a: dict[str, Any]) -> str | None:
    """The state whose rules apply: after a car accident the one the car is insured in (asked
    even with a clinic link: Florida's PIP rules bind Florida policies, not Florida clinics),
    else the clinic's."""
    if facts.medical and facts.payer == "auto":
        return a.get("state")
    return facts.clinic.state if facts.clinic else a.get("state")


def _diagnoses(a: dict[str, Any]) -> list[str] | None:
    """Every code given, the billable code picked in place of the one it refines."""
    if "diagnosis" not in a:
        return None  # not asked (no prescription): the patient does not know one
    return diagnosis.final_codes(a)


def with_unknowns(facts: Facts) -> Facts:
    """The answers with every question that applies and was not asked as "I don't know": the
    first estimate is the range of what those answers can be (a question can open another)."""
    answers = dict(facts.answers)
    while missing := open_questions(Facts(answers, facts.clinic, facts.today)):
        answers.update({q.id: None for q in missing})
    return Facts(answers, facts.clinic, facts.today)


def build_scenario(facts: Facts) -> Scenario:
    """The estimator's scenario for these answers; questions not asked are unknown."""
    facts = with_unknowns(facts)
    a = relevant_answers(facts)
    clinic = facts.clinic
    minutes = clinic.session_minutes if clinic else (a.get("minutes") or DEFAULT_MINUTES)
    units = units_for_minutes(minutes)
    data = _filled(a)
    _standing_for_others(a, data["plan"], facts.plan_payer == "medicare")
    data.update({
        # No insurer pays for relaxation (the question is not asked): the patient pays.
        "payer": a.get("payer") or ("commercial" if facts.medical else "self_pay"),
        "purpose": a.get("purpose") or "medical",
        "provider_type": facts.provider,
        # Relaxation: the price of one session, unless the patient plans more.
        "sessions": a.get("sessions") or (DEFAULT_SESSIONS if facts.medical else 1),
        "session_minutes": minutes,
        "fees": _fees(facts, clinic, units),
        "hsa_fsa": a.get("account") or "none",
        "lmn": a.get("lmn") == "yes",
        "state": _state(facts, a),
    })
    if clinic is not None:
        data["cpt_code"] = clinic.cpt_code
    if "plan_year" in a:  # the month the plan year starts, on its first day; None: not known
        month = a["plan_year"]
        data["plan"]["year_start"] = None if month is None else {"month": int(month), "day": 1}
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
    return Scenario.model_validate(data)
