"""Routes as chains of payers, and each route's total at the extremes of the unknowns.

A route is a sequence: a first payer (workers' compensation or auto PIP) pays the sessions it
covers; the health plan pays the next ones until its visit limit; the rest cost the patient the
clinic's billed charge, or its cash rate when the route ends in "cash". The total of a route is

    first payer's sessions  +  the plan's first m sessions  +  (the rest) × tail price

The first payer's part is exact for each candidate of its unknown (claim accepted or not; the PIP
benefit left at each point where the walk changes); the plan's part is monotone in every
continuous unknown for a fixed network, so its prefix sums at the best and the worst corner bound
every realization; and m ranges over the visits left. The extremes are taken jointly over all of
them (see docs/estimator.md, "Unknowns and ranges", for why this is exact and where it is only
sound).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate
from typing import Literal, NamedTuple

from .domains import INF, Answers, PlanOption, PlanTerms, session_billed, to_cents
from .estimate import PaidBy, RouteName, SessionRow
from .scenario import Scenario
from .walk import Share, covered_count, pip_paid_cumulative, pip_sessions, plan_sessions

First = Literal["workers_comp", "pip"] | None


@dataclass(frozen=True)
class Chain:
    first: First
    plan: bool
    cash_tail: bool  # the sessions no payer covers at the clinic's cash rate (else billed)


CHAINS: dict[RouteName, Chain] = {
    "workers_comp": Chain("workers_comp", False, False),
    "workers_comp_then_insurance": Chain("workers_comp", True, False),
    "workers_comp_then_insurance_then_cash": Chain("workers_comp", True, True),
    "workers_comp_then_cash": Chain("workers_comp", False, True),
    "auto_pip": Chain("pip", False, False),
    "auto_pip_then_insurance": Chain("pip", True, False),
    "auto_pip_then_insurance_then_cash": Chain("pip", True, True),
    "auto_pip_then_cash": Chain("pip", False, True),
    "insurance": Chain(None, True, False),
    "insurance_then_cash": Chain(None, True, True),
    "self_pay": Chain(None, False, True),
}


@dataclass(frozen=True)
class Realization:
    """One concrete outcome of a route: the first payer's sessions, the plan's terms and how
    many sessions it covers, and the tail price."""

    first: tuple[Share, ...]
    first_payer: PaidBy | None
    plan: PlanTerms | None
    plan_shares: tuple[Share, ...]
    tail_price: int
    total: int
    sessions: int


@dataclass(frozen=True)
class Bounds:
    low: Realization
    high: Realization


class Walks:
    """The walks one estimate needs, each computed once (many candidates share terms)."""

    def __init__(self, s: Scenario):
        self.s = s
        self.n = s.sessions
        self.billed = session_billed(s)
        cash = s.fees.cash_per_session
        self.cash = self.billed if cash is None else to_cents(cash)
        self._plan: dict[PlanTerms, tuple[list[Share], list[int], bool]] = {}
        self._pip: dict[int | None, list[Share]] = {}

    def plan(self, t: PlanTerms) -> tuple[list[Share], list[int], bool]:
        """The plan's sessions over the whole course, their prefix sums of patient cost, and
        whether every one of them uses a visit."""
        if t not in self._plan:
            shares = plan_sessions(t, self.n)
            prefix = [0, *accumulate(share.patient for share in shares)]
            self._plan[t] = (shares, prefix, all(share.uses_visit for share in shares))
        return self._plan[t]

    def pip(self, remaining: int | None) -> list[Share]:
        if remaining not in self._pip:
            self._pip[remaining] = pip_sessions(self.s, self.billed, remaining, self.n)
        return self._pip[remaining]


def _first_candidates(w: Walks, first: First, open_: bool, a: Answers
                      ) -> Iterator[tuple[tuple[Share, ...], PaidBy | None]]:
    """The first payer's sessions for each candidate of its unknown."""
    if first is None or not open_:
        yield (), None
        return
    if first == "workers_comp":
        accepted = a["claim_accepted"]
        # An accepted claim: authorized treatment costs the worker nothing.
        paid = tuple(Share(0, 0, 0, 0, w.billed) for _ in range(w.n))
        for ok in ((True, False) if accepted is None else (accepted,)):
            yield (paid if ok else ()), "workers_comp"
        return
    remaining = a["pip_remaining"]
    if remaining is not None:
        yield tuple(w.pip(to_cents(remaining))), "pip"
        return
    # Unknown benefit left: the total changes only where a session's PIP share starts or ends,
    # so these candidates hold both extremes (between them it is linear).
    unbounded = w.pip(INF)
    candidates: set[int | None] = {0, None}
    for share, paid_so_far in zip(unbounded, pip_paid_cumulative(unbounded), strict=True):
        candidates.add(paid_so_far)  # this session is the last PIP pays in full
        if share.payer:
            candidates.add(paid_so_far - share.payer + 1)  # one cent of it is left
    for remaining_c in sorted(candidates, key=lambda c: -1 if c is None else c):
        yield tuple(w.pip(remaining_c)), "pip"


def _prefix_range(option: PlanOption, walk: tuple[list[Share], list[int], bool], left: int
                  ) -> range:
    """The numbers of sessions the plan may cover out of `left`, over the visits left.

    When sessions paid wholly to the deductible use no visit and the corner's terms are not the
    only possible ones, which sessions use a visit varies with the unknowns: then every count
    from the lowest visits left up to all sessions is kept (sound, possibly wider)."""
    lo, hi = option.visits
    first = left if lo is None else min(lo, left)
    if not option.exact_visits:
        return range(first, left + 1)
    shares, _, every_session_uses_one = walk
    if every_session_uses_one:
        return range(first, (left if hi is None else min(hi, left)) + 1)
    return range(covered_count(shares, lo, left), covered_count(shares, hi, left) + 1)


def bounds(w: Walks, chain: Chain, first_open: bool, plan_open: bool,
           options: list[PlanOption], a: Answers) -> Bounds:
    """The route's lowest and highest total over every candidate, with the outcomes that give
    them (the highest is what the patient should plan for)."""
    tail = w.cash if chain.cash_tail else w.billed
    plans: list[PlanOption | None] = (
        list(options) if chain.plan and plan_open and options else [None])
    low: _Found | None = None
    high: _Found | None = None
    for first, first_payer in _first_candidates(w, chain.first, first_open, a):
        first_cost = sum(share.patient for share in first)
        left = w.n - len(first)
        for option in plans:
            if option is None or not option.covered:
                total = first_cost + left * tail
                if low is None or total < low.total:
                    low = _Found(total, first, first_payer, None, 0)
                if high is None or total > high.total:
                    high = _Found(total, first, first_payer, None, 0)
                continue
            assert option.worst is not None and option.best is not None
            walk = w.plan(option.worst)
            prefix = walk[1]
            for m in _prefix_range(option, walk, left):
                total = first_cost + prefix[m] + (left - m) * tail
                if high is None or total > high.total:
                    high = _Found(total, first, first_payer, option.worst, m)
            walk = w.plan(option.best)
            prefix = walk[1]
            for m in _prefix_range(option, walk, left):
                total = first_cost + prefix[m] + (left - m) * tail
                if low is None or total < low.total:
                    low = _Found(total, first, first_payer, option.best, m)
    assert low is not None and high is not None
    return Bounds(_realization(w, low, tail), _realization(w, high, tail))


class _Found(NamedTuple):
    """A candidate extreme, kept cheap until it is the answer."""

    total: int
    first: tuple[Share, ...]
    first_payer: PaidBy | None
    terms: PlanTerms | None
    m: int  # sessions the plan covers


def _realization(w: Walks, found: _Found, tail: int) -> Realization:
    shares = () if found.terms is None else tuple(w.plan(found.terms)[0][:found.m])
    return Realization(found.first, found.first_payer, found.terms, shares, tail, found.total,
                       w.n)


@lru_cache(maxsize=4096)
def money(cents_: int) -> Decimal:
    # Rows repeat a handful of amounts; Decimals are immutable, so one object each will do.
    return Decimal(cents_).scaleb(-2)


def rows(r: Realization, billed: int) -> list[SessionRow]:
    """The realization session by session, as the estimate shows it."""
    out: list[SessionRow] = []
    n = 0

    def add(share: Share, paid_by: PaidBy, allowed: int) -> None:
        nonlocal n
        n += 1
        m = money
        out.append(SessionRow(
            n=n, paid_by=paid_by, billed=m(billed), allowed=m(allowed), covered=True,
            deductible=m(share.deductible), copay=m(share.copay),
            coinsurance=m(share.coinsurance), balance_bill=m(share.balance),
            patient=m(share.patient), insurer=m(share.payer)))

    for share in r.first:
        add(share, r.first_payer or "cash", billed)
    for share in r.plan_shares:
        assert r.plan is not None
        add(share, "health_plan", r.plan.allowed)
    zero = money(0)
    while len(out) < r.sessions:
        n += 1
        out.append(SessionRow(
            n=n, paid_by="cash", billed=money(billed), allowed=zero, covered=False,
            deductible=zero, copay=zero, coinsurance=zero, balance_bill=zero,
            patient=money(r.tail_price), insurer=zero))
    return out

