"""The estimate in plain language: the one place that words it, for every channel.

`explain` gives, in blocks separated by a blank line: the headline (the recommended way to pay
and its total for the course and per session, both ends when it is a range), who pays for how
many sessions, the other ways to pay, what an HSA/FSA/HRA can pay, the reasons, the next steps,
the notes and the disclaimer. Who pays is worded in `bot.render.who_pays`, the steps and notes in
`bot.render.steps`, the wording of each code is in `bot.render.codes`.
"""

from collections.abc import Iterator
from decimal import Decimal

from bot.i18n import Translator
from estimator import Estimate, Route, Scenario

from .accounts import fsa_year_lines, hsa_balance_line
from .calendar import plan_years_text, schedule_text
from .codes import (
    ACCOUNT_CANNOT_PAY,
    ACCOUNT_EMPTY,
    ACCOUNT_NOTE_NO_PLAN,
    ACCOUNT_NOTES,
    ACCOUNT_PAYS_ALL,
    ACCOUNT_PAYS_PART,
    ACCOUNT_TAX_SAVINGS,
    ACCOUNT_WHY_NOT,
    DISCLAIMER,
    DISCLAIMER_SELF_PAY,
    HEADLINES,
    HEADLINES_BY_PLAN,
    RANGE_REASONS,
    REASONS,
    ROUTE_REASONS,
    TOPICS,
)
from .insurer_call import QUESTIONS as CALL_QUESTIONS
from .insurer_call import call_script
from .paperwork import once_fixed_lines
from .steps import note_text, step_text
from .who_pays import coverage_text, price_known, route_label


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
    if low != high and e.range is not None and e.range.widened_by:
        topic = TOPICS.get(e.range.widened_by[0])
        if topic:
            lines.append(t.gettext("Knowing %(topic)s would narrow this the most.",
                                   topic=t.gettext(topic)))
    lines += once_fixed_lines(e, s, t)
    if previous_total is not None and previous_total != e.totals.patient:
        lines.append(t.gettext("Before the change: %(old)s. Now: %(new)s.",
                               old=t.money(previous_total), new=t.money(e.totals.patient)))
    return "\n".join(lines)


# --- the other ways to pay, and the accounts -------------------------------------------------

def reason_text(code: str | None, t: Translator) -> str:
    """A finding or a route's reason as a sentence ("" for a code without wording)."""
    message = REASONS.get(code or "") or ROUTE_REASONS.get(code or "")
    return t.gettext(message) if message else ""


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


# --- the whole explanation -------------------------------------------------------------------

CALL_TOPICS = frozenset().union(*(group for group, _ in CALL_QUESTIONS))
# Steps another step already says: the workers' compensation claim step names the doctor's
# order; asking the doctor for a prescription comes before bringing it, and names the code.
_ALREADY_SAID = {"bring_doctors_order": "bring_wc_claim_number",
                 "bring_prescription": "get_prescription",
                 "ask_doctor_for_diagnosis_code": "get_prescription"}
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
    if route == "self_pay" and not price_known(s):  # no cash price to name
        return t.gettext("We recommend paying the clinic yourself.")
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
