"""HSA, FSA and HRA money: a way to pay for the recommended route, not a cheaper price.

Massage is a dual-purpose expense: it qualifies only for a medical condition, backed by a
prescription or a Letter of Medical Necessity (DOMAIN.md "Alternative routes"). Tax is saved only
on new pre-tax money: HSA contributions need HDHP coverage (IRC 223(c)(1)), though a balance can
be spent at any time; an HRA is employer money, so the patient saves no tax (DOMAIN.md
"Accounts"). Annual limits in `parameters.ACCOUNT_ANNUAL_LIMIT`.
"""

from decimal import Decimal

from .estimate import Accounts, RouteName
from .money import ZERO, share
from .parameters import ACCOUNT_ANNUAL_LIMIT
from .scenario import Scenario


def _hsa_contributions_allowed(s: Scenario) -> bool:
    return s.plan_payer == "commercial" and s.plan_type == "hdhp"


def accounts(s: Scenario, route: RouteName, total: Decimal, crosses: bool = False
             ) -> Accounts | None:
    """What the patient's account can pay of `total` (the recommended route's worst case).
    `crosses`: the course runs into a new plan year, when it matters that HSA money never
    expires (DOMAIN.md "Accounts")."""
    if s.hsa_fsa == "none":
        return None
    kind = s.hsa_fsa
    eligible = s.purpose == "medical" and (s.prescription is True or s.lmn)
    notes: list[str] = [] if eligible or s.purpose != "medical" else ["lmn_needed"]
    balance = s.account_balance
    saved_on = ZERO
    if kind == "fsa":
        # The year's election is available in full from the first day of the plan year; what is
        # left of it, when given, bounds what it pays.
        amount = min(total, ACCOUNT_ANNUAL_LIMIT["fsa"], *(() if balance is None else (balance,)))
        saved_on = amount
        notes.append("fsa_use_it_or_lose_it")
    elif kind == "hsa" and _hsa_contributions_allowed(s):
        # New contributions (tax saved, up to the annual limit) plus what is already there.
        amount = total if balance is None else min(total, balance + ACCOUNT_ANNUAL_LIMIT["hsa"])
        saved_on = min(amount, ACCOUNT_ANNUAL_LIMIT["hsa"])
        if balance is None and total > ACCOUNT_ANNUAL_LIMIT["hsa"]:
            notes.append("account_balance_limits")  # beyond a year's contributions
    else:  # an HSA without an HDHP, or an HRA: only the balance, nothing new saved
        amount = total if balance is None else min(total, balance)
        notes.append("hsa_no_new_contributions" if kind == "hsa" else "hra_no_tax_saving")
        if balance is None:
            notes.append("account_balance_limits")
    if kind == "hsa" and crosses:
        notes.append("hsa_never_expires")
    if not eligible:
        amount = saved_on = ZERO  # it cannot pay for this massage at all
    savings = None
    if s.tax_rate_pct is not None and saved_on > 0:
        savings = share(s.tax_rate_pct, saved_on)
    return Accounts(kind=kind, eligible=eligible, pays_for=route, amount=amount,
                    tax_savings=savings, notes=notes)
