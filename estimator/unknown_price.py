"""A clinic price the patient does not know (`fees.billed_per_unit: null`).

The price decides what paying yourself costs, the balance bill out of network and the cap on
every allowed amount, so it cannot be guessed as one figure. An unknown price is taken, like an
unknown allowed amount, as one to two times the Medicare reference rate per unit
(`parameters.CMS_RATE_PER_UNIT`; DOMAIN.md "Codes": no reliable public figure, treat as a
range). What the patient pays grows with the price on every route (the cash price, the balance
bill and the capped allowed amount all do), so the estimates at the two ends of the price hold
the best and the worst case.

Except behind a known auto PIP benefit: a higher price spends it in fewer sessions, and a
session it no longer reaches may cost less at the cash price than a session it pays in part.
Between the prices where the number of sessions PIP pays in full changes, the cost again grows
with the price, so the estimates at those prices (each end of each piece) are added.
"""

from collections.abc import Callable
from decimal import Decimal

from .domains import to_cents
from .estimate import CostRange, Estimate, NextStep, Route
from .money import cents
from .parameters import CMS_RATE_PER_UNIT, REFERENCE_ALLOWED_HIGH, REFERENCE_ALLOWED_LOW
from .scenario import Scenario
from .units import units_for_minutes
from .walk import pip_sessions

FIELD = "billed_per_unit"
REASON = "price_unknown"
STEP = "ask_clinic_price"


def assumed_prices(s: Scenario) -> tuple[Decimal, Decimal]:
    """The price per unit at the low and the high end of an unknown one."""
    reference = CMS_RATE_PER_UNIT[s.cpt_code]
    return cents(reference * REFERENCE_ALLOWED_LOW), cents(reference * REFERENCE_ALLOWED_HIGH)


def _at(s: Scenario, price: Decimal) -> Scenario:
    return s.model_copy(update={"fees": s.fees.model_copy(update={FIELD: price})})


def _pip_pieces(s: Scenario, low: Decimal, high: Decimal) -> list[Decimal]:
    """The prices (per unit, inside low..high) at each end of the pieces over which a known PIP
    benefit pays the same number of sessions in full and starts the same number."""
    if s.payer != "auto" or s.auto.pip_remaining is None:
        return []
    benefit, units = to_cents(s.auto.pip_remaining), units_for_minutes(s.session_minutes)

    def in_full(price: int) -> tuple[int, bool]:
        """How many sessions PIP pays in full, and whether some benefit is left for the next."""
        paid = 0
        for k, share in enumerate(pip_sessions(s, units * price, None, s.sessions)):
            if paid + share.payer > benefit:
                return k, paid < benefit  # the (k+1)th starts under PIP if any is left
            paid += share.payer
        return s.sessions, paid < benefit

    found: list[int] = []

    def split(a: int, in_a: tuple[int, bool], b: int, in_b: tuple[int, bool]) -> None:
        if in_a == in_b:
            return
        if b == a + 1:
            found.extend((a, b))
            return
        middle = (a + b) // 2
        in_middle = in_full(middle)
        split(a, in_a, middle, in_middle)
        split(middle, in_middle, b, in_b)

    a, b = to_cents(low), to_cents(high)
    split(a, in_full(a), b, in_full(b))
    return [Decimal(price).scaleb(-2) for price in found]


def _low_of(r: Route) -> Decimal:
    return r.patient_total if r.low is None else r.low


def estimate_without_price(s: Scenario, estimate: Callable[[Scenario], Estimate]) -> Estimate:
    """The estimate at the price that costs the recommended way to pay most (what to plan
    for), every route's range reaching over every price; the price first among what would
    narrow it, and asking the clinic for it first among the next steps, when it changes the
    recommended route's cost."""
    low_price, high_price = assumed_prices(s)
    prices = [low_price, *_pip_pieces(s, low_price, high_price), high_price]
    found = [estimate(_at(s, price)) for price in prices]
    base = _worst(found)
    routes = [_over(r, found, r.route == base.recommended.route) for r in base.routes]
    best = next(r for r in routes if r.route == base.recommended.route)
    floor = _low_of(best)
    if floor == best.patient_total:  # the price does not change the recommended route's cost
        return base.model_copy(update={"routes": routes})
    return base.model_copy(update={
        "routes": routes,
        "range": CostRange(low=floor, high=best.patient_total,
                           widened_by=_ranked(base, found, best.patient_total - floor)),
        # Without the price the cost was exact: the range is the price's alone.
        "reasons": [*(r for r in base.reasons if base.range or r != "amount_unknown"), REASON],
        "next_steps": [NextStep(code=STEP), *base.next_steps],
    })


def _ranked(base: Estimate, found: list[Estimate], width: Decimal) -> list[str]:
    """The unknowns that would narrow the range: the price first when knowing it would at
    least halve the range whatever it is (the plan's unknowns are ranked by the engine
    alone, so the price is not weighed against each of them), else after them."""
    others = base.range.widened_by if base.range else []
    left = max((e.range.high - e.range.low for e in found if e.range), default=Decimal(0))
    return [FIELD, *others] if 2 * left <= width else [*others, FIELD]


def _listed(e: Estimate, name: str) -> Route | None:
    """The route in `e`, or where "then cash" is not listed (the cash price is no cheaper at
    that price, or nothing is left to pay it for), the same payers without it."""
    by_name: dict[str, Route] = {r.route: r for r in e.routes}
    return by_name.get(name) or by_name.get(name.removesuffix("_then_cash"))


def _worst(found: list[Estimate]) -> Estimate:
    """The estimate to show: the costliest of those whose recommended route costs there as much
    as at any price (its session table is then the route's worst case), else the costliest."""
    def most(name: str) -> Decimal:
        return max(r.patient_total for e in found for r in e.routes if r.route == name)

    own = [e for e in found if e.recommended.patient_total == most(e.recommended.route)]
    return max(own or found, key=lambda e: e.recommended.patient_total)


def _over(route: Route, found: list[Estimate], recommended: bool) -> Route:
    """The route's best and worst case over every price it is listed at (the recommended one
    keeps its own worst case: its session table)."""
    same = [r for r in (_listed(e, route.route) for e in found) if r is not None]
    worst = route if recommended else max(same, key=lambda r: r.patient_total)
    high = worst.patient_total
    floor = min(_low_of(r) for r in same)
    return route.model_copy(update={"patient_total": high, "insurer_total": worst.insurer_total,
                                    "low": None if floor == high else floor})
