"""The course session by session, with running accumulators, in integer cents.

Conventions (the contract, pinned by tests): a plan pays on the lesser of the charge and its
allowed amount; deductible, then copay, then coinsurance, each taken from the out-of-pocket room
in that order; a balance bill (out of network, non-participating Medicare) does not count toward
the OOP maximum; a covered session uses one visit, also when it went wholly to the deductible
unless the plan says otherwise; once no visit is left, the plan covers no further session.
Sources: DOMAIN.md "Cost sharing".

The plan's walk does not depend on where it stops: the sessions a visit limit (or a payer before
it) leaves out are simply the ones after a prefix. `estimator.chains` relies on that.
"""

from typing import NamedTuple

from .domains import PlanTerms, share_cents
from .scenario import Scenario


class Share(NamedTuple):
    """One session's split: the patient's parts, what the payer pays, and whether it used a
    visit (plan) — all in cents. A named tuple: a walk makes one per session, many times per
    estimate, and a frozen dataclass costs several times as much to build."""

    deductible: int
    copay: int
    coinsurance: int
    balance: int
    payer: int
    uses_visit: bool = True

    @property
    def patient(self) -> int:
        return self.deductible + self.copay + self.coinsurance + self.balance


def plan_sessions(t: PlanTerms, n: int) -> list[Share]:
    """The plan's cost-sharing walk over `n` sessions, all covered (no visit limit)."""
    return [share for share, count in plan_runs(t, n) for _ in range(count)]


def plan_runs(t: PlanTerms, n: int) -> list[tuple[Share, int]]:
    """The same walk as runs of equal sessions (share, how many in a row): a deductible paid
    session after session, or a steady share once it is met, is one run, so the walk and the
    sums over it cost a few steps whatever `n` is."""
    deductible_left, oop_left = t.deductible_left, t.oop_left
    out: list[tuple[Share, int]] = []
    done = 0
    allowed = t.allowed
    while done < n:
        if (allowed and deductible_left is not None and deductible_left >= 2 * allowed
                and (oop_left is None or oop_left >= 2 * allowed)):
            # Whole sessions to the deductible: the same share until less than one is left.
            repeat = deductible_left // allowed - 1
            if oop_left is not None:
                repeat = min(repeat, oop_left // allowed - 1)
            repeat = min(repeat, n - done)
            out.append((_session(t, allowed, None), repeat))
            done += repeat
            deductible_left -= repeat * allowed
            if oop_left is not None:
                oop_left -= repeat * allowed
            continue
        steady = oop_left == 0 or (
            deductible_left in (0, None) and (oop_left is None or oop_left >= allowed))
        share = _session(t, deductible_left, oop_left)
        sharing = share.patient - share.balance
        if deductible_left is not None:
            deductible_left -= share.deductible
        if oop_left is not None:
            oop_left -= sharing
        done += 1
        if steady:
            # No deductible left to change (or all of each session goes to it) and the room for
            # a whole session, or no room at all: the next sessions are the same while the OOP
            # room covers their share, so copy them instead of walking.
            repeat = n - done
            if oop_left is not None and sharing:
                repeat = min(repeat, oop_left // sharing)
            out.append((share, 1 + repeat))
            done += repeat
            if oop_left is not None:
                oop_left -= repeat * sharing
        else:
            out.append((share, 1))
    return out


def _session(t: PlanTerms, deductible_left: int | None, oop_left: int | None) -> Share:
    # Conditional expressions rather than min(): this runs for every run of every walk.
    allowed = t.allowed
    room = allowed if oop_left is None or oop_left >= allowed else oop_left
    deductible = room if deductible_left is None or deductible_left >= room else deductible_left
    room -= deductible
    rest = allowed - deductible
    copay = t.copay if t.copay < rest else rest
    copay = copay if copay < room else room
    coinsurance = share_cents(t.pct_bp, rest - copay)
    coinsurance = coinsurance if coinsurance < room - copay else room - copay
    sharing = deductible + copay + coinsurance
    uses_visit = t.deductible_counts_visit or deductible < allowed
    return Share(deductible, copay, coinsurance, t.balance, allowed - sharing, uses_visit)


def pip_sessions(s: Scenario, billed: int, remaining: int | None, n: int) -> list[Share]:
    """Auto PIP or MedPay: the sessions it pays for until `remaining` (None: enough) runs out.

    Per session: the PIP deductible first, then the copayment on expenses inside its band (New
    Jersey: 20% between $250 and $5,000, N.J.S.A. 39:6A-4.3), then PIP pays its percentage of the
    rest (Florida: 80%) up to what remains; the patient owes the rest of the charge. A session
    starts under PIP only while some benefit remains.
    """
    a = s.auto
    spent = int(a.pip_expenses_to_date * 100)
    band_lo = int(a.pip_deductible * 100)
    deductible_left = max(0, band_lo - spent)
    band_hi = None if a.pip_copay_limit is None else int(a.pip_copay_limit * 100)
    copay_bp, pays_bp = int(a.pip_copay_pct * 100), int(a.pip_pays_pct * 100)
    out: list[Share] = []
    for _ in range(n):
        if remaining is not None and remaining <= 0:
            break
        deductible = min(billed, deductible_left)
        deductible_left -= deductible
        start, end = spent + deductible, spent + billed
        in_band = max(0, (end if band_hi is None else min(end, band_hi)) - max(start, band_lo))
        copay = share_cents(copay_bp, in_band)
        rest = billed - deductible - copay
        paid = share_cents(pays_bp, rest)
        if remaining is not None:
            paid = min(paid, remaining)
            remaining -= paid
        out.append(Share(deductible, copay, rest - paid, 0, paid))
        spent = end
    return out
