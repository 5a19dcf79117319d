"""The unknown answers and their realistic domains; the health plan's terms at their extremes.

Patients rarely know their deductible status, so `null` answers are normal. Each unknown lies in a
documented domain (docs/estimator.md, "Unknowns and ranges"): e.g. the deductible between what is
already paid and the out-of-pocket maximum, the OOP maximum between the deductible and the legal
limit. The plan's cost sharing is monotone in each continuous unknown once the discrete ones
(network, out-of-network benefits, Medicare participation, whether the deductible applies) are
fixed, so every `PlanOption` carries the terms at the best and at the worst corner;
`estimator.chains` combines them with the visits left, the PIP benefit and the claim to find a
route's extremes.

All amounts here are integer cents: the walks run many times per estimate.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from .money import HUNDRED, cents
from .parameters import (
    ACA_OOP_LIMIT,
    CMS_RATE_PER_UNIT,
    HDHP_MIN_DEDUCTIBLE,
    MEDICARE_FEE_SCHEDULE,
    MEDICARE_LIMITING_CHARGE_PCT,
    MEDICARE_NONPAR_PCT,
    MEDICARE_PART_B_COINSURANCE_PCT,
    MEDICARE_PART_B_DEDUCTIBLE,
    OON_REFERENCE_ALLOWED_LOW,
    REFERENCE_ALLOWED_HIGH,
    REFERENCE_ALLOWED_LOW,
    TYPICAL_VISIT_LIMIT_LOW,
)
from .scenario import Scenario
from .units import units_for_minutes

Fixed = Mapping[str, Any]  # unknowns answered hypothetically (how much would knowing it help?)
INF = None  # an unbounded amount or count

# Unknowns that are answers about coverage rather than amounts: they have their own reason codes.
COVERAGE_UNKNOWNS = frozenset({"network", "oon_covered", "pip_remaining", "claim_accepted"})
IN_NETWORK = ("allowed_per_unit", "deductible", "deductible_met", "copay", "coinsurance_pct",
              "oop_max", "oop_met")
OUT_OF_NETWORK = ("oon_covered", "oon_allowed_per_unit", "oon_deductible", "oon_deductible_met",
                  "oon_coinsurance_pct", "oon_oop_max", "oon_oop_met")
# Original Medicare's deductible, coinsurance and (absent) OOP maximum are set by law.
MEDICARE_BY_LAW = ("deductible", "coinsurance_pct", "oop_max", "oop_met", "copay")


@lru_cache(maxsize=4096)
def to_cents(amount: Decimal) -> int:
    return int(cents(amount) * 100)


def share_cents(pct_bp: int, amount: int) -> int:
    """`pct_bp` hundredths of a percent of `amount` cents, rounded half-up (as `money.share`)."""
    return (2 * amount * pct_bp + 10000) // 20000


@dataclass(frozen=True)
class PlanTerms:
    """One session's terms and the plan's accumulators at the start of the course, in cents."""

    billed: int
    allowed: int  # at most `billed`
    balance: int  # what the patient owes above the allowed amount (out of network, non-par)
    deductible_left: int | None  # None: larger than anything this course can reach
    copay: int
    pct_bp: int  # coinsurance, hundredths of a percent
    oop_left: int | None  # None: no out-of-pocket maximum
    deductible_counts_visit: bool  # a session paid wholly to the deductible uses a visit


@dataclass(frozen=True)
class PlanOption:
    """One value of the discrete unknowns; the plan's terms at the best and the worst of the
    continuous ones, and the visits left (lo, hi; hi None: no limit)."""

    covered: bool  # False: the plan pays for nothing in this option
    best: PlanTerms | None
    worst: PlanTerms | None
    visits: tuple[int | None, int | None]  # None: no limit
    network: str  # "in", "out" (for Medicare: participating or not)

    @property
    def exact_visits(self) -> bool:
        """Whether the sessions that use a visit are the same in every realization: always when
        every covered session uses one, else only when the terms are known."""
        return (self.worst is None or self.worst.deductible_counts_visit
                or self.best == self.worst)


def oon_covered(s: Scenario) -> bool | None:
    """Out-of-network benefits: HMO and EPO plans usually have none (DOMAIN.md "Cost sharing").

    Omitted, the field follows the plan type; `null` means the patient does not know.
    """
    if "oon_covered" in s.plan.model_fields_set:
        return s.plan.oon_covered
    return s.plan_type not in ("hmo", "epo")


def _law(s: Scenario, name: str) -> bool:
    """Original Medicare: an omitted or unknown deductible, coinsurance or OOP maximum is the
    law's (Part B deductible and 20%, no OOP maximum; no copay for therapy)."""
    return (s.plan_payer == "medicare" and name in MEDICARE_BY_LAW
            and (name not in s.plan.model_fields_set or getattr(s.plan, name) is None))


def value(s: Scenario, name: str) -> Any:
    """The answer to `name` as the estimate reads it (None: unknown); `Answers` adds the
    hypothetical ones."""
    if name in ("allowed_per_unit", "oon_allowed_per_unit"):
        return getattr(s.fees, name)
    if name == "oon_covered":
        return oon_covered(s)
    if name == "network":
        return None if s.network_status == "unknown" else s.network
    if name == "pip_remaining":
        return s.auto.pip_remaining
    if name == "claim_accepted":
        return s.workers_comp.claim_accepted
    if name == "medicare_participating":
        return s.medicare_participating
    if _law(s, name):
        return {"deductible": MEDICARE_PART_B_DEDUCTIBLE, "coinsurance_pct":
                MEDICARE_PART_B_COINSURANCE_PCT, "oop_max": "none", "copay": Decimal(0),
                "oop_met": None}[name]
    return getattr(s.plan, name)


class Answers:
    """The scenario's answers (looked up once each) with some unknowns answered hypothetically."""

    def __init__(self, s: Scenario, fixed: Fixed | None = None,
                 base: dict[str, Any] | None = None,
                 options: dict[tuple[Any, ...], "PlanOption"] | None = None,
                 closed: frozenset[str] = frozenset(),
                 keys: dict[str, tuple[Any, ...]] | None = None):
        self.s = s
        self.fixed = fixed or {}
        # Network sides the plan would refuse whatever the amounts (a POS plan in network
        # without a referral): with the network unknown, that side covers nothing.
        self.closed = closed
        self._base = {} if base is None else base
        # Plan options already built, by the answers they depend on (shared by hypotheticals).
        self.options: dict[tuple[Any, ...], PlanOption] = {} if options is None else options
        # Each side's option key with nothing fixed (shared by hypotheticals, which change it
        # only where they fix an answer it depends on).
        self._keys: dict[str, tuple[Any, ...]] = {} if keys is None else keys

    def __getitem__(self, name: str) -> Any:
        if name in self.fixed:
            return self.fixed[name]
        if name not in self._base:
            self._base[name] = value(self.s, name)
        return self._base[name]

    def given(self, name: str) -> bool:
        return name in self.fixed or name in self.s.plan.model_fields_set

    def with_fixed(self, fixed: Fixed) -> "Answers":
        return Answers(self.s, {**self.fixed, **fixed}, self._base, self.options, self.closed,
                       self._keys)

    def option_key(self, network: str) -> tuple[Any, ...]:
        """What a commercial plan's option on one side depends on: whether the OOP amounts met
        were given, and the answers in `_DEPENDS`."""
        unfixed = self._keys.get(network)
        if unfixed is None:
            given = self.s.plan.model_fields_set
            unfixed = self._keys[network] = (
                network, "oop_met" in given, "oon_oop_met" in given,
                *(self._answer(n) for n in _DEPENDS[network]))
        if not self.fixed:
            return unfixed
        key = list(unfixed)
        where = _POSITION[network]
        for name, answer in self.fixed.items():
            if name in ("oop_met", "oon_oop_met"):
                key[1 if name == "oop_met" else 2] = True
            i = where.get(name)
            if i is not None:
                key[i] = answer
        return tuple(key)

    def _answer(self, name: str) -> Any:
        """The scenario's own answer, whatever is fixed."""
        if name not in self._base:
            self._base[name] = value(self.s, name)
        return self._base[name]


def _plan_unknowns(s: Scenario) -> list[str]:
    payer = s.plan_payer
    if payer is None:
        return []
    if payer == "medicare":
        return [n for n in ("medicare_participating", "deductible_met") if value(s, n) is None]
    network = s.network_status
    names = ["network"] if network == "unknown" else []
    out_of_network: tuple[str, ...] = (
        OUT_OF_NETWORK if oon_covered(s) is not False else ("oon_covered",))
    if payer == "medicaid":
        out_of_network = ()  # Medicaid pays only enrolled (in-network) providers
    candidates = [*(IN_NETWORK if network != "out" else ()),
                  *(out_of_network if network != "in" else ())]
    if s.plan_type != "hdhp":
        candidates.append("deductible_applies")
    candidates.append("visit_limit")
    if s.plan.visit_limit != "none":
        candidates.append("visits_used")
    names += [name for name in candidates if value(s, name) is None and not _moot(s, name)]
    return names


# What is paid toward an amount the plan does not have (no deductible, no out-of-pocket
# maximum) changes nothing: it is not asked about.
_USED_OF = {"deductible_met": ("deductible", 0), "oon_deductible_met": ("oon_deductible", 0),
            "oop_met": ("oop_max", "none"), "oon_oop_met": ("oon_oop_max", "none")}


def _moot(s: Scenario, name: str) -> bool:
    limit = _USED_OF.get(name)
    return limit is not None and value(s, limit[0]) == limit[1]


def primary_unknowns(s: Scenario) -> list[str]:
    """The unknown answers the patient's own payer depends on, in a stable order."""
    if s.payer == "auto":
        return ["pip_remaining"] if s.auto.pip_remaining is None else []
    if s.payer == "workers_comp":
        return ["claim_accepted"] if s.workers_comp.claim_accepted is None else []
    return _plan_unknowns(s) if s.health_plan else []


def unknowns(s: Scenario) -> list[str]:
    """Every unknown answer some route depends on: the payer's, then the plan's behind it."""
    names = primary_unknowns(s)
    if not s.health_plan:
        names += _plan_unknowns(s)
    return names


# --- the plan's terms at the extremes ---------------------------------------------------------

def _span(amount: Decimal | None, lo: Decimal = Decimal(0), hi: Decimal | None = INF
          ) -> tuple[int, int | None]:
    """(lo, hi) in cents for an answer: itself when known, else the domain (hi None: unbounded)."""
    if amount is None:
        return to_cents(lo), None if hi is None else to_cents(hi)
    return to_cents(amount), to_cents(amount)


def _min(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _minus(a: int | None, b: int) -> int | None:
    return None if a is None else max(0, a - b)


def _accumulators(a: Answers, side: str, legal_cap: Decimal | None,
                  hdhp: bool) -> tuple[tuple[int, int | None], tuple[int | None, int | None]]:
    """Deductible left and OOP room left, each as (best, worst).

    Domains: the deductible between what is already paid and the OOP maximum (an HDHP's at least
    the legal minimum); what is paid between 0 and the deductible; the OOP maximum between the
    larger of the deductible and what is met, and the legal limit (unbounded without one); what is
    met toward it at least the deductible paid, and equal to it when omitted.
    """
    p = "oon_" if side == "out" else ""
    d_lo, d_hi = _span(a[p + "deductible"], HDHP_MIN_DEDUCTIBLE if hdhp else Decimal(0))
    m_lo, m_hi = _span(a[p + "deductible_met"])
    oop_max = a[p + "oop_max"]
    if oop_max == "none":
        return _without_cap(d_lo, d_hi, m_lo, m_hi)
    x_lo, x_hi = _span(oop_max, hi=legal_cap)
    linked = not a.given(p + "oop_met")
    y = None if linked or a[p + "oop_met"] is None else to_cents(a[p + "oop_met"])
    # Worst: nothing paid, the deductible as large as the OOP maximum allows, the maximum at its
    # limit, nothing met toward it beyond what is known.
    d_w = x_hi if d_hi is None else d_hi if x_hi is None else min(d_hi, x_hi)
    d_w = None if d_w is None else max(d_w, d_lo, m_lo)
    worst = (_minus(d_w, m_lo), _minus(x_hi, m_lo if y is None else y))
    # Best: the deductible as small as possible and all of it paid, the OOP maximum met. With the
    # amount met linked to the deductible paid, both shrink as more is paid: pay as much as fits.
    if linked:
        most = _min(_min(m_hi, d_hi), x_hi)
        if most is None:  # everything is met: nothing bounds what has been paid
            return (0, worst[0]), (0, worst[1])
        m_b = max(most, m_lo)
        d_b = max(d_lo, m_b)
    else:
        d_b = max(d_lo, m_lo)
        m_b = d_b if m_hi is None else min(m_hi, d_b)
    if x_lo == x_hi:  # the maximum is known
        x_b = x_lo
    else:
        x_b = max(x_lo, d_b, m_b, y or 0)
    met = m_b if linked else x_b if y is None else y
    return (max(0, d_b - m_b), worst[0]), (_minus(x_b, met), worst[1])


def _without_cap(d_lo: int, d_hi: int | None, m_lo: int, m_hi: int | None
                 ) -> tuple[tuple[int, int | None], tuple[None, None]]:
    """No OOP maximum: only the deductible left matters, from all of it paid to none."""
    d_w = None if d_hi is None else max(d_hi, d_lo, m_lo)
    d_b = max(d_lo, m_lo)
    m_b = d_b if m_hi is None else min(m_hi, d_b)
    return (max(0, d_b - m_b), _minus(d_w, m_lo)), (None, None)


def _visits(a: Answers) -> tuple[int | None, int | None]:
    """Visits left: the limit between the typical low end and none, used between 0 and it.
    Original Medicare has no therapy visit limit (the cap was repealed in 2018; above the KX
    threshold claims need the KX modifier instead)."""
    if a.s.plan_payer == "medicare":
        return INF, INF
    limit, used = a["visit_limit"], a["visits_used"]
    if limit == "none":
        return INF, INF
    if limit is None:
        return (0 if used is None else max(0, TYPICAL_VISIT_LIMIT_LOW - used)), INF
    return (0 if used is None else max(0, limit - used)), max(0, limit - (used or 0))


def _allowed(a: Answers, name: str, units: int, billed: int) -> tuple[int, int]:
    """(low, high) allowed amount per session: an unknown one is 1.0 to 2.0 times the Medicare
    reference rate in network (no reliable public commercial figure), 0 to 2.0 out of network;
    capped at the charge."""
    rate = a[name]
    if rate is not None:
        one = min(to_cents(units * rate), billed)
        return one, one
    reference = CMS_RATE_PER_UNIT[a.s.cpt_code]
    floor = OON_REFERENCE_ALLOWED_LOW if name.startswith("oon_") else REFERENCE_ALLOWED_LOW
    return (min(to_cents(units * reference * floor), billed),
            min(to_cents(units * reference * REFERENCE_ALLOWED_HIGH), billed))


def _pct(a: Answers, name: str) -> tuple[int, int]:
    pct = a[name]
    return (0, 10000) if pct is None else (int(pct * 100), int(pct * 100))


def _applies(a: Answers, hdhp: bool) -> tuple[bool, bool]:
    """Whether the deductible applies (best, worst): an HDHP always applies it (IRC 223(c)(2))."""
    if hdhp:
        return True, True
    applies = a["deductible_applies"]
    return (False, True) if applies is None else (applies, applies)


# One object per distinct terms: the walks are cached by identity, and an unknown fixed at one
# end of its domain often leaves a corner's terms as they were.
@lru_cache(maxsize=4096)
def _terms(billed: int, allowed: int, balance: int, deductible_left: int | None, applies: bool,
           copay: int, pct: int, oop_left: int | None, counts: bool) -> PlanTerms:
    return PlanTerms(billed=billed, allowed=allowed, balance=balance,
                     deductible_left=deductible_left if applies else 0, copay=copay,
                     pct_bp=pct, oop_left=oop_left, deductible_counts_visit=counts)


def session_billed(s: Scenario) -> int:
    price = s.fees.billed_per_unit
    assert price is not None, "estimator.unknown_price gives an unknown price a value first"
    return to_cents(units_for_minutes(s.session_minutes) * price)


# The answers each side's option depends on (besides the scenario's fixed facts).
_DEPENDS = {
    "in": ("allowed_per_unit", "deductible", "deductible_met", "oop_max", "oop_met", "copay",
           "coinsurance_pct", "deductible_applies", "visit_limit", "visits_used"),
    "out": ("oon_covered", "oon_allowed_per_unit", "oon_deductible", "oon_deductible_met",
            "oon_oop_max", "oon_oop_met", "oon_coinsurance_pct", "deductible_applies",
            "visit_limit", "visits_used"),
}


# Where each answer sits in `Answers.option_key`.
_POSITION = {side: {n: 3 + i for i, n in enumerate(names)} for side, names in _DEPENDS.items()}


def _commercial_option(a: Answers, network: str) -> PlanOption:
    key = a.option_key(network)
    if key not in a.options:
        a.options[key] = _build_commercial_option(a, network)
    return a.options[key]


def _build_commercial_option(a: Answers, network: str) -> PlanOption:
    s = a.s
    units, billed = units_for_minutes(s.session_minutes), session_billed(s)
    payer, visits = s.plan_payer, _visits(a)
    counts = s.plan.deductible_visits_count
    if network in a.closed or (
            network == "out" and (payer == "medicaid" or a["oon_covered"] is False)):
        return PlanOption(False, None, None, visits, network)
    hdhp = payer == "commercial" and s.plan_type == "hdhp"
    applies = _applies(a, hdhp)
    if network == "in":
        cap = ACA_OOP_LIMIT if payer == "commercial" else None
        low, high = _allowed(a, "allowed_per_unit", units, billed)
        (ded_b, ded_w), (oop_b, oop_w) = _accumulators(a, "in", cap, hdhp)
        copay = a["copay"]
        copay_b, copay_w = (0, billed) if copay is None else (to_cents(copay),) * 2
        pct_b, pct_w = _pct(a, "coinsurance_pct")
        best = _terms(billed, low, 0, ded_b, applies[0], copay_b, pct_b, oop_b, counts)
        worst = _terms(billed, high, 0, ded_w, applies[1], copay_w, pct_w, oop_w, counts)
    else:
        # A higher out-of-network allowed amount leaves a smaller balance bill: best is high.
        low, high = _allowed(a, "oon_allowed_per_unit", units, billed)
        (ded_b, ded_w), (oop_b, oop_w) = _accumulators(a, "out", None, False)
        pct_b, pct_w = _pct(a, "oon_coinsurance_pct")
        best = _terms(billed, high, billed - high, ded_b, applies[0], 0, pct_b, oop_b, counts)
        worst = _terms(billed, low, billed - low, ded_w, applies[1], 0, pct_w, oop_w, counts)
    return PlanOption(True, best, worst, visits, network)


def medicare_allowed(s: Scenario, participating: bool) -> tuple[int, int]:
    """Original Medicare's approved amount per session and what the patient can be charged: the
    fee schedule (or the clinic's rate when given); non-participating 95% of it, with the charge
    capped at the limiting charge, 115% of that (SSA 1848(g))."""
    units, billed = units_for_minutes(s.session_minutes), session_billed(s)
    rate = s.fees.allowed_per_unit
    if rate is None:
        rate = MEDICARE_FEE_SCHEDULE[s.cpt_code][1]
    schedule = units * rate
    if participating:
        approved = min(to_cents(schedule), billed)
        return approved, approved
    nonpar = schedule * MEDICARE_NONPAR_PCT / HUNDRED
    limiting = to_cents(nonpar * MEDICARE_LIMITING_CHARGE_PCT / HUNDRED)
    return min(to_cents(nonpar), billed), min(billed, limiting)


def _medicare_option(a: Answers, participating: bool) -> PlanOption:
    s = a.s
    approved, charge = medicare_allowed(s, participating)
    (ded_b, ded_w), (oop_b, oop_w) = _accumulators(a, "in", None, False)
    pct_b, pct_w = _pct(a, "coinsurance_pct")
    applies = _applies(a, False)
    counts = s.plan.deductible_visits_count
    billed = session_billed(s)
    best = _terms(billed, approved, charge - approved, ded_b, applies[0], 0, pct_b, oop_b, counts)
    worst = _terms(billed, approved, charge - approved, ded_w, applies[1], 0, pct_w, oop_w, counts)
    return PlanOption(True, best, worst, _visits(a), "in" if participating else "out")


def plan_options(a: Answers) -> list[PlanOption]:
    """The plan's options over the discrete unknowns (empty when there is no plan)."""
    s = a.s
    if s.plan_payer is None:
        return []
    if s.plan_payer == "medicare":
        par = a["medicare_participating"]
        return [_medicare_option(a, p) for p in ((True, False) if par is None else (par,))]
    network = a["network"]
    options: list[PlanOption] = []
    for side in (("in", "out") if network is None else (network,)):
        if side == "out" and a["oon_covered"] is None:
            options.append(_commercial_option(a.with_fixed({"oon_covered": True}), side))
            options.append(_commercial_option(a.with_fixed({"oon_covered": False}), side))
        else:
            options.append(_commercial_option(a, side))
    return options


def domain_ends(s: Scenario, name: str) -> tuple[Any, ...]:
    """The answers that bound an unknown's domain: how the range would look knowing it."""
    if name == "network":
        return ("in", "out")
    if name in ("oon_covered", "deductible_applies", "claim_accepted", "medicare_participating"):
        return (True, False)
    if name == "visit_limit":
        return (TYPICAL_VISIT_LIMIT_LOW, "none")
    if name == "visits_used":
        limit = s.plan.visit_limit
        return (0, limit if isinstance(limit, int) else TYPICAL_VISIT_LIMIT_LOW)
    if name in ("coinsurance_pct", "oon_coinsurance_pct"):
        return (Decimal(0), HUNDRED)
    if name in ("allowed_per_unit", "oon_allowed_per_unit"):
        reference = CMS_RATE_PER_UNIT[s.cpt_code]
        floor = OON_REFERENCE_ALLOWED_LOW if name.startswith("oon_") else REFERENCE_ALLOWED_LOW
        return (reference * floor, reference * REFERENCE_ALLOWED_HIGH)
    # Amounts: nothing, or more than the whole course could reach.
    course = Decimal(session_billed(s) * s.sessions) / 100
    if name in ("oop_max", "oon_oop_max"):
        return (Decimal(0), "none")
    return (Decimal(0), course)
