"""What the patient pays of the sessions the plan covers, in words: the sessions that go to the
deductible, the balance bill, and the sessions a visit limit may leave out.

The session table is the worst case of the unknowns. When the estimate is a range, what only the
worst case says is worded as a condition ("if your deductible is not met yet, up to ..."), and
only for the unknown that makes it so; figures that rest on a guessed amount are not shown.
"""

from decimal import Decimal

from bot.i18n import Translator
from estimator import Estimate, Scenario, SessionRow
from estimator.domains import unknowns
from estimator.parameters import MEDICARE_PART_B_DEDUCTIBLE, TYPICAL_VISIT_LIMIT_LOW

# Unknowns that leave the plan's allowed amount a guess (also the insurer's payment).
_ALLOWED = frozenset({"allowed_per_unit", "oon_allowed_per_unit", "network",
                      "medicare_participating"})
# Unknowns that leave open whether, and how much of, the deductible is still to pay.
_DEDUCTIBLE = frozenset({"deductible", "deductible_met", "deductible_applies", "oon_deductible",
                         "oon_deductible_met", "network"})


def sentence(text: str) -> str:
    """A sentence that starts with a payer's name ("your health plan ...") capitalized."""
    return text[:1].upper() + text[1:]


def allowed_known(s: Scenario) -> bool:
    """Whether the plan's allowed amount is known (original Medicare's is its fee schedule), so
    what the plan pays is a figure, not a guess."""
    return s.fees.billed_per_unit is not None and not _ALLOWED & set(unknowns(s))


def deductible_open(s: Scenario) -> bool:
    """Whether some of the deductible may still be to pay (on the clinic's side of the network)."""
    if _DEDUCTIBLE & set(unknowns(s)):
        return True
    side = "oon_" if s.network == "out" else ""
    total, met = getattr(s.plan, side + "deductible"), getattr(s.plan, side + "deductible_met")
    if s.plan_payer == "medicare" and "deductible" not in s.plan.model_fields_set:
        return met is None or met < MEDICARE_PART_B_DEDUCTIBLE  # Part B's, set by law
    return bool(total) and (met is None or met < total)


def deductible_lines(e: Estimate, s: Scenario, t: Translator) -> list[str]:
    """The covered sessions that go wholly to the deductible, and what the patient pays for
    them: the plan's allowed amount, not the clinic's charge (original Medicare's is its
    approved amount, DOMAIN.md "Medicare and Medicaid")."""
    rows = [r for r in e.sessions if r.paid_by == "health_plan"]
    full = [not r.insurer and bool(r.deductible) for r in rows]
    n = sum(full)
    if not n:
        return []
    if s.plan_payer == "medicare":
        return _medicare_deductible(e, s, t, rows, full)
    if e.range is not None and _DEDUCTIBLE & set(unknowns(s)):
        return [t.ngettext(
            "If your deductible is not met yet, your first covered session could go to it: you "
            "would pay the plan's allowed amount for it.",
            "If your deductible is not met yet, up to your first %(n)s covered sessions could "
            "go to it: you would pay the plan's allowed amount for them.", n)]
    row = next(r for r, f in zip(rows, full, strict=True) if f)
    if e.range is not None and not allowed_known(s):
        return [t.ngettext(
            "Your first covered session may go to your deductible: you would pay the plan's "
            "allowed amount for it.",
            "Up to your first %(n)s covered sessions may go to your deductible: you would pay "
            "the plan's allowed amount for them.", n)]
    first = all(full[:n])  # else a new plan year's deductible (dated course)
    if not allowed_known(s):  # the rows' allowed amount is only assumed: no figure
        if first:
            return [t.ngettext(
                "Your first covered session goes to your deductible: you pay the plan's allowed "
                "amount for it.",
                "Your first %(n)s covered sessions go to your deductible: you pay the plan's "
                "allowed amount for them.", n)]
        return [t.ngettext(
            "%(n)s covered session goes to a deductible: you pay the plan's allowed amount for "
            "it.",
            "%(n)s covered sessions go to a deductible: you pay the plan's allowed amount for "
            "them.", n)]
    if row.allowed >= row.billed:
        return [_in_full(n, first, t)]
    allowed = t.money(row.allowed)
    if first:
        return [t.ngettext(
            "Your first covered session goes to your deductible: you pay the plan's allowed "
            "amount for it, %(allowed)s.",
            "Your first %(n)s covered sessions go to your deductible: you pay the plan's "
            "allowed amount for them, %(allowed)s a session.", n, allowed=allowed)]
    return [t.ngettext(
        "%(n)s covered session goes to a deductible: you pay the plan's allowed amount for it, "
        "%(allowed)s.",
        "%(n)s covered sessions go to a deductible: you pay the plan's allowed amount for them, "
        "%(allowed)s a session.", n, allowed=allowed)]


def _medicare_deductible(e: Estimate, s: Scenario, t: Translator, rows: list[SessionRow],
                         full: list[bool]) -> list[str]:
    """The same for original Medicare: its approved amount (the fee schedule, never the clinic's
    charge) goes to the Part B deductible. The approved amount is a figure unless whether the
    clinic participates is unknown (95% of it otherwise)."""
    n = sum(full)
    if e.range is not None and _DEDUCTIBLE & set(unknowns(s)):
        return [t.ngettext(
            "If your Part B deductible is not met yet, your first covered session could go to "
            "it: you would pay Medicare's approved amount for it.",
            "If your Part B deductible is not met yet, up to your first %(n)s covered sessions "
            "could go to it: you would pay Medicare's approved amount for them.", n)]
    row = next(r for r, f in zip(rows, full, strict=True) if f)
    first = all(full[:n])  # else a new year's deductible (dated course)
    if not allowed_known(s):
        if first:
            return [t.ngettext(
                "Your first covered session goes to your Part B deductible: you pay Medicare's "
                "approved amount for it.",
                "Your first %(n)s covered sessions go to your Part B deductible: you pay "
                "Medicare's approved amount for them.", n)]
        return [t.ngettext(
            "%(n)s covered session goes to a Part B deductible: you pay Medicare's approved "
            "amount for it.",
            "%(n)s covered sessions go to a Part B deductible: you pay Medicare's approved "
            "amount for them.", n)]
    if row.allowed >= row.billed:
        return [_in_full(n, first, t)]
    allowed = t.money(row.allowed)
    if first:
        return [t.ngettext(
            "Your first covered session goes to your Part B deductible: you pay Medicare's "
            "approved amount for it, %(allowed)s.",
            "Your first %(n)s covered sessions go to your Part B deductible: you pay Medicare's "
            "approved amount for them, %(allowed)s a session.", n, allowed=allowed)]
    return [t.ngettext(
        "%(n)s covered session goes to a Part B deductible: you pay Medicare's approved amount "
        "for it, %(allowed)s.",
        "%(n)s covered sessions go to a Part B deductible: you pay Medicare's approved amount "
        "for them, %(allowed)s a session.", n, allowed=allowed)]


def _in_full(n: int, first: bool, t: Translator) -> str:
    """The allowed amount is the clinic's whole charge: "in full" says it."""
    if first:
        return t.ngettext(
            "Your first covered session goes to your deductible, so you pay for it in full.",
            "Your first %(n)s covered sessions go to your deductible, so you pay for them in full.",
            n)
    return t.ngettext(
        "%(n)s covered session goes to a deductible, so you pay for it in full.",
        "%(n)s covered sessions go to a deductible, so you pay for them in full.", n)


def balance_line(e: Estimate, s: Scenario, t: Translator) -> str:
    """The balance bill above the allowed amount, per session, when the walk has one."""
    balance = max((r.balance_bill for r in e.sessions if r.paid_by == "health_plan"),
                  default=Decimal(0))
    if not balance:
        return ""
    amount = t.money(balance)
    if s.plan_payer == "medicare" and s.medicare_participating is None:
        return t.gettext(
            "If the clinic does not participate in Medicare, it may charge you up to %(amount)s "
            "a session above Medicare's approved amount (the limiting charge); we counted it.",
            amount=amount)
    if s.plan_payer == "medicare":
        return t.gettext(
            "The clinic does not participate in Medicare, so it may charge you up to %(amount)s "
            "a session above Medicare's approved amount (the limiting charge); we counted it.",
            amount=amount)
    if e.range is not None:
        return t.gettext(
            "Out of network, the clinic may also bill you the difference between its charge and "
            "the plan's allowed amount (a balance bill), up to %(amount)s a session; we counted "
            "it. A balance bill does not count toward your out-of-pocket maximum.", amount=amount)
    return t.gettext(
        "Out of network, the clinic may also bill you the difference between its charge and the "
        "plan's allowed amount (a balance bill): %(amount)s a session, which we counted. A "
        "balance bill does not count toward your out-of-pocket maximum.", amount=amount)


def visit_limit_guessed(e: Estimate) -> bool:
    """Whether sessions are left to the patient only because the visit limit (or the visits
    used) is unknown and its low end was counted."""
    return e.range is not None and "visit_limit_may_be_reached" in e.reasons


def visit_limit_line(s: Scenario, rest: int, total: int, t: Translator) -> str:
    """The sessions a low visit limit would leave to the patient, as a condition (the plural
    follows the course's sessions: "2 of your 12 sessions")."""
    if s.plan.visit_limit is None:
        return t.ngettext(
            # TRANSLATORS: n is the number of sessions in the course, rest how many of them.
            "We don't know your plan's visit limit: if it allows only %(limit)s visits a year, "
            "you would pay for %(rest)s of your %(n)s session yourself.",
            "We don't know your plan's visit limit: if it allows only %(limit)s visits a year, "
            "you would pay for %(rest)s of your %(n)s sessions yourself.",
            total, limit=TYPICAL_VISIT_LIMIT_LOW, rest=rest)
    return t.ngettext(
        # TRANSLATORS: n is the number of sessions in the course, rest how many of them.
        "If you have already used some of your plan's visits this year, you would pay for up to "
        "%(rest)s of your %(n)s session yourself.",
        "If you have already used some of your plan's visits this year, you would pay for up to "
        "%(rest)s of your %(n)s sessions yourself.", total, rest=rest)

