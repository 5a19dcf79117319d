"""Next steps: what the patient can do to get paid, as codes with parameters.

Codes are stable snake_case strings; the bot words them in the patient's language.
"""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from .chains import CHAINS
from .domains import COVERAGE_UNKNOWNS
from .estimate import Accounts, DiagnosisCheck, NextStep, Route, SessionRow
from .money import ZERO
from .parameters import EVERY_CATEGORY_OF_PROVIDER_STATES, KX_THRESHOLD, KX_THRESHOLDS
from .scenario import Scenario

# The recommended route's own steps that the patient takes to the clinic.
AT_THE_CLINIC = frozenset({"bring_insurance_card", "bring_prescription", "bring_doctors_order"})
# How many of the unknowns that widen the range most become "ask your insurer" steps.
ASK_ABOUT_TOP = 3
# Unknowns the insurer cannot answer (the clinic knows whether it takes Medicare assignment).
NOT_FOR_THE_INSURER = COVERAGE_UNKNOWNS | {"medicare_participating"}


def step(name: str, /, **params: Any) -> NextStep:
    return NextStep(code=name, params=params)





def _diagnosis_steps(s: Scenario, found: set[str], diagnoses: Sequence[DiagnosisCheck]
                     ) -> list[NextStep]:
    steps: list[NextStep] = []
    for d in diagnoses:
        if d.status == "nonbillable" and d.needs_seventh_character:
            steps.append(step("add_seventh_character", code=d.code, children=d.billable_children))
        elif d.status == "nonbillable":
            steps.append(step("use_billable_code", code=d.code, children=d.billable_children))
        elif d.status == "invalid":
            steps.append(step("check_diagnosis_code", code=d.code))
    if {"external_cause_only", "wellness_diagnosis"} & found:
        code = next(d.code for d in diagnoses if d.kind != "condition")
        steps.append(step("use_condition_code", code=code))
    if s.payer != "self_pay" and ({"no_diagnosis", "diagnosis_unknown"} & found):
        steps.append(step("ask_doctor_for_diagnosis_code"))
    return steps


def _plan_steps(s: Scenario, found: set[str], widened_by: Sequence[str]) -> list[NextStep]:
    steps: list[NextStep] = []
    if {"medicare_excludes_massage_therapists", "provider_not_covered"} & found:
        # Original Medicare covers massage only inside a physical therapist's plan of care
        # (DOMAIN.md "Who pays"): say so, not what "many plans" do.
        steps.append(step("see_physical_therapist_medicare" if s.plan_payer == "medicare"
                          else "see_physical_therapist"))
    # State mandates bind fully insured commercial plans only (not Medicare Advantage, whose
    # benefits federal law sets, nor self-funded plans: hence an appeal that "may" work).
    if ({"provider_not_covered", "provider_coverage_unknown"} & found
            and s.state in EVERY_CATEGORY_OF_PROVIDER_STATES and s.plan_payer == "commercial"):
        steps.append(step("appeal_state_mandate", state=s.state))
    if {"out_of_network_not_covered", "out_of_network_unlikely",
            "medicaid_provider_not_enrolled"} & found:
        steps.append(step("find_in_network_provider"))
    if "preauth_required" in found:
        steps.append(step("request_preauth"))
    for topic, reason in (("network", "network_unknown"), ("preauth", "preauth_unknown"),
                          ("provider_coverage", "provider_coverage_unknown"),
                          ("oon_benefits", "oon_benefits_unknown"),
                          ("oon_benefits", "out_of_network_unlikely")):
        if reason in found:
            steps.append(step("ask_insurer", topic=topic))
    for field in [f for f in widened_by if f not in NOT_FOR_THE_INSURER][:ASK_ABOUT_TOP]:
        steps.append(step("ask_insurer", topic=field))
    if s.plan_payer == "medicare" and s.provider_type == "physical_therapist":
        # Outpatient therapy needs a physician-certified plan of care (42 CFR 424.24(c)).
        steps.append(step("physician_certified_plan_of_care"))
    return steps


def kx_threshold(year: int) -> tuple[int, Decimal]:
    """The KX threshold for a calendar year, with the year of the figure used: the latest
    published one not after it (a later year's is not published yet)."""
    published = [y for y in KX_THRESHOLDS if y <= year]
    known = max(published) if published else min(KX_THRESHOLDS)
    return known, KX_THRESHOLDS[known]


def _kx_step(s: Scenario, rows: Sequence[SessionRow]) -> list[NextStep]:
    """Above the yearly therapy threshold Medicare claims need the KX modifier (DOMAIN.md
    "Medicare and Medicaid"). The threshold is yearly: a dated course's approved amounts are
    counted per calendar year, and the step names the year whose amounts pass it."""
    if s.plan_payer != "medicare":
        return []
    plan_rows = [r for r in rows if r.paid_by == "health_plan"]
    if not plan_rows or plan_rows[0].date is None:
        year, threshold = KX_THRESHOLD
        approved = sum((r.allowed for r in plan_rows), ZERO)
        if approved > threshold:
            return [step("kx_modifier", threshold=f"{threshold:.2f}", year=year)]
        return []
    by_year: dict[int, Decimal] = {}
    for r in plan_rows:
        assert r.date is not None
        by_year[r.date.year] = by_year.get(r.date.year, ZERO) + r.allowed
    steps = []
    for course_year, approved in by_year.items():
        year, threshold = kx_threshold(course_year)
        if approved > threshold:
            steps.append(step("kx_modifier", threshold=f"{threshold:.2f}", year=year,
                              course_year=course_year, approved=f"{approved:.2f}"))
    return steps


def next_steps(
    s: Scenario,
    reasons: Sequence[str],
    diagnoses: Sequence[DiagnosisCheck],
    widened_by: Sequence[str],
    best: Route,
    rows: Sequence[SessionRow],
    accounts: Accounts | None,
    plan_reasons: Sequence[str] = (),
) -> list[NextStep]:
    """The steps for this patient. `plan_reasons` are the findings about the plan behind auto or
    workers' comp, given only when the recommended route may reach that plan."""
    if s.purpose == "relaxation":
        return [step("request_good_faith_estimate")] if best.route == "self_pay" else []
    found = set(reasons) | set(plan_reasons)
    plan_used = s.health_plan or bool(plan_reasons)
    # What the recommended route needs at the clinic comes first (card, prescription, claim).
    steps: list[NextStep] = [done for done in best.steps if done.code in AT_THE_CLINIC]
    insured = s.payer != "self_pay"
    if insured and s.prescription is not True:
        if {"no_referral", "referral_unknown"} & found:
            steps.append(step("get_referral"))
        else:
            # Physical therapists and chiropractors are direct-access: it only helps the claim.
            steps.append(step("get_prescription", provider=s.provider_type))
    steps += _diagnosis_steps(s, found, diagnoses)
    if plan_used:
        steps += _plan_steps(s, found, widened_by)
    else:
        steps += [step("ask_insurer", topic=f) for f in widened_by[:ASK_ABOUT_TOP]
                  if f not in NOT_FOR_THE_INSURER]
    steps += _payer_steps(s, found, best, rows)
    chain = CHAINS[best.route]
    if chain.plan and s.network == "out" and s.plan_payer != "medicare":
        steps.append(step("submit_claim_yourself"))
    steps += [done for done in best.steps if done.code == "use_cash_after_limit"]
    steps += _kx_step(s, rows)
    if accounts is not None and not accounts.eligible:
        steps.append(step("ask_for_lmn"))
    if any(r.paid_by == "cash" for r in rows) and chain.cash_tail:
        steps.append(step("request_good_faith_estimate"))
    return _unique(steps)


def _unique(steps: list[NextStep]) -> list[NextStep]:
    seen: list[NextStep] = []
    for item in steps:
        if item not in seen:
            seen.append(item)
    return seen


def _payer_steps(s: Scenario, found: set[str], best: Route, rows: Sequence[SessionRow]
                 ) -> list[NextStep]:
    steps: list[NextStep] = []
    if s.payer == "workers_comp":
        if "claim_unknown" in found:
            steps.append(step("confirm_wc_claim"))
        if "claim_not_accepted" not in found:
            steps.append(step("bring_wc_claim_number"))
    if s.payer == "auto" and not {"pip_excludes_massage", "pip_exhausted"} & found:
        if "pip_unknown" in found:
            steps.append(step("ask_auto_insurer_pip_remaining"))
        steps.append(step("file_pip_claim", state=s.state))
    if "pip_excludes_massage" in found:
        # Manual therapy (97140) by a physical therapist or chiropractor is not massage, and is
        # billed to PIP (DOMAIN.md "Alternative routes", Fla. Stat. 627.736(1)(a)).
        steps.append(step("ask_about_manual_therapy"))
    if s.payer in ("auto", "workers_comp") and s.fallback_payer is None:
        steps += _health_plan_step(s, found, best, rows)
    return steps


def _health_plan_step(s: Scenario, found: set[str], best: Route, rows: Sequence[SessionRow]
                      ) -> list[NextStep]:
    """Whether and when a health plan not yet in the answers could pay. PIP or MedPay pays up to
    its limit, then the plan; authorized workers' comp treatment costs the worker nothing, so the
    plan pays only if the claim is not accepted (DOMAIN.md "Alternative routes")."""
    closed = {"pip_excludes_massage", "pip_exhausted", "claim_not_accepted"} & found
    if closed:  # the first payer pays nothing: a health plan pays instead of it, not after it
        return [step("tell_us_about_health_plan_instead")]
    if s.payer == "auto":
        return [step("tell_us_about_health_plan_after_pip")]
    if s.workers_comp.claim_accepted is None:
        return [step("tell_us_about_health_plan_if_claim_denied")]
    if best.patient_total == ZERO and all(r.paid_by == "workers_comp" for r in rows):
        return []  # the accepted claim pays for everything: nothing is left for a plan
    return [step("tell_us_about_health_plan_instead")]
