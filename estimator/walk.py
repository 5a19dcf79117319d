"""The course of treatment, session by session, with running accumulators.

Conventions (the contract, pinned by tests): a plan pays on the lesser of the charge and its
allowed amount; deductible, then copay, then coinsurance, each taken from the out-of-pocket room
in that order; a balance bill (out of network) does not count toward the OOP maximum; a covered
session uses one visit, also when it went to the deductible. Sources: DOMAIN.md "Cost sharing".
"""

from dataclasses import dataclass

from .estimate import SessionRow
from .money import ZERO, share
from .terms import Terms


@dataclass(frozen=True)
class Walk:
    rows: list[SessionRow]
    beyond_limit: int  # sessions the plan would pay for but the visit limit does not allow


_row = SessionRow


def _uncovered(n: int, billed, patient=None) -> SessionRow:
    return _row(
        n=n, billed=billed, allowed=ZERO, covered=False, deductible=ZERO, copay=ZERO,
        coinsurance=ZERO, balance_bill=ZERO, patient=billed if patient is None else patient,
        insurer=ZERO,
    )


def not_covered(t: Terms, sessions: int) -> Walk:
    """The payer pays nothing: every session costs the patient the billed charge."""
    return Walk([_uncovered(n, t.billed) for n in range(1, sessions + 1)], 0)


def health_plan(t: Terms, sessions: int) -> Walk:
    """Commercial, Medicare, Medicare Advantage and Medicaid: the cost-sharing walk."""
    if t.network == "out" and not t.oon_covered:
        return not_covered(t, sessions)
    billed, allowed, pct = t.billed, t.allowed, t.coinsurance_pct
    copay_due = t.copay if t.network == "in" else ZERO  # out of network there is no copay
    balance = billed - allowed if t.network == "out" else ZERO
    deductible_left = t.deductible_left if t.deductible_applies else ZERO
    oop_left, visits_left = t.oop_left, t.visits_left
    rows, beyond = [], 0
    for n in range(1, sessions + 1):
        if visits_left is not None:
            if visits_left <= 0:
                rows.append(_uncovered(n, billed))
                beyond += 1
                continue
        room = allowed if oop_left is None else oop_left  # no cap: the allowed amount bounds all
        deductible = min(allowed, deductible_left, room)
        room -= deductible
        copay = min(copay_due, allowed - deductible, room)
        coinsurance = min(share(pct, allowed - deductible - copay), room - copay)
        cost_sharing = deductible + copay + coinsurance
        rows.append(_row(n, billed, allowed, True, deductible, copay, coinsurance, balance,
                         cost_sharing + balance, allowed - cost_sharing))
        deductible_left -= deductible
        if oop_left is not None:
            oop_left -= cost_sharing
        if visits_left is not None and (t.deductible_visits_count or deductible < allowed):
            visits_left -= 1
    return Walk(rows, beyond)


def auto_pip(t: Terms, sessions: int) -> Walk:
    """Auto PIP or MedPay pays its share of each charge until the remaining benefit runs out."""
    remaining = t.pip_remaining
    rows = []
    for n in range(1, sessions + 1):
        pip_share = share(t.pip_pays_pct, t.billed)
        paid = pip_share if remaining is None else min(pip_share, remaining)
        if remaining is not None:
            remaining -= paid
        covered = paid > ZERO
        # The patient's share of a session PIP pays (e.g. 20% where it pays 80%) is shown as
        # coinsurance; once PIP has run out the session is simply not covered.
        rows.append(_row(
            n=n, billed=t.billed, allowed=t.billed if covered else ZERO, covered=covered,
            deductible=ZERO, copay=ZERO, coinsurance=t.billed - paid if covered else ZERO,
            balance_bill=ZERO, patient=t.billed - paid, insurer=paid,
        ))
    return Walk(rows, 0)


def workers_comp(t: Terms, sessions: int) -> Walk:
    """Authorized treatment under an accepted claim costs the worker nothing."""
    if not t.claim_accepted:
        return not_covered(t, sessions)
    rows = [
        _row(
            n=n, billed=t.billed, allowed=t.billed, covered=True, deductible=ZERO, copay=ZERO,
            coinsurance=ZERO, balance_bill=ZERO, patient=ZERO, insurer=t.billed,
        )
        for n in range(1, sessions + 1)
    ]
    return Walk(rows, 0)


def cash_price(t: Terms):
    return t.cash if t.cash is not None else t.billed


def self_pay(t: Terms, sessions: int) -> Walk:
    """The clinic's cash rate per session, or its billed charge when it has none."""
    return Walk([_uncovered(n, t.billed, cash_price(t)) for n in range(1, sessions + 1)], 0)
