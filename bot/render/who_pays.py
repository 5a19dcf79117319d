"""Who pays for how many of the sessions in the recommended plan, and when paying the clinic
yourself is recommended, why (`coverage_text`): the second block of the explanation."""

from decimal import Decimal

from bot.i18n import Translator
from estimator import Estimate, Scenario

from .codes import (
    PAYER_NAMES,
    ROUTES,
    ROUTES_BY_PLAN,
    SELF_PAY_PRICE_UNKNOWN,
    VERDICT_RELAXATION,
    VERDICT_SELF_PAY,
    VERDICTS,
)
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


def payers_of(route: str) -> list[str]:
    return [paid_by for prefix, paid_by in _CHAIN_PAYERS if prefix in route]


def payer_name(paid_by: str, s: Scenario, t: Translator) -> str:
    """The payer as a sentence names it: the health plan by its kind ("your health plan",
    "Medicare"), or the auto or workers' compensation insurer."""
    if paid_by == "pip":
        return t.gettext(PAYER_NAMES["auto"])
    if paid_by == "workers_comp":
        return t.gettext(PAYER_NAMES["workers_comp"])
    plan = s.plan_payer if s.plan_payer in PAYER_NAMES else "commercial"
    return t.gettext(PAYER_NAMES[plan])



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
                               payer=payer_name("health_plan", s, t), amount=t.money(plan)))
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
            n, payer=payer_name("health_plan", s, t))
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
    order = payers_of(e.recommended.route)
    order += [p for p in counts if p not in order and p != "cash"]
    paid = [(p, counts[p]) for p in order if counts.get(p)]
    covered = sum(k for _, k in paid)
    likely = e.coverage == "likely"
    guessed = visit_limit_guessed(e)
    if not paid:
        # The plan's payers pay for no session here: say where the payer stands, never "good news".
        verdict = "uncertain" if likely else e.coverage
        return [t.gettext(VERDICTS[verdict], payer=payer_name(order[0], s, t))] if order else []
    lines: list[str] = []
    if guessed and len(paid) == 1 and paid[0][0] == "health_plan":
        # Sessions are left out only if the unknown visit limit is low: a condition, not a fact.
        payer = payer_name("health_plan", s, t)
        if likely:
            lines.append(t.gettext("Good news: %(payer)s will likely pay for your sessions, up "
                                   "to its visit limit.", payer=payer))
        else:
            lines.append(t.gettext("%(payer)s may pay for your sessions, up to its visit limit.",
                                   payer=payer))
        lines.append(visit_limit_line(s, total - covered, total, t))
    elif covered == total and len(paid) == 1:
        payer = payer_name(paid[0][0], s, t)
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
            payer = payer_name(paid_by, s, t)
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
        payer = payer_name(payers_of(alt.route)[0], s, t)
        cash = e.recommended.patient_total
        if alt.low is not None:
            # A range: named as "Other ways to pay" lists it (a chain, "then the cash price"),
            # and what the insurer itself would pay is not said (not known across the range).
            route = route_label(alt.route, t, s.plan_payer, price_known(s))
            low, high = t.money(alt.low), t.money(alt.patient_total)
            if alt.low < cash:
                return [t.gettext(
                    "%(route)s: from %(low)s to %(high)s, depending on the answers still open. "
                    "The clinic's cash price costs %(cash)s for sure, so we recommend it.",
                    route=route, low=low, high=high, cash=t.money(cash))]
            return [t.gettext(
                "%(route)s: from %(low)s to %(high)s. The clinic's cash price, %(cash)s, costs "
                "less, so we recommend it.", route=route, low=low, high=high,
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


