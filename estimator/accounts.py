"""HSA, FSA and HRA money: a way to pay for the recommended route, not a cheaper price.

Massage is a dual-purpose expense: it qualifies only for a medical condition, backed by a
prescription or a Letter of Medical Necessity (DOMAIN.md "Alternative routes"). Tax is saved only
on new pre-tax money: HSA contributions need HDHP coverage (IRC 223(c)(1)), though a balance can
be spent at any time, so with the balance known only what it does not cover is new money; an HRA
is employer money, so the patient saves no tax (DOMAIN.md "Accounts"). Annual limits in
`parameters.ACCOUNT_ANNUAL_LIMIT`.

An FSA's plan year pays only for care received in it: "FSA money not used by the plan's deadline
is lost" (DOMAIN.md "Alternative routes"), the deadline being the plan year's end or, with a grace
period, up to 2½ months after it; with a carryover instead (not both, Notice 2005-42; DOMAIN.md
"Accounts"), up to $680 (2026) of what is left pays the next year's care. Over a dated course the
FSA pays the sessions up to its deadline, plus at most the carryover of the later ones; an
unknown rule counts neither (the worst case). Its plan year is taken to be the health plan's.
"""

from collections.abc import Sequence
from decimal import Decimal

from .calendar import fsa_carryover, fsa_grace_end, plan_year_of
from .estimate import Accounts, FsaYear, RouteName, SessionRow
from .money import ZERO, share
from .parameters import ACCOUNT_ANNUAL_LIMIT
from .scenario import Scenario


def _hsa_contributions_allowed(s: Scenario) -> bool:
    return s.plan_payer == "commercial" and s.plan_type == "hdhp"


def fsa_year(s: Scenario, rows: Sequence[SessionRow], cap: Decimal) -> FsaYear | None:
    """What this plan year's FSA (at most `cap` in it) pays of a dated course, session by
    session; None when the course is not dated, the plan-year start is not known, or every
    session falls before the deadline (then it pays like an undated course)."""
    ys = s.plan.year_start
    if ys is None or not rows or rows[0].date is None:
        return None
    # A health plan's year (asked, or January 1 by default) is the employer's FSA year too;
    # without one (original Medicare's is the calendar year by law, not the employer's), the
    # usual calendar year is assumed, and said.
    assumed = s.plan_payer not in ("commercial", "medicare_advantage")
    ends = plan_year_of(ys, rows[0].date)[1]
    rule = s.fsa_rollover or "unknown"
    deadline = fsa_grace_end(ends) if rule == "grace_period" else ends
    mine = [r for r in rows if r.date is not None and r.date <= deadline]
    later = rows[len(mine):]
    total = sum((r.patient for r in mine), ZERO)
    later_total = sum((r.patient for r in later), ZERO)
    if not later_total:  # nothing to pay after the deadline: it pays like an undated course
        return None
    limit = Decimal(fsa_carryover(ends)[1]) if rule == "carryover" else None
    # What is left after this plan year's sessions carries over, up to the limit.
    carried = ZERO if limit is None else min(later_total, limit, cap - min(total, cap))
    return FsaYear(rule=rule, deadline=deadline, sessions=len(mine), total=total,
                   later_sessions=len(later), later_total=later_total, carryover=carried,
                   carryover_limit=limit, assumed=assumed)


def _fsa(s: Scenario, total: Decimal, rows: Sequence[SessionRow]
         ) -> tuple[Decimal, FsaYear | None]:
    """What the FSA pays: up to the year's election, and to what is left of it when given
    (available in full from the first day of the plan year); by plan year when dated."""
    balance = s.account_balance
    cap = ACCOUNT_ANNUAL_LIMIT["fsa"] if balance is None else min(balance,
                                                                 ACCOUNT_ANNUAL_LIMIT["fsa"])
    year = fsa_year(s, rows, cap)
    if year is None:
        return min(total, cap), None
    return min(year.total, cap) + year.carryover, year


def accounts(s: Scenario, route: RouteName, total: Decimal, crosses: bool = False,
             rows: Sequence[SessionRow] = ()) -> Accounts | None:
    """What the patient's account can pay of `total` (the recommended route's worst case, whose
    sessions are `rows`). `crosses`: the course runs into a new plan year, when it matters that
    HSA money never expires (DOMAIN.md "Accounts")."""
    if s.hsa_fsa == "none":
        return None
    kind = s.hsa_fsa
    eligible = s.purpose == "medical" and (s.prescription is True or s.lmn)
    notes: list[str] = [] if eligible or s.purpose != "medical" else ["lmn_needed"]
    balance = s.account_balance
    saved_on = ZERO
    year = None
    from_balance = None
    if kind == "fsa":
        amount, year = _fsa(s, total, rows)
        saved_on = amount  # all of it is pre-tax money
        notes.append("fsa_use_it_or_lose_it")
    elif kind == "hsa" and _hsa_contributions_allowed(s):
        # New contributions (tax saved, up to the annual limit) plus what is already there.
        amount = total if balance is None else min(total, balance + ACCOUNT_ANNUAL_LIMIT["hsa"])
        # The balance was saved on when it went in: only what it does not cover is new money.
        saved_on = (min(amount, ACCOUNT_ANNUAL_LIMIT["hsa"]) if balance is None
                    else max(amount - balance, ZERO))
        if balance is None and total > ACCOUNT_ANNUAL_LIMIT["hsa"]:
            notes.append("account_balance_limits")  # beyond a year's contributions
        if balance is not None:  # the balance pays now; the rest only once it is put in
            from_balance = min(total, balance)
    else:  # an HSA without an HDHP, or an HRA: only the balance, nothing new saved
        amount = total if balance is None else min(total, balance)
        notes.append("hsa_no_new_contributions" if kind == "hsa" else "hra_no_tax_saving")
        if balance is None:
            notes.append("account_balance_limits")
    if kind == "hsa" and crosses:
        notes.append("hsa_never_expires")
    if not eligible:
        amount = saved_on = ZERO  # it cannot pay for this massage at all
        year = from_balance = None
    savings = None
    if s.tax_rate_pct is not None and saved_on > 0:
        savings = share(s.tax_rate_pct, saved_on)
    return Accounts(kind=kind, eligible=eligible, pays_for=route, amount=amount,
                    tax_savings=savings, notes=notes, fsa_year=year,
                    from_balance=from_balance)
