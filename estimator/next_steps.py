"""Next steps: what the patient can do to get paid, as codes with parameters.

Codes are stable snake_case strings; the bot words them in the patient's language.
"""

from collections.abc import Sequence

from .estimate import DiagnosisCheck, NextStep, Route
from .scenario import Scenario

# How many of the unknowns that widen the range most become "ask your insurer" steps.
ASK_ABOUT_TOP = 3


def _step(step: str, **params) -> NextStep:
    return NextStep(code=step, params=params)


def next_steps(
    s: Scenario,
    reasons: Sequence[str],
    diagnoses: Sequence[DiagnosisCheck],
    widened_by: Sequence[str],
    routes: Sequence[Route],
    best_route: str,
) -> list[NextStep]:
    if s.purpose == "relaxation":
        return [_step("request_good_faith_estimate")] if best_route == "self_pay" else []
    found = set(reasons)
    steps: list[NextStep] = []
    insured = s.payer != "self_pay"
    if insured and s.prescription is not True:
        # Physical therapists and chiropractors are direct-access: there it only helps the claim.
        steps.append(_step("get_prescription", provider=s.provider_type))
    for d in diagnoses:
        if d.status == "nonbillable":
            steps.append(_step("use_billable_code", code=d.code, children=d.billable_children))
        elif d.status == "invalid":
            steps.append(_step("check_diagnosis_code", code=d.code))
    if insured and ({"no_diagnosis", "diagnosis_unknown"} & found):
        steps.append(_step("ask_doctor_for_diagnosis_code"))
    if "medicare_excludes_massage_therapists" in found or "provider_not_covered" in found:
        steps.append(_step("see_physical_therapist"))
    if "out_of_network_not_covered" in found:
        steps.append(_step("find_in_network_provider"))
    if "preauth_required" in found:
        steps.append(_step("request_preauth"))
    for topic, reason in (("network", "network_unknown"), ("preauth", "preauth_unknown"),
                          ("provider_coverage", "provider_coverage_unknown"),
                          ("oon_benefits", "oon_benefits_unknown")):
        if reason in found:
            steps.append(_step("ask_insurer", topic=topic))
    for field in widened_by[:ASK_ABOUT_TOP]:
        if field not in ("network", "oon_covered", "pip_remaining", "claim_accepted"):
            steps.append(_step("ask_insurer", topic=field))
    steps += _route_steps(s, found, routes, best_route)
    return steps


def _route_steps(
    s: Scenario, found: set[str], routes: Sequence[Route], best_route: str
) -> list[NextStep]:
    steps: list[NextStep] = []
    by_name = {r.route: r for r in routes}
    if s.payer == "workers_comp":
        if "claim_unknown" in found:
            steps.append(_step("confirm_wc_claim"))
        if "claim_not_accepted" not in found:
            steps.append(_step("bring_wc_claim_number"))
    if s.payer == "auto" and "pip_excludes_massage" not in found:
        if "pip_unknown" in found:
            steps.append(_step("ask_auto_insurer_pip_remaining"))
        steps.append(_step("file_pip_claim", state=s.state))
    if best_route == "insurance_then_cash":
        beyond = by_name["insurance_then_cash"].steps[-1]
        steps.append(beyond)
    hsa = by_name.get("hsa_fsa")
    if hsa is not None and not hsa.available and s.purpose == "medical":
        steps.append(_step("ask_for_lmn"))
    if best_route in ("self_pay", "hsa_fsa") and (
        best_route == "self_pay" or (hsa is not None and hsa.pays_for == "self_pay")
    ):
        steps.append(_step("request_good_faith_estimate"))
    return steps
