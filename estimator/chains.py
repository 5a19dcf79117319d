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

from bisect import bisect_left
from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Literal, NamedTuple

from .coverage import authorized_visits
from .domains import INF, Answers, PlanOption, PlanTerms, session_billed, to_cents
from .estimate import PaidBy, RouteName, SessionRow
from .scenario import Scenario
from .walk import Share, pip_sessions, plan_runs

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


@dataclass(frozen=True)
class PlanWalk:
    """The plan's walk over the whole course at one corner, ready for any prefix: the patient's
    cost of the first m sessions, and the visits the first j sessions use."""

    shares: list[Share]
    prefix: list[int]  # prefix[m]: the patient's cost of the first m sessions
    visits_before: list[int]  # visits_before[j]: visits the first j sessions use, j < n

    def covered(self, visits_left: int | None, left: int) -> int:
        """How many of the first `left` sessions the plan covers with `visits_left` visits: a
        session is covered while some visit is left when it starts."""
        if visits_left is None:
            return left
        return min(left, bisect_left(self.visits_before, visits_left))


@dataclass(frozen=True)
class FirstPart:
    """The first payer's share of one candidate: how many sessions it takes and what the
    patient pays for them; `remaining` and `accepted` rebuild its sessions."""

    sessions: int
    cost: int
    payer: PaidBy | None = None
    remaining: int | None = None  # PIP: the benefit left
    accepted: bool = False  # workers' comp


class Walks:
    """The walks one estimate needs, each computed once (many candidates share terms)."""

    def __init__(self, s: Scenario, shared: dict[PlanTerms, "PlanWalk"] | None = None,
                 longest: int = 0):
        self.s = s
        self.n = s.sessions
        # Plan walks shared with other stretches of the same plan year, each walked once over
        # `longest` sessions: a walk does not depend on where it stops, so a shorter stretch's
        # is its first sessions.
        self._shared = {} if shared is None else shared
        self._longest = max(longest, self.n)
        self.billed = session_billed(s)
        # The plan sessions an obtained pre-authorization approved (None: no cap known).
        self.authorized = authorized_visits(s)
        cash = s.fees.cash_per_session
        self.cash = self.billed if cash is None else to_cents(cash)
        self._pip: dict[int | None, list[Share]] = {}
        self._gain: dict[tuple[int, int], tuple[PlanTerms, list[int]]] = {}
        self._by_id: dict[int, tuple[PlanTerms, PlanWalk]] = {}
        self._firsts: dict[tuple[object, ...], list[FirstPart]] = {}
        # A route's extreme at one corner of one option, by the corner's terms (identity), the
        # first payer's candidates (identity), the tail price and the visits left: ranking the
        # unknowns fixes one at a time, and the options it does not touch come back unchanged.
        self._extremes: dict[tuple[object, ...], tuple[PlanTerms, list[FirstPart], _Found]] = {}

    def plan(self, t: PlanTerms) -> PlanWalk:
        # Options are cached, so the same terms object comes back many times: look it up by
        # identity first (hashing a dataclass of eight fields is most of a lookup's cost).
        seen = self._by_id.get(id(t))
        if seen is not None and seen[0] is t:
            return seen[1]
        full = self._shared.get(t)
        if full is None:
            full = self._shared[t] = _plan_walk(t, self._longest)
        n = self.n
        walk = full if n == self._longest else PlanWalk(
            full.shares[:n], full.prefix[:n + 1], full.visits_before[:n])
        self._by_id[id(t)] = (t, walk)
        return walk

    def gain(self, t: PlanTerms, tail: int) -> list[int]:
        """P[m] - m * tail: what covering m sessions adds to paying the tail price for all."""
        key = (id(t), tail)
        seen = self._gain.get(key)
        if seen is None or seen[0] is not t:
            seen = self._gain[key] = (t, [p - m * tail for m, p in enumerate(self.plan(t).prefix)])
        return seen[1]

    def pip(self, remaining: int | None) -> list[Share]:
        if remaining not in self._pip:
            self._pip[remaining] = pip_sessions(self.s, self.billed, remaining, self.n)
        return self._pip[remaining]

    def first_shares(self, part: FirstPart) -> tuple[Share, ...]:
        if part.payer == "pip":
            return tuple(self.pip(part.remaining))
        if part.payer == "workers_comp" and part.accepted:
            # An accepted claim: authorized treatment costs the worker nothing.
            return tuple(Share(0, 0, 0, 0, self.billed) for _ in range(self.n))
        return ()


def _plan_walk(t: PlanTerms, n: int) -> PlanWalk:
    """The walk and its running sums, a run of equal sessions at a time (an arithmetic
    progression each)."""
    shares: list[Share] = []
    prefix, used = [0], [0]
    for share, k in plan_runs(t, n):
        shares += [share] * k
        cost, last = share.patient, prefix[-1]
        prefix += range(last + cost, last + cost * k + 1, cost) if cost else [last] * k
        last = used[-1]
        used += range(last + 1, last + k + 1) if share.uses_visit else [last] * k
    return PlanWalk(shares, prefix, used[:-1])


def _first_parts(w: Walks, first: First, open_: bool, a: Answers) -> list[FirstPart]:
    """`_first_candidates`, built once per answer to the first payer's unknown."""
    answer = None if first is None or not open_ else (
        a["claim_accepted"] if first == "workers_comp" else a["pip_remaining"])
    key = (first, open_, answer)
    found = w._firsts.get(key)
    if found is None:
        found = w._firsts[key] = _first_candidates(w, first, open_, a)
    return found


def _first_candidates(w: Walks, first: First, open_: bool, a: Answers) -> list[FirstPart]:
    """The first payer's part for each candidate of its unknown, fewest sessions first."""
    if first is None or not open_:
        return [FirstPart(0, 0)]
    if first == "workers_comp":
        accepted = a["claim_accepted"]
        outcomes = (False, True) if accepted is None else (accepted,)
        return [FirstPart(w.n if ok else 0, 0, "workers_comp", accepted=ok) for ok in outcomes]
    known = a["pip_remaining"]
    if known is not None:
        shares = w.pip(to_cents(known))
        return [FirstPart(len(shares), sum(x.patient for x in shares), "pip", to_cents(known))]
    # Unknown benefit left: the total changes only where a session's PIP share starts or ends,
    # so these candidates hold both extremes (between them it is linear). Each is a prefix of the
    # walk with enough benefit, the last session perhaps paid one cent.
    unbounded = w.pip(INF)
    parts = [FirstPart(0, 0, "pip", 0)]
    paid = cost = 0
    for k, share in enumerate(unbounded, start=1):
        if share.payer:
            parts.append(FirstPart(k, cost + w.billed - 1, "pip", paid + 1))  # one cent left
        paid, cost = paid + share.payer, cost + share.patient
        if share.payer:
            parts.append(FirstPart(k, cost, "pip", paid))  # the last session PIP pays in full
    parts.append(FirstPart(len(unbounded), cost, "pip", None))
    return parts


def _windows(option: PlanOption, walk: PlanWalk, lefts: list[int], authorized: int | None
             ) -> list[tuple[int, int]]:
    """For each number of sessions left to the plan, the numbers of sessions it may cover, over
    the visits left. When sessions paid wholly to the deductible use no visit and the corner's
    terms are not the only possible ones, which sessions use a visit varies with the unknowns:
    then every count from the lowest visits left up to all sessions is kept (sound, possibly
    wider).

    A pre-authorization for `authorized` visits lowers the fewest the same way a visit limit at
    its low end does: the sessions after them are covered only if a new approval comes. It
    counts every session, also one paid wholly to the deductible (each is a visit)."""
    lo, hi = option.visits
    n = len(walk.shares)
    cap = n if authorized is None else authorized
    if not option.exact_visits:
        first = n if lo is None else lo
        return [(min(first, cap, left), left) for left in lefts]
    fewest, most = walk.covered(lo, n), walk.covered(hi, n)  # a prefix: the same for any left
    return [(min(fewest, cap, left), min(most, left)) for left in lefts]


def _window_extremes(values: list[int], windows: list[tuple[int, int]], highest: bool
                     ) -> list[int]:
    """The index of the highest (or lowest) value in each window, for windows whose ends never
    move right: a monotonic queue, so all of them cost one pass."""
    if len(windows) <= 4:  # a claim or a known benefit: a few windows, read directly
        pick = max if highest else min
        return [lo + values[lo:hi + 1].index(pick(values[lo:hi + 1])) for lo, hi in windows]
    sign = 1 if highest else -1
    keys = [sign * v for v in values]  # the highest key is the best
    queue: deque[int] = deque()  # indices, best value first, larger indices first
    nxt = len(values) - 1
    out = []
    for lo, hi in windows:
        while nxt >= lo:
            while queue and keys[nxt] >= keys[queue[-1]]:
                queue.pop()
            queue.append(nxt)
            nxt -= 1
        while queue[0] > hi:
            queue.popleft()
        out.append(queue[0])
    return out


def bounds(w: Walks, chain: Chain, first_open: bool, plan_open: bool,
           options: list[PlanOption], a: Answers) -> Bounds:
    """The route's lowest and highest total over every candidate, with the outcomes that give
    them (the highest is what the patient should plan for)."""
    tail = w.cash if chain.cash_tail else w.billed
    low, high = extremes(w, chain, first_open, plan_open, options, a)
    return Bounds(_realization(w, low, tail), _realization(w, high, tail))


def extremes(w: Walks, chain: Chain, first_open: bool, plan_open: bool,
             options: list[PlanOption], a: Answers) -> tuple["_Found", "_Found"]:
    """`bounds` before its realizations are built: their totals are all that ranking the
    unknowns needs."""
    tail = w.cash if chain.cash_tail else w.billed
    parts = _first_parts(w, chain.first, first_open, a)
    lefts = [w.n - part.sessions for part in parts]
    low: _Found | None = None
    high: _Found | None = None
    covered = [o for o in options if o.covered] if chain.plan and plan_open else []
    if len(covered) < len(options) or not covered:  # some outcome leaves the plan out
        for part, left in zip(parts, lefts, strict=True):
            found = _Found(part.cost + left * tail, part, None, 0)
            low = found if low is None or found.total < low.total else low
            high = found if high is None or found.total > high.total else high
    for option in covered:
        assert option.worst is not None and option.best is not None
        for terms, highest in ((option.worst, True), (option.best, False)):
            found = _extreme(w, option, terms, highest, tail, parts)
            if highest and (high is None or found.total > high.total):
                high = found
            if not highest and (low is None or found.total < low.total):
                low = found
    assert low is not None and high is not None
    return low, high


def _extreme(w: Walks, option: PlanOption, terms: PlanTerms, highest: bool, tail: int,
             parts: list[FirstPart]) -> "_Found":
    """The route's highest (or lowest) total over the first payer's candidates and the visits
    left, at one corner of one plan option."""
    key = (id(terms), id(parts), highest, tail, option.visits, option.exact_visits)
    seen = w._extremes.get(key)
    if seen is not None and seen[0] is terms and seen[1] is parts:
        return seen[2]
    lefts = [w.n - part.sessions for part in parts]
    # total(m) = first payer's cost + the rest at the tail price + (P[m] - m * tail)
    gain = w.gain(terms, tail)
    picks = _window_extremes(gain, _windows(option, w.plan(terms), lefts, w.authorized),
                             highest)
    totals = [part.cost + left * tail + gain[m]
              for part, left, m in zip(parts, lefts, picks, strict=True)]
    i = totals.index(max(totals) if highest else min(totals))
    found = _Found(totals[i], parts[i], terms, picks[i])
    w._extremes[key] = (terms, parts, found)
    return found


class _Found(NamedTuple):
    """A candidate extreme, kept cheap until it is the answer."""

    total: int
    first: FirstPart
    terms: PlanTerms | None
    m: int  # sessions the plan covers


def _realization(w: Walks, found: _Found, tail: int) -> Realization:
    shares = () if found.terms is None else tuple(w.plan(found.terms).shares[:found.m])
    return Realization(w.first_shares(found.first), found.first.payer, found.terms, shares, tail,
                       found.total, w.n)


@lru_cache(maxsize=4096)
def money(cents_: int) -> Decimal:
    # Rows repeat a handful of amounts; Decimals are immutable, so one object each will do.
    return Decimal(cents_).scaleb(-2)


def rows(r: Realization, billed: int, first: int = 1) -> list[SessionRow]:
    """The realization session by session, as the estimate shows it, numbered from `first`."""
    out: list[SessionRow] = []
    n = first - 1

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

