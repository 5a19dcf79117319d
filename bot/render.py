"""Prompts and estimates as plain localized text (gettext + Babel formatting).

Channels add their own markup around it (Telegram escapes it for HTML, the terminal prints it).
Message ids are whole sentences with named placeholders; reason, route and step codes from the
estimator are worded here, never in the estimator.
"""

from decimal import Decimal
from typing import Any

from bot.clinics import ClinicDirectory
from bot.i18n import N_, Translator
from bot.interview.engine import options_for
from bot.interview.facts import Facts
from bot.interview.model import InterviewState, Option, Prompt
from bot.interview.questions import BY_ID, QUESTIONS
from estimator import Estimate, Scenario

ACTIONS = {
    "unknown": N_("I don't know"),
    "back": N_("Back"),
    "help": N_("What does this mean?"),
    "change": N_("Change an answer"),
    "restart": N_("Start over"),
    "glossary": N_("Glossary"),
}

PAYER_NAMES = {
    "commercial": N_("health plan"),
    "medicare": N_("Medicare"),
    "medicare_advantage": N_("Medicare Advantage plan"),
    "medicaid": N_("Medicaid plan"),
    "workers_comp": N_("workers' compensation insurer"),
    "auto": N_("auto insurer"),
}

VERDICTS = {
    "likely": N_("Good news: your %(payer)s will likely pay for this massage."),
    "uncertain": N_("Your %(payer)s may pay for this massage, but some answers are still open."),
    "unlikely": N_("As things stand, your %(payer)s is unlikely to pay for this massage."),
    "not_covered": N_("Your %(payer)s will not pay for this massage."),
}
VERDICT_SELF_PAY = N_("You are paying yourself, so there is no insurer to bill.")
VERDICT_RELAXATION = N_("Massage for relaxation is not covered by any insurance.")

REASONS = {
    "relaxation_not_covered": N_("Insurers pay only for massage that treats a medical "
                                 "condition."),
    "no_insurance": N_("Without insurance you pay the clinic directly."),
    "no_prescription": N_("There is no prescription: insurers pay a massage therapist only "
                          "with one."),
    "no_diagnosis": N_("There is no diagnosis code, which every claim needs."),
    "invalid_diagnosis": N_("The diagnosis code is not a valid ICD-10-CM code."),
    "nonbillable_diagnosis": N_("The diagnosis code is too general to be billed: a more "
                                "specific code is needed."),
    "preauth_required": N_("The plan requires pre-authorization, which you don't have yet."),
    "preauth_unknown": N_("We don't know whether the plan requires pre-authorization."),
    "network_unknown": N_("We don't know whether the clinic is in your plan's network."),
    "oon_benefits_unknown": N_("We don't know whether your plan pays for out-of-network care."),
    "out_of_network_not_covered": N_("Your plan pays nothing out of network."),
    "provider_not_covered": N_("Your plan does not cover licensed massage therapists."),
    "provider_coverage_unknown": N_("We don't know whether your plan covers licensed massage "
                                    "therapists."),
    "medicare_excludes_massage_therapists": N_("Original Medicare does not pay licensed massage "
                                               "therapists."),
    "visit_limit_reached": N_("Some or all sessions are beyond your plan's visit limit."),
    "medicaid_varies": N_("Medicaid coverage of massage differs by state and plan."),
    "amount_unknown": N_("Some amounts are unknown, so the cost is a range."),
    "claim_not_accepted": N_("Your workers' compensation claim was not accepted."),
    "claim_unknown": N_("Your workers' compensation claim is not accepted yet."),
    "pip_excludes_massage": N_("Florida's PIP coverage excludes massage, whoever provides it."),
    "pip_unknown": N_("We don't know how much PIP or MedPay coverage is left."),
    "prescription_unknown": N_("We don't know whether you have a prescription."),
    "diagnosis_unknown": N_("We don't know the diagnosis code yet."),
    "hdhp_deductible_always_applies": N_("On a high-deductible plan the deductible applies to "
                                         "massage, so we counted it."),
}

ROUTES = {
    "insurance": N_("Bill your insurance"),
    "insurance_then_cash": N_("Insurance up to the visit limit, then the cash price"),
    "workers_comp": N_("Workers' compensation"),
    "auto_pip": N_("Auto insurance (PIP or MedPay)"),
    "self_pay": N_("Pay the clinic yourself"),
    "hsa_fsa": N_("Pay from your HSA/FSA"),
}

TOPICS = {
    "network": N_("whether the clinic is in network"),
    "preauth": N_("whether pre-authorization is required"),
    "provider_coverage": N_("whether licensed massage therapists are covered"),
    "oon_benefits": N_("whether out-of-network care is covered"),
    "allowed_per_unit": N_("the plan's price (allowed amount) for massage, CPT 97124"),
    "oon_allowed_per_unit": N_("the out-of-network allowed amount for massage"),
    "deductible": N_("your deductible"),
    "deductible_met": N_("how much of your deductible is met"),
    "deductible_applies": N_("whether the deductible applies to these visits"),
    "copay": N_("your copay"),
    "coinsurance_pct": N_("your coinsurance"),
    "oop_max": N_("your out-of-pocket maximum"),
    "oop_met": N_("how much of your out-of-pocket maximum is met"),
    "oon_deductible": N_("your out-of-network deductible"),
    "oon_deductible_met": N_("how much of your out-of-network deductible is met"),
    "oon_coinsurance_pct": N_("your out-of-network coinsurance"),
    "oon_oop_max": N_("your out-of-network out-of-pocket maximum"),
    "oon_oop_met": N_("how much of your out-of-network out-of-pocket maximum is met"),
    "visit_limit": N_("your visit limit"),
    "visits_used": N_("how many visits you have used"),
    "oon_covered": N_("whether out-of-network care is covered"),
    "pip_remaining": N_("how much PIP or MedPay is left"),
    "claim_accepted": N_("whether your claim is accepted"),
}

PROVIDERS = {
    "massage_therapist": N_("massage therapist"),
    "physical_therapist": N_("physical therapist"),
    "chiropractor": N_("chiropractor"),
}

STEPS = {
    "get_prescription": N_("Ask your doctor for a prescription naming the diagnosis (ICD-10 code), "
                           "how often and for how long."),
    "use_billable_code": N_("Ask your doctor to use a specific code instead of %(code)s: "
                            "%(children)s."),
    "check_diagnosis_code": N_("Check the diagnosis code %(code)s with your doctor."),
    "ask_doctor_for_diagnosis_code": N_("Ask your doctor for the ICD-10 diagnosis code."),
    "see_physical_therapist": N_("Ask about massage as part of physical therapy, which the plan "
                                 "can cover."),
    "find_in_network_provider": N_("Look for an in-network clinic in your insurer's directory."),
    "request_preauth": N_("Ask the clinic to request pre-authorization before the first visit."),
    "ask_insurer": N_("Ask your insurer about %(topic)s."),
    "use_cash_after_limit": N_("After the visit limit, pay the clinic's cash price for the "
                               "remaining sessions."),
    "ask_for_lmn": N_("Ask your doctor for a Letter of Medical Necessity, so your HSA or FSA can "
                      "pay."),
    "confirm_wc_claim": N_("Ask the claims adjuster whether your claim is accepted."),
    "bring_wc_claim_number": N_("Give the clinic your workers' compensation claim number and the "
                                "doctor's order."),
    "ask_auto_insurer_pip_remaining": N_("Ask your auto insurer how much PIP or MedPay is left."),
    "file_pip_claim": N_("Open a PIP or MedPay claim with your auto insurer and give the clinic "
                         "the claim number."),
    "request_good_faith_estimate": N_("Ask the clinic for a Good Faith Estimate: paying "
                                      "yourself, you have a right to one in writing."),
}

NOTES = {
    "cash_not_counted_toward_deductible": N_("Paying cash is cheaper here, but cash payments do "
                                             "not count toward your deductible or out-of-pocket "
                                             "maximum."),
    "in_network_cash_only_if_not_billed": N_("An in-network clinic may take the cash price only "
                                             "if you choose not to bill your plan."),
    "fsa_use_it_or_lose_it": N_("FSA money not used by your plan's deadline is lost."),
}

DISCLAIMER = N_("This is an estimate, not a guarantee of payment: your insurer decides when it "
                "processes the claim.")
UNKNOWN_ANSWER = N_("don't know")


def option_label(option: Option, t: Translator) -> str:
    return t.gettext(option.label, **option.params)


def action_label(kind: str, t: Translator) -> str:
    return t.gettext(ACTIONS[kind])


def _format(value: Any, style: str, t: Translator) -> str:
    if value is None:
        return ""
    if style == "money":
        return t.money(Decimal(value))
    if style == "percent":
        return t.percent(Decimal(value))
    return t.number(value)


def _problem_text(problem, t: Translator) -> str:
    params = dict(problem.params)
    style = params.pop("format", None)
    if style:
        params = {k: _format(v, style, t) for k, v in params.items()}
    return t.gettext(problem.message, **params)


def prompt_text(prompt: Prompt, t: Translator) -> str:
    """The prompt's whole text: a note, what was wrong with the last reply, the question, and its
    explanation when asked for. The result prompt is the explanation of the estimate."""
    parts: list[str] = []
    if prompt.kind == "glossary":
        parts.append(glossary_text(t))
    if prompt.note:
        parts.append(_problem_text(prompt.note, t))
    if prompt.problem:
        parts.append(_problem_text(prompt.problem, t))
    if prompt.kind == "change":
        parts.append(t.gettext("Which answer do you want to change?"))
    elif prompt.estimate is not None and prompt.scenario is not None:
        parts.append(explain(prompt.estimate, prompt.scenario, t, prompt.previous_total))
    elif prompt.message:
        parts.append(t.gettext(prompt.message, **prompt.params))
        if prompt.help:
            parts.append(t.gettext(BY_ID[prompt.question_id].help if prompt.question_id
                                   else prompt.help))
    return "\n\n".join(parts)


# --- the result ------------------------------------------------------------------------------

def verdict_text(e: Estimate, s: Scenario, t: Translator) -> str:
    if s.purpose == "relaxation":
        return t.gettext(VERDICT_RELAXATION)
    if s.payer == "self_pay":
        return t.gettext(VERDICT_SELF_PAY)
    return t.gettext(VERDICTS[e.coverage], payer=t.gettext(PAYER_NAMES[s.payer]))


def _cost_text(e: Estimate, s: Scenario, t: Translator) -> list[str]:
    n = s.sessions
    lines = []
    if e.range is not None and e.range.low != e.range.high:
        lines.append(t.ngettext(
            "Your cost for %(n)s session: between %(low)s and %(high)s.",
            "Your cost for %(n)s sessions: between %(low)s and %(high)s.", n,
            low=t.money(e.range.low), high=t.money(e.range.high)))
        if n > 1:
            lines.append(t.gettext("That is %(low)s to %(high)s per session.",
                                   low=t.money(_each(e.range.low, n)),
                                   high=t.money(_each(e.range.high, n))))
        if e.range.widened_by:
            lines.append(t.gettext("Knowing %(topic)s would narrow this the most.",
                                   topic=t.gettext(TOPICS[e.range.widened_by[0]])))
    else:
        lines.append(t.ngettext(
            "Your cost for %(n)s session: %(total)s.",
            "Your cost for %(n)s sessions: %(total)s.", n, total=t.money(e.totals.patient)))
        if n > 1:
            lines.append(t.gettext("That is about %(each)s per session.",
                                   each=t.money(_each(e.totals.patient, n))))
    if e.totals.insurer:
        lines.append(t.gettext("Your insurer would pay %(amount)s.",
                               amount=t.money(e.totals.insurer)))
    return lines


def _each(total: Decimal, n: int) -> Decimal:
    return (total / n).quantize(Decimal("0.01"))


def _routes_text(e: Estimate, t: Translator) -> list[str]:
    lines = [t.gettext("Ways to pay:")]
    for route in e.routes:
        name = t.gettext(ROUTES[route.route])
        amount = t.money(route.patient_total)
        if route.route == e.best_route:
            lines.append("• " + t.gettext("%(route)s: %(amount)s (cheapest)", route=name,
                                          amount=amount))
        elif route.available:
            lines.append("• " + t.gettext("%(route)s: %(amount)s", route=name, amount=amount))
        else:
            lines.append("• " + t.gettext("%(route)s: not available now", route=name))
        if route.route == "hsa_fsa" and route.tax_savings:
            lines.append("  " + t.gettext("(saves about %(amount)s in taxes)",
                                          amount=t.money(route.tax_savings)))
    return lines


def _step_text(code: str, params: dict[str, Any], t: Translator) -> str:
    if code == "ask_insurer":
        topic = TOPICS.get(params.get("topic"))
        return t.gettext(STEPS[code], topic=t.gettext(topic)) if topic else ""
    if code == "use_billable_code":
        return t.gettext(STEPS[code], code=params["code"],
                         children=t.join(list(params.get("children", []))))
    if code == "check_diagnosis_code":
        return t.gettext(STEPS[code], code=params["code"])
    return t.gettext(STEPS[code])


def explain(
    e: Estimate, s: Scenario, t: Translator, previous_total: Decimal | None = None
) -> str:
    """The estimate in plain language: verdict, why, cost, ways to pay, next steps, disclaimer."""
    blocks = [verdict_text(e, s, t)]
    reasons = [t.gettext(REASONS[r]) for r in e.reasons if r in REASONS]
    if reasons:
        blocks.append("\n".join(reasons))
    cost = _cost_text(e, s, t)
    if previous_total is not None and previous_total != e.totals.patient:
        cost.append(t.gettext("Before the change: %(old)s. Now: %(new)s.",
                              old=t.money(previous_total), new=t.money(e.totals.patient)))
    blocks.append("\n".join(cost))
    blocks.append("\n".join(_routes_text(e, t)))
    if e.next_steps:
        steps = [t.gettext("Next steps:")]
        texts = (_step_text(step.code, step.params, t) for step in e.next_steps
                 if step.code in STEPS)
        steps += ["☐ " + text for text in texts if text]
        blocks.append("\n".join(steps))
    if e.notes:
        blocks.append("\n".join(t.gettext(NOTES[n]) for n in e.notes if n in NOTES))
    blocks.append(t.gettext(DISCLAIMER))
    return "\n\n".join(blocks)


def session_table(e: Estimate, t: Translator) -> str:
    """Session by session, monospace, for staff: what was billed and who pays what."""
    head = ["#", t.gettext("Billed"), t.gettext("Allowed"), t.gettext("Deduct."),
            t.gettext("Copay"), t.gettext("Coins."), t.gettext("Balance"), t.gettext("You"),
            t.gettext("Insurer")]
    rows = [[str(r.n), *(_plain(v) for v in (r.billed, r.allowed, r.deductible, r.copay,
                                              r.coinsurance, r.balance_bill, r.patient,
                                              r.insurer))] for r in e.sessions]
    total = ["Σ", "", "", "", "", "", "", _plain(e.totals.patient), _plain(e.totals.insurer)]
    table = [head, *rows, total]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    return "\n".join("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True))
                     for row in table)


def _plain(amount: Decimal) -> str:
    return f"{amount:.2f}"


GLOSSARY = (
    (N_("Deductible"), N_("What you pay each year before the plan starts to share costs.")),
    (N_("Copay"), N_("A fixed amount you pay per visit, such as $30.")),
    (N_("Coinsurance"), N_("Your percentage of the plan's price for each visit, such as 20%.")),
    (N_("Allowed amount"), N_("The price your plan recognizes for a service; your share is "
                              "computed on it, not on the clinic's full charge.")),
    (N_("Out-of-pocket maximum"), N_("The most you pay in a year for covered care; then the "
                                     "plan pays everything.")),
    (N_("In network"), N_("The clinic has a contract with your insurer and may not bill you more "
                          "than the plan's price.")),
    (N_("Balance bill"), N_("Out of network, the clinic may bill you the difference between its "
                            "charge and the allowed amount.")),
    (N_("Pre-authorization"), N_("The plan's approval of the treatment before it starts.")),
    (N_("ICD-10 code"), N_("The diagnosis code on your prescription, such as M54.50.")),
    (N_("HSA / FSA"), N_("Accounts that pay for medical care with untaxed money.")),
    (N_("Letter of Medical Necessity"), N_("A doctor's letter explaining why you need massage, "
                                           "so an HSA or FSA can pay for it.")),
    (N_("PIP / MedPay"), N_("Auto insurance that pays medical bills after a car accident.")),
    (N_("Good Faith Estimate"), N_("A written estimate of charges that clinics must give "
                                   "patients who pay themselves.")),
)


def glossary_text(t: Translator) -> str:
    lines = [t.gettext("Glossary")]
    lines += [f"• {t.gettext(term)}: {t.gettext(meaning)}" for term, meaning in GLOSSARY]
    return "\n".join(lines)


# --- the record of answers -------------------------------------------------------------------

def answer_text(question_id: str, value: Any, facts: Facts, t: Translator) -> str:
    """An answer as the patient would say it: the option's label, or the amount formatted."""
    if value is None:
        return t.gettext(UNKNOWN_ANSWER)
    question = BY_ID[question_id]
    for option in options_for(question, facts):
        if option.value == value:
            return option_label(option, t)
    if question.kind == "amount":
        return t.money(Decimal(value))
    if question.kind == "percent":
        return t.percent(Decimal(value))
    return str(value)


def answers_summary(
    state: InterviewState, clinics: ClinicDirectory | None, t: Translator
) -> list[str]:
    """Short "Title: answer" lines for the answers given so far, in the catalog's order."""
    clinic = clinics.get(state.clinic) if clinics is not None and state.clinic else None
    facts = Facts(state.answers, clinic)
    return [f"{t.gettext(q.title)}: {answer_text(q.id, state.answers[q.id], facts, t)}"
            for q in QUESTIONS if q.id in state.answers]
