"""The estimate in plain language: the one place that words it, for every channel.

`explain` gives, in blocks separated by a blank line: the headline (the recommended way to pay
and its total for the course and per session, both ends when it is a range), who pays for how
many sessions, the other ways to pay, what an HSA/FSA/HRA can pay, the reasons, the next steps,
the notes and the disclaimer. The wording of each code is in `bot.render.codes`.
"""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from bot.i18n import Translator
from estimator import Estimate, Route, Scenario
from estimator.parameters import MEDICARE_PART_B_YEAR

from .accounts import fsa_year_lines, hsa_balance_line
from .calendar import CALENDAR_CODES, calendar_step, plan_years_text, schedule_text
from .codes import (
    ACCOUNT_CANNOT_PAY,
    ACCOUNT_EMPTY,
    ACCOUNT_NOTE_NO_PLAN,
    ACCOUNT_NOTES,
    ACCOUNT_PAYS_ALL,
    ACCOUNT_PAYS_PART,
    ACCOUNT_TAX_SAVINGS,
    ACCOUNT_WHY_NOT,
    APPEAL_STATE_MANDATE,
    APPEAL_STATE_MANDATE_OTHER,
    DISCLAIMER,
    DISCLAIMER_SELF_PAY,
    HEADLINES,
    HEADLINES_BY_PLAN,
    MEDICARE_LIMITING_CHARGE_PCT,
    MEDICARE_PART_B_COINSURANCE_PCT,
    MEDICARE_PART_B_DEDUCTIBLE,
    NOTE_MEDICARE_LIMITING_CHARGE,
    NOTE_MEDICARE_PART_B_DEFAULTS,
    NOTE_MEDICARE_PART_B_LATER_YEAR,
    NOTES,
    PAYER_NAMES,
    RANGE_REASONS,
    REASONS,
    ROUTE_REASONS,
    ROUTES,
    ROUTES_BY_PLAN,
    SELF_PAY_PRICE_UNKNOWN,
    STEPS,
    TOPICS,
    VERDICT_RELAXATION,
    VERDICT_SELF_PAY,
    VERDICTS,
)
from .insurer_call import QUESTIONS as CALL_QUESTIONS
from .insurer_call import call_script
from .paperwork import once_fixed_lines
from .plan_share import (
    allowed_known,
    balance_line,
    deductible_lines,
    deductible_open,
    sentence,
    visit_limit_guessed,
    visit_limit_line,
)

# The payers of a route, in the order they pay (the route's name spells the chain).
_CHAIN_PAYERS = (
    ("workers_comp", "workers_comp"), ("auto_pip", "pip"), ("insurance", "health_plan"),
)


def _payers(route: str) -> list[str]:
    return [paid_by for prefix, paid_by in _CHAIN_PAYERS if prefix in route]


def _payer_name(paid_by: str, s: Scenario, t: Translator) -> str:
    """The payer as a sentence names it: the health plan by its kind ("your health plan",
    "Medicare"), or the auto or workers' compensation insurer."""
    if paid_by == "pip":
        return t.gettext(PAYER_NAMES["auto"])
    if paid_by == "workers_comp":
        return t.gettext(PAYER_NAMES["workers_comp"])
    plan = s.plan_payer if s.plan_payer in PAYER_NAMES else "commercial"
    return t.gettext(PAYER_NAMES[plan])


def _each(total: Decimal, n: int) -> Decimal:
    return (total / n).quantize(Decimal("0.01"))


def cost_span(e: Estimate) -> tuple[Decimal, Decimal]:
    """The recommended route's total for the course, best and worst case (equal when known)."""
    if e.range is not None and e.range.low != e.range.high:
        return e.range.low, e.range.high
    return e.recommended.patient_total, e.recommended.patient_total


def cost_text(e: Estimate, t: Translator) -> str:
    """The course's cost as one figure, or "X to Y" (for a title or a table cell)."""
    low, high = cost_span(e)
    if low == high:
        return t.money(high)
    return t.gettext("%(low)s to %(high)s", low=t.money(low), high=t.money(high))


# --- the headline ----------------------------------------------------------------------------

def headline_text(
    e: Estimate, s: Scenario, t: Translator, previous_total: Decimal | None = None
) -> str:
    """The recommended way to pay and what it costs for the course and per session."""
    n = s.sessions
    low, high = cost_span(e)
    lines = [recommendation_text(e, s, t)]
    if low != high:
        cost = t.ngettext(
            "Your cost for %(n)s session: between %(low)s and %(high)s.",
            "Your cost for %(n)s sessions: between %(low)s and %(high)s.", n,
            low=t.money(low), high=t.money(high))
        if n > 1:
            cost += " " + t.gettext("That is %(low)s to %(high)s per session.",
                                    low=t.money(_each(low, n)), high=t.money(_each(high, n)))
    else:
        cost = t.ngettext("Your cost for %(n)s session: %(total)s.",
                          "Your cost for %(n)s sessions: %(total)s.", n, total=t.money(high))
        if n > 1 and high:
            cost += " " + t.gettext("That is about %(each)s per session.",
                                    each=t.money(_each(high, n)))
    lines.append(cost)
    lines += once_fixed_lines(e, s, t)
    if low != high and e.range is not None and e.range.widened_by:
        topic = TOPICS.get(e.range.widened_by[0])
        if topic:
            lines.append(t.gettext("Knowing %(topic)s would narrow this the most.",
                                   topic=t.gettext(topic)))
    if previous_total is not None and previous_total != e.totals.patient:
        lines.append(t.gettext("Before the change: %(old)s. Now: %(new)s.",
                               old=t.money(previous_total), new=t.money(e.totals.patient)))
    return "\n".join(lines)


# --- who pays --------------------------------------------------------------------------------

def coverage_text(e: Estimate, s: Scenario, t: Translator) -> str:
    """Who pays for how many of the sessions in the recommended plan; when paying cash is
    recommended, why."""
    if e.recommended.route == "self_pay":
        lines = _cash_recommended(e, s, t)
    elif _pip_left_unknown(e, s):
        return "\n".join(_pip_pays_first(e, s, t))
    else:
        lines = _payers_pay(e, s, t)
    if e.recommended.route != "self_pay":
        lines += _insurers_pay(e, s, t)
    return "\n".join(sentence(line) for line in lines)


def _insurer_figure_known(e: Estimate, s: Scenario) -> bool:
    """What the insurers pay is a figure, not a guess: the estimate is exact and, when the plan
    pays, its allowed amount is known (an unknown one is only assumed)."""
    plan_pays = any(r.paid_by == "health_plan" and r.insurer for r in e.sessions)
    return e.range is None and (not plan_pays or allowed_known(s))


def _insurers_pay(e: Estimate, s: Scenario, t: Translator) -> list[str]:
    """What the insurers would pay. Workers' compensation's payment is not a figure we know:
    only that authorized treatment costs the worker nothing (DOMAIN.md "Alternative routes")."""
    if not any(r.paid_by == "workers_comp" for r in e.sessions):
        if not e.totals.insurer or not _insurer_figure_known(e, s):
            return []
        return [t.gettext("Insurance would pay %(amount)s.", amount=t.money(e.totals.insurer))]
    lines = [t.gettext("Your workers' compensation claim pays the clinic for its sessions.")]
    plan = sum((r.insurer for r in e.sessions if r.paid_by == "health_plan"), Decimal(0))
    if plan and _insurer_figure_known(e, s):
        lines.append(t.gettext("%(payer)s would pay %(amount)s.",
                               payer=_payer_name("health_plan", s, t), amount=t.money(plan)))
    return lines


def _pip_left_unknown(e: Estimate, s: Scenario) -> bool:
    """PIP or MedPay pays first and what is left of it is not known: how many sessions it pays
    for, and so what comes after, is the range itself (the session table is its worst case)."""
    return e.recommended.route.startswith("auto_pip") and s.auto.pip_remaining is None


def _pip_pays_first(e: Estimate, s: Scenario, t: Translator) -> list[str]:
    route, n = e.recommended.route, s.sessions
    if route.endswith("insurance") or route.endswith("insurance_then_cash"):
        line = t.ngettext(
            "Your auto insurer pays for your session if your PIP or MedPay benefit still covers "
            "it; if not, %(payer)s may pay for it.",
            "Your auto insurer pays first, for as many of your %(n)s sessions as your PIP or "
            "MedPay benefit still covers; %(payer)s may pay for the sessions after that.",
            n, payer=_payer_name("health_plan", s, t))
    else:
        line = t.ngettext(
            "Your auto insurer pays for your session if your PIP or MedPay benefit still covers "
            "it; if not, you pay for it yourself.",
            "Your auto insurer pays first, for as many of your %(n)s sessions as your PIP or "
            "MedPay benefit still covers; you pay for the sessions after that yourself.", n)
    return [line, t.gettext("Some answers are still open, so this is not certain yet.")]


def _payers_pay(e: Estimate, s: Scenario, t: Translator) -> list[str]:
    counts = {str(payer): n for payer, n in e.recommended.sessions_by_payer.items()}
    total = sum(counts.values()) or s.sessions
    order = _payers(e.recommended.route)
    order += [p for p in counts if p not in order and p != "cash"]
    paid = [(p, counts[p]) for p in order if counts.get(p)]
    covered = sum(k for _, k in paid)
    likely = e.coverage == "likely"
    guessed = visit_limit_guessed(e)
    if not paid:
        # The plan's payers pay for no session here: say where the payer stands, never "good news".
        verdict = "uncertain" if likely else e.coverage
        return [t.gettext(VERDICTS[verdict], payer=_payer_name(order[0], s, t))] if order else []
    lines: list[str] = []
    if guessed and len(paid) == 1 and paid[0][0] == "health_plan":
        # Sessions are left out only if the unknown visit limit is low: a condition, not a fact.
        payer = _payer_name("health_plan", s, t)
        if likely:
            lines.append(t.gettext("Good news: %(payer)s will likely pay for your sessions, up "
                                   "to its visit limit.", payer=payer))
        else:
            lines.append(t.gettext("%(payer)s may pay for your sessions, up to its visit limit.",
                                   payer=payer))
        lines.append(visit_limit_line(s, total - covered, total, t))
    elif covered == total and len(paid) == 1:
        payer = _payer_name(paid[0][0], s, t)
        if likely and total == 1:
            lines.append(t.gettext("Good news: %(payer)s will likely pay for this session.",
                                   payer=payer))
        elif likely:
            lines.append(t.ngettext(
                "Good news: %(payer)s will likely pay for each of your %(n)s session.",
                "Good news: %(payer)s will likely pay for each of your %(n)s sessions.",
                total, payer=payer))
        elif total == 1:
            lines.append(t.gettext("%(payer)s may pay for this session.", payer=payer))
        else:
            lines.append(t.ngettext(
                "%(payer)s may pay for each of your %(n)s session.",
                "%(payer)s may pay for each of your %(n)s sessions.", total, payer=payer))
    else:
        if covered == total and likely:
            lines.append(t.ngettext(
                "Good news: between them, your insurers will likely pay for each of your "
                "%(n)s session.",
                "Good news: between them, your insurers will likely pay for each of your "
                "%(n)s sessions.", total))
        for paid_by, k in paid:
            payer = _payer_name(paid_by, s, t)
            if likely:
                lines.append(t.ngettext(
                    # TRANSLATORS: n is the number of sessions in the course, covered how many
                    # of them this payer pays for ("12 of your 24 sessions").
                    "%(payer)s will likely pay for %(covered)s of your %(n)s session.",
                    "%(payer)s will likely pay for %(covered)s of your %(n)s sessions.",
                    total, payer=payer, covered=k))
            else:
                lines.append(t.ngettext(
                    # TRANSLATORS: n is the number of sessions in the course, covered how many
                    # of them this payer pays for ("12 of your 24 sessions").
                    "%(payer)s may pay for %(covered)s of your %(n)s session.",
                    "%(payer)s may pay for %(covered)s of your %(n)s sessions.",
                    total, payer=payer, covered=k))
        if covered < total and guessed:
            lines.append(visit_limit_line(s, total - covered, total, t))
        elif covered < total:
            lines.append(t.ngettext("You pay for the remaining session yourself.",
                                    "You pay for the remaining %(n)s sessions yourself.",
                                    total - covered))
    lines += deductible_lines(e, s, t)
    balance = balance_line(e, s, t)
    if balance:
        lines.append(balance)
    if e.coverage == "uncertain":
        lines.append(t.gettext("Some answers are still open, so this is not certain yet."))
    return lines


def _cash_recommended(e: Estimate, s: Scenario, t: Translator) -> list[str]:
    if s.purpose == "relaxation":
        return [t.gettext(VERDICT_RELAXATION)]
    if s.payer == "self_pay":
        return [t.gettext(VERDICT_SELF_PAY)]
    insured = [r for r in e.routes if r.available and r.route != "self_pay"]
    if insured:
        # Insurance would pay, yet the cash price costs less: say so plainly.
        alt = min(insured, key=lambda r: r.patient_total)
        payer = _payer_name(_payers(alt.route)[0], s, t)
        cash = e.recommended.patient_total
        if alt.low is not None and alt.low < cash:
            return [t.gettext(
                "Billing %(payer)s could cost you anywhere from %(low)s to %(high)s, "
                "depending on the answers still open; the clinic's cash price costs %(cash)s "
                "for sure, so we recommend it.",
                payer=payer, low=t.money(alt.low), high=t.money(alt.patient_total),
                cash=t.money(cash))]
        if alt.low is not None:
            # What the plan itself would pay is not known across the range: say only what
            # billing it costs.
            return [t.gettext(
                "Billing %(payer)s would cost you between %(low)s and %(high)s; the clinic's "
                "cash price, %(cash)s, costs less, so we recommend it.",
                payer=payer, low=t.money(alt.low), high=t.money(alt.patient_total),
                cash=t.money(cash))]
        if alt.insurer_total == 0:
            return [_plan_pays_nothing(s, t, payer, cash, alt.patient_total)]
        return [t.gettext(
            "%(payer)s would pay its share, but paying the clinic's cash price is cheaper "
            "than billing it: %(cash)s instead of %(billed)s.",
            payer=payer, cash=t.money(cash), billed=t.money(alt.patient_total))]
    own = s.payer if s.payer in PAYER_NAMES else (s.plan_payer or "commercial")
    verdict = "uncertain" if e.coverage == "likely" else e.coverage
    return [t.gettext(VERDICTS[verdict], payer=t.gettext(PAYER_NAMES[own]))]


def _plan_pays_nothing(s: Scenario, t: Translator, payer: str, cash: Decimal,
                       billed: Decimal) -> str:
    """Billing the plan, it would pay $0 for the course (what it covers goes to the
    deductible): say so, never "its share"."""
    if deductible_open(s):
        return t.gettext(
            "%(payer)s would pay nothing for these sessions: the ones it covers would all go to "
            "your deductible. Billing it would cost you %(billed)s; the clinic's cash price is "
            "%(cash)s.", payer=payer, billed=t.money(billed), cash=t.money(cash))
    return t.gettext(
        "%(payer)s would pay nothing for these sessions. Billing it would cost you %(billed)s; "
        "the clinic's cash price is %(cash)s.",
        payer=payer, billed=t.money(billed), cash=t.money(cash))


# --- the other ways to pay, and the accounts -------------------------------------------------

def reason_text(code: str | None, t: Translator) -> str:
    """A finding or a route's reason as a sentence ("" for a code without wording)."""
    message = REASONS.get(code or "") or ROUTE_REASONS.get(code or "")
    return t.gettext(message) if message else ""


def route_label(route: str, t: Translator, plan_payer: str | None = None,
                price_known: bool = True) -> str:
    """A way to pay as a short label; through original Medicare or Medicaid, named as such.
    Paying yourself is a "cash price" only when the clinic's price or cash price is known."""
    if route == "self_pay" and not price_known:
        return t.gettext(SELF_PAY_PRICE_UNKNOWN)
    label = ROUTES_BY_PLAN.get((route, plan_payer or "")) or ROUTES.get(route)
    return t.gettext(label) if label else route


def price_known(s: Scenario) -> bool:
    """Whether the clinic's price (or its cash price) is known: else paying yourself costs a
    range of assumed prices, not a cash price."""
    return s.fees.billed_per_unit is not None or s.fees.cash_per_session is not None


def _route_line(r: Route, t: Translator, plan_payer: str | None, known: bool) -> str:
    name = route_label(r.route, t, plan_payer, known)
    if not r.available:
        why = reason_text(r.reason, t)
        if why:
            return "• " + t.gettext("%(route)s: not available.", route=name) + "\n  " + why
        return "• " + t.gettext("%(route)s: not available now", route=name)
    if r.low is not None and r.low != r.patient_total:
        return "• " + t.gettext("%(route)s: %(low)s to %(high)s", route=name,
                                low=t.money(r.low), high=t.money(r.patient_total))
    return "• " + t.gettext("%(route)s: %(amount)s", route=name, amount=t.money(r.patient_total))


def routes_text(e: Estimate, t: Translator, plan_payer: str | None = None,
                price_is_known: bool = True) -> str:
    """The routes other than the recommended one, for comparison ("" when there are none)."""
    others = [r for r in e.routes if r.route != e.recommended.route]
    if not others:
        return ""
    lines = [_route_line(r, t, plan_payer, price_is_known) for r in others]
    return "\n".join([t.gettext("Other ways to pay:"), *lines])


def accounts_text(e: Estimate, t: Translator, plan_payer: str | None = None) -> str:
    """What an HSA, FSA or HRA can pay of the recommended total ("" without one)."""
    a = e.accounts
    if a is None:
        return ""
    lines: list[str] = []
    if not a.eligible:
        lines.append(t.gettext(ACCOUNT_CANNOT_PAY[a.kind]))
    else:
        target = next((r for r in e.routes if r.route == a.pays_for), None)
        total = (e.recommended.patient_total if a.pays_for == e.recommended.route or target is None
                 else target.patient_total)
        if not total and not a.amount:
            return ""  # nothing to pay
        if a.fsa_year is not None:  # a dated course past the FSA's deadline
            lines += fsa_year_lines(a.fsa_year, a.amount, t)
        elif not a.amount:
            lines.append(t.gettext(ACCOUNT_EMPTY[a.kind]))
        elif a.from_balance is not None and a.from_balance < a.amount:
            lines.append(hsa_balance_line(a.from_balance, a.amount, total, t))
        elif a.amount >= total:
            lines.append(t.gettext(ACCOUNT_PAYS_ALL[a.kind], amount=t.money(a.amount)))
        else:
            lines.append(t.gettext(ACCOUNT_PAYS_PART[a.kind], amount=t.money(a.amount),
                                   total=t.money(total)))
        if a.pays_for != e.recommended.route:
            lines.append(t.gettext("That is if you choose this way to pay: %(route)s.",
                                   route=route_label(a.pays_for, t, plan_payer)))
        if a.tax_savings:
            lines.append(t.gettext(ACCOUNT_TAX_SAVINGS, amount=t.money(a.tax_savings)))
    # An account that cannot pay: only the notes that say why (not how it would pay).
    notes = [n for n in a.notes if a.eligible or n in ACCOUNT_WHY_NOT]
    if plan_payer is None:  # no health plan at all: not "your plan is not ..."
        notes = [ACCOUNT_NOTE_NO_PLAN.get(n, n) for n in notes]
    lines += [t.gettext(ACCOUNT_NOTES[n]) for n in notes if n in ACCOUNT_NOTES]
    return "\n".join(lines)


# --- reasons, steps, notes -------------------------------------------------------------------

def _reasons(e: Estimate, s: Scenario, t: Translator) -> Iterator[str]:
    """The findings, each once: not those already given as why a route is not available, nor
    "the cost is a range" when it is not, nor "no insurance" to a patient who said so."""
    ranged = cost_span(e)[0] != cost_span(e)[1]
    seen = {r.reason for r in e.routes
            if r.route != e.recommended.route and not r.available and r.reason}
    if s.payer == "self_pay":  # VERDICT_SELF_PAY already says it
        seen.add("no_insurance")
    for code in e.reasons:
        if code in seen or (code in RANGE_REASONS and not ranged):
            continue
        seen.add(code)
        text = reason_text(code, t)
        if text:
            yield text


def step_text(code: str, params: dict[str, Any], t: Translator) -> str:
    """A next step as a sentence ("" for a code or topic without wording)."""
    if code == "ask_insurer":
        topic = TOPICS.get(str(params.get("topic")))
        return t.gettext(STEPS[code], topic=t.gettext(topic)) if topic else ""
    if code == "use_billable_code":  # one of them
        return t.gettext(STEPS[code], code=params["code"],
                         children=t.join([str(c) for c in params.get("children", [])], "or"))
    if code == "add_seventh_character":  # one of them: "S13.4XXA, S13.4XXD, or S13.4XXS"
        return t.gettext(STEPS[code], code=params["code"],
                         children=t.join([str(c) for c in params.get("children", [])], "or"))
    if code in ("check_diagnosis_code", "use_condition_code"):
        return t.gettext(STEPS[code], code=params["code"])
    if code == "appeal_state_mandate":
        state = params.get("state")
        if state in APPEAL_STATE_MANDATE:
            return t.gettext(APPEAL_STATE_MANDATE[state])
        return t.gettext(APPEAL_STATE_MANDATE_OTHER, state=state) if state else ""
    if code == "kx_modifier" and "course_year" in params:
        return _kx_by_year(params, t)
    if code == "kx_modifier":
        return t.gettext(
            "Your course passes Medicare's yearly therapy threshold (%(threshold)s in "
            "%(year)s): the therapist adds the KX modifier to the claims, confirming that the "
            "therapy is medically necessary.",
            threshold=t.money(Decimal(str(params["threshold"]))), year=str(params["year"]))
    if code == "use_cash_after_limit":
        return _cash_after_limit(params, t)
    if code in CALENDAR_CODES:
        return calendar_step(code, params, t)
    message = STEPS.get(code)
    return t.gettext(message) if message else ""


def _kx_by_year(params: dict[str, Any], t: Translator) -> str:
    """A dated course: the calendar year whose approved amounts pass the yearly threshold; a
    year whose threshold is not published yet is compared with the latest one, as a maybe."""
    threshold = t.money(Decimal(str(params["threshold"])))
    year, course_year = str(params["year"]), str(params["course_year"])
    approved = t.money(Decimal(str(params["approved"])))
    if year == course_year:
        return t.gettext(
            "Your sessions in %(year)s pass Medicare's therapy threshold for %(year)s "
            "(%(threshold)s of approved amounts; yours come to %(approved)s): the therapist "
            "adds the KX modifier to those claims, confirming that the therapy is medically "
            "necessary.", year=year, threshold=threshold, approved=approved)
    return t.gettext(
        "Your sessions in %(course_year)s come to %(approved)s of approved amounts, more than "
        "Medicare's therapy threshold for %(year)s (%(threshold)s; the one for %(course_year)s "
        "is not published yet): the therapist may need to add the KX modifier to those claims, "
        "confirming that the therapy is medically necessary.",
        year=year, course_year=course_year, threshold=threshold, approved=approved)


def _cash_after_limit(params: dict[str, Any], t: Translator) -> str:
    n, cash = params.get("sessions"), params.get("cash_per_session")
    if n and params.get("condition"):
        return _cash_if_uncovered(params, t)
    if not n:
        return t.gettext("For the sessions your coverage does not pay for, ask for the clinic's "
                         "cash price instead of its full charge.")
    if cash is None:
        return t.ngettext(
            "For the session your coverage does not pay for, ask the clinic for its cash price "
            "instead of its full charge.",
            "For the %(n)s sessions your coverage does not pay for, ask the clinic for its cash "
            "price instead of its full charge.", int(n))
    return t.ngettext(
        "For the session your coverage does not pay for, ask for the clinic's cash price, "
        "%(cash)s, instead of its full charge.",
        "For the %(n)s sessions your coverage does not pay for, ask for the clinic's cash price, "
        "%(cash)s a session, instead of its full charge.", int(n),
        cash=t.money(Decimal(str(cash))))


def _cash_if_uncovered(params: dict[str, Any], t: Translator) -> str:
    """The cash price step when only the worst case leaves sessions uncovered: a condition,
    not a fact (a workers' comp claim not accepted, or another unknown turning out badly)."""
    n, cash = int(params["sessions"]), params.get("cash_per_session")
    if params["condition"] == "claim_not_accepted":
        if cash is None:
            return t.gettext("If your claim is not accepted, ask the clinic for its cash price "
                             "instead of its full charge.")
        return t.ngettext(
            "If your claim is not accepted, ask for the clinic's cash price for your session, "
            "%(cash)s, instead of its full charge.",
            "If your claim is not accepted, ask for the clinic's cash price for your %(n)s "
            "sessions, %(cash)s a session, instead of its full charge.", n,
            cash=t.money(Decimal(str(cash))))
    if cash is None:
        return t.ngettext(
            "If your coverage does not pay for your session, ask the clinic for its cash price "
            "instead of its full charge.",
            "If your coverage does not pay for some of your sessions (up to %(n)s), ask the "
            "clinic for its cash price instead of its full charge.", n)
    return t.ngettext(
        "If your coverage does not pay for your session, ask for the clinic's cash price, "
        "%(cash)s, instead of its full charge.",
        "If your coverage does not pay for some of your sessions (up to %(n)s), ask for the "
        "clinic's cash price, %(cash)s a session, instead of its full charge.", n,
        cash=t.money(Decimal(str(cash))))


def note_text(code: str, t: Translator) -> str:
    if code == "medicare_part_b_later_year":
        return t.gettext(NOTE_MEDICARE_PART_B_LATER_YEAR, year=str(MEDICARE_PART_B_YEAR),
                         deductible=t.money(MEDICARE_PART_B_DEDUCTIBLE))
    if code == "medicare_part_b_defaults":
        return t.gettext(NOTE_MEDICARE_PART_B_DEFAULTS,
                         deductible=t.money(MEDICARE_PART_B_DEDUCTIBLE),
                         coinsurance=t.percent(MEDICARE_PART_B_COINSURANCE_PCT))
    if code == "medicare_limiting_charge":
        return t.gettext(NOTE_MEDICARE_LIMITING_CHARGE,
                         percent=t.percent(MEDICARE_LIMITING_CHARGE_PCT))
    message = NOTES.get(code) or ACCOUNT_NOTES.get(code)
    return t.gettext(message) if message else ""


# --- the whole explanation -------------------------------------------------------------------

CALL_TOPICS = frozenset().union(*(group for group, _ in CALL_QUESTIONS))
# Steps another step already says: the workers' compensation claim step names the doctor's
# order; asking the doctor for a prescription comes before bringing it.
_ALREADY_SAID = {"bring_doctors_order": "bring_wc_claim_number",
                 "bring_prescription": "get_prescription"}
# Routes the clinic cannot take a cash price for (original Medicare, Medicaid): asking it for a
# lower self-pay price would contradict that.
_MUST_BILL = frozenset({"must_bill_medicare", "must_bill_medicaid"})


def _step_code(code: str, e: Estimate) -> str:
    if code == "ask_clinic_price" and any(
            r.route == "self_pay" and not r.available and r.reason in _MUST_BILL
            for r in e.routes):
        return "ask_clinic_price_billed"
    return code


def explain(
    e: Estimate, s: Scenario, t: Translator, previous_total: Decimal | None = None
) -> str:
    """The estimate in plain language: the headline (way to pay, total, per session), who pays,
    the other ways to pay, accounts, why, next steps, notes and the disclaimer."""
    blocks = [headline_text(e, s, t, previous_total), coverage_text(e, s, t),
              schedule_text(e, t), plan_years_text(e, t),
              routes_text(e, t, s.plan_payer, price_known(s)), accounts_text(e, t, s.plan_payer),
              "\n".join(_reasons(e, s, t))]
    given = {st.code for st in e.next_steps}
    said = {step for step, by in _ALREADY_SAID.items() if by in given}
    # The insurer's topics become one call script below instead of a step each.
    script = call_script(e, s, t)
    steps = [text for text in (step_text(_step_code(st.code, e), st.params, t)
                               for st in e.next_steps
                               if st.code not in said
                               and not (script and st.code == "ask_insurer"
                                        and st.params.get("topic") in CALL_TOPICS)) if text]
    if steps:
        blocks.append("\n".join([t.gettext("Next steps:"), *("☐ " + text for text in steps)]))
    blocks.append(script)
    blocks.append("\n".join(text for text in (note_text(n, t) for n in e.notes) if text))
    insurer = e.recommended.route != "self_pay"
    blocks.append(t.gettext(DISCLAIMER if insurer else DISCLAIMER_SELF_PAY))
    return "\n\n".join(block for block in blocks if block)


def _effective_route(e: Estimate) -> str:
    """The recommended route as the patient acts on it: a chain whose first payer is closed for
    sure (its own route is not available: a denied claim, PIP used up or excluded) and pays no
    session is, for the patient, the rest of the chain ("workers' comp, then the plan" after a
    denied claim is "bill your health plan")."""
    route: str = e.recommended.route
    paid = {str(payer): n for payer, n in e.recommended.sessions_by_payer.items()}
    for first, paid_by in (("workers_comp", "workers_comp"), ("auto_pip", "pip")):
        prefix = first + "_then_"
        if not route.startswith(prefix) or paid.get(paid_by):
            continue
        if any(r.route == first and not r.available for r in e.routes):
            rest = route[len(prefix):]
            return "self_pay" if rest == "cash" else rest
    return route


def recommendation_text(e: Estimate, s: Scenario, t: Translator) -> str:
    """The headline's first sentence: the recommended way to pay (original Medicare and
    Medicaid by name)."""
    route = _effective_route(e)
    return t.gettext(HEADLINES_BY_PLAN.get((route, s.plan_payer or "")) or HEADLINES[route])


# --- for staff -------------------------------------------------------------------------------

def _paid_by(code: str, t: Translator) -> str:
    if code == "health_plan":
        return t.pgettext("paid by, short", "plan")
    if code == "pip":
        return t.pgettext("paid by, short", "PIP")
    if code == "workers_comp":
        return t.pgettext("paid by, short", "WC")
    return t.pgettext("paid by, short", "cash")


def session_table(e: Estimate, t: Translator) -> str:
    """Session by session, monospace, for staff: who pays, what was billed, who pays what."""
    head = ["#", t.gettext("Payer"), t.gettext("Billed"), t.gettext("Allowed"),
            t.gettext("Deduct."), t.gettext("Copay"), t.gettext("Coins."), t.gettext("Balance"),
            t.gettext("You"), t.gettext("Insurer")]
    rows = [[str(r.n), _paid_by(r.paid_by, t),
             *(_plain(v) for v in (r.billed, r.allowed, r.deductible, r.copay, r.coinsurance,
                                   r.balance_bill, r.patient, r.insurer))] for r in e.sessions]
    total = ["Σ", "", "", "", "", "", "", "", _plain(e.totals.patient), _plain(e.totals.insurer)]
    table = [head, *rows, total]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    return "\n".join("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True))
                     for row in table)


def _plain(amount: Decimal) -> str:
    return f"{amount:.2f}"
